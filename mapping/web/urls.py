"""The web face: every page, form and feed (Italian paths: the interface is Italian first).

One module; the three namespaces (`mapping` for public pages, `workflow` for signed-in work, `opendata` for
imports and the catalogue) are kept so that `{% url %}` names stay stable.
"""

from django.urls import include, path

from mapping.web.feeds import AreaFeed, SearchFeed
from mapping.web.views import (
    catalog, confirmations, consultations, cooperatives, dashboard, geodata, imports, legal, matching, milestones,
    my_reports, pages, pwa, report, sites, workflow,
)

public = [
    path("", pages.home, name="home"),
    path("elenco/", pages.site_list, name="site_list"),
    path("beni/<int:pk>/", sites.site_detail, name="site_detail"),
    path("beni/<int:pk>/proponi/", cooperatives.proposal_create, name="proposal_create"),
    path("beni/<int:pk>/conferma/", confirmations.site_confirm, name="site_confirm"),
    path("beni/<int:pk>/consultazione/", consultations.consultation, name="consultation"),
    path("beni/<int:pk>/consultazione/commenta/", consultations.consultation_comment, name="consultation_comment"),
    path("conferma/disiscriviti/<str:token>/", confirmations.recheck_unsubscribe, name="recheck_unsubscribe"),
    path("conferma/<str:token>/", confirmations.recheck_answer, name="recheck_answer"),
    path("segnala/", report.report, name="report"),
    path("cooperative/", cooperatives.cooperative_list, name="cooperative_list"),
    path("cooperative/<str:slug>/", cooperatives.cooperative_detail, name="cooperative_detail"),
    path("cooperative/<str:slug>/beni/", matching.cooperative_matches, name="cooperative_matches"),
    path("proposte/<int:pk>/", cooperatives.proposal_detail, name="proposal_detail"),
    path("proposte/<int:pk>/passi/<int:position>/", milestones.milestone_update, name="milestone_update"),
    path("proposte/<int:pk>/passi/<int:position>/documenti/", milestones.milestone_upload, name="milestone_upload"),
    path("proposte/<int:pk>/sostegno/", milestones.proposal_support, name="proposal_support"),
    path("documenti/<int:pk>/", milestones.milestone_document, name="milestone_document"),
    path("cruscotto/", dashboard.dashboard, name="dashboard"),
    path("mappa/confini/<slug:level>.geojson", geodata.boundaries, name="boundaries"),
    path("mappa/aree/", geodata.areas, name="areas"),
    # The installable web app: at the root, so that the service worker's scope is the whole site.
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("senza-connessione/", pwa.offline, name="offline"),
    path("dichiarazione-di-accessibilita/", legal.accessibility, name="accessibility"),
    path("privacy/", legal.privacy, name="privacy"),
    path("cookie/", legal.cookies, name="cookies"),
]

work = [
    path("lavoro/", workflow.work_queue, name="queue"),
    path("lavoro/siti/<int:pk>/", workflow.site_manage, name="site_manage"),
    path("lavoro/siti/<int:pk>/consultazione/apri/", consultations.consultation_open, name="consultation_open"),
    path("lavoro/consultazioni/<int:pk>/esito/", consultations.consultation_conclude, name="consultation_conclude"),
    path("lavoro/commenti/<int:pk>/nascondi/", consultations.comment_hide, name="comment_hide"),
    path("lavoro/siti/<int:pk>/invita/<int:cooperative>/", workflow.cooperative_invite, name="cooperative_invite"),
    path("lavoro/siti/<int:pk>/<slug:action>/", workflow.site_action, name="site_action"),
    path("lavoro/proposte/<int:pk>/<slug:decision>/", workflow.proposal_decision, name="proposal_decision"),
    path("lavoro/modera/<slug:what>/<int:pk>/", workflow.moderate, name="moderate"),
    path("lavoro/modifiche/<int:pk>/<slug:decision>/", confirmations.change_decision, name="change_decision"),
    path("lavoro/riconferma/", confirmations.bulk_confirm, name="bulk_confirm"),
    path("profilo/", workflow.profile, name="profile"),
    path("le-mie-segnalazioni/", my_reports.my_reports, name="my_reports"),
    path("segui/", workflow.follow, name="follow"),
    path("segui/sito/<int:pk>/", workflow.follow_site, name="follow_site"),
    path("segui/<int:pk>/rimuovi/", workflow.unfollow, name="unfollow"),
    path("feed/ricerca/<uuid:token>/", SearchFeed(), name="search_feed"),
    path("feed/<slug:kind>/<str:code>/", AreaFeed(), name="area_feed"),
]

opendata = [
    path("importa/", imports.import_index, name="import"),
    path("importa/<int:pk>/", imports.import_detail, name="import_detail"),
    path("importa/<int:pk>/stato.json", imports.import_status, name="import_status"),
    path("importa/<int:pk>/conferma/", imports.import_confirm, name="import_confirm"),
    path("importa/<int:pk>/scarti.csv", imports.import_rejects, name="import_rejects"),
    path("dati/catalogo.jsonld", catalog.catalog_jsonld, name="catalog_jsonld"),
    path("dati/catalogo.rdf", catalog.catalog_rdf, name="catalog_rdf"),
]

urlpatterns = [
    path("", include((work, "workflow"))),
    path("", include((opendata, "opendata"))),
    path("", include((public, "mapping"))),
]
