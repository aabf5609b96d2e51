from django.urls import path

from mapping.feeds import AreaFeed, SearchFeed
from mapping.views import workflow

app_name = "workflow"

urlpatterns = [
    path("lavoro/", workflow.work_queue, name="queue"),
    path("lavoro/siti/<int:pk>/", workflow.site_manage, name="site_manage"),
    path("lavoro/siti/<int:pk>/<slug:action>/", workflow.site_action, name="site_action"),
    path("lavoro/proposte/<int:pk>/<slug:decision>/", workflow.proposal_decision, name="proposal_decision"),
    path("lavoro/modera/<slug:what>/<int:pk>/", workflow.moderate, name="moderate"),
    path("profilo/", workflow.profile, name="profile"),
    path("segui/", workflow.follow, name="follow"),
    path("segui/sito/<int:pk>/", workflow.follow_site, name="follow_site"),
    path("segui/<int:pk>/rimuovi/", workflow.unfollow, name="unfollow"),
    path("feed/ricerca/<uuid:token>/", SearchFeed(), name="search_feed"),
    path("feed/<slug:kind>/<str:code>/", AreaFeed(), name="area_feed"),
]
