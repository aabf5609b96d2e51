"""Web pages (Italian paths: the interface is Italian first)."""

from django.urls import path

from mapping.views import cooperatives, dashboard, geodata, pages, report, sites

app_name = "mapping"

urlpatterns = [
    path("", pages.home, name="home"),
    path("elenco/", pages.site_list, name="site_list"),
    path("beni/<int:pk>/", sites.site_detail, name="site_detail"),
    path("beni/<int:pk>/proponi/", cooperatives.proposal_create, name="proposal_create"),
    path("segnala/", report.report, name="report"),
    path("cooperative/", cooperatives.cooperative_list, name="cooperative_list"),
    path("cooperative/<str:slug>/", cooperatives.cooperative_detail, name="cooperative_detail"),
    path("proposte/<int:pk>/", cooperatives.proposal_detail, name="proposal_detail"),
    path("cruscotto/", dashboard.dashboard, name="dashboard"),
    path("mappa/confini/<slug:level>.geojson", geodata.boundaries, name="boundaries"),
    path("mappa/aree/", geodata.areas, name="areas"),
]
