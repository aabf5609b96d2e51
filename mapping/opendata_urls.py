"""Open-data routes: the import pages and the DCAT-AP_IT catalogue of the registry's own dataset."""

from django.urls import path

from mapping.views import catalog, imports

app_name = "opendata"

urlpatterns = [
    path("importa/", imports.import_index, name="import"),
    path("importa/<int:pk>/", imports.import_detail, name="import_detail"),
    path("importa/<int:pk>/stato.json", imports.import_status, name="import_status"),
    path("importa/<int:pk>/conferma/", imports.import_confirm, name="import_confirm"),
    path("importa/<int:pk>/scarti.csv", imports.import_rejects, name="import_rejects"),
    path("dati/catalogo.jsonld", catalog.catalog_jsonld, name="catalog_jsonld"),
    path("dati/catalogo.rdf", catalog.catalog_rdf, name="catalog_rdf"),
]
