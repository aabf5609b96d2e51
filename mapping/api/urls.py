"""REST API v1 routes (mounted at /api/v1/)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView


from mapping.api import workflow
from mapping.api.views import base  # noqa: F401 - registers the <id:...> path converter
from mapping.api.views.areas import AREA_VIEWS, Stats
from mapping.api.views.auth import TokenView
from mapping.api.views.confirmations import ChangeDecision, SiteConfirmationCreate
from mapping.api.views.consultations import (
    CommentHideApi, ConsultationCommentApi, ConsultationOutcomeApi, SiteConsultationApi,
)
from mapping.api.views.community import CooperativeDetail, CooperativeList, ProposalDetail, ProposalList
from mapping.api.views.exports import CSVExport, GeoJSONExport, GeoPackageExport
from mapping.api.views.matching import CooperativeInterests, CooperativeMatches, SiteInvitationCreate
from mapping.api.views.pathways import (
    MilestoneDocumentCreate, MilestoneUpdate, PathwayDetail, PathwayList, ProposalSupportApi,
)
from mapping.api.views.photos import SitePhotoCreate
from mapping.api.views.sites import SiteDetail, SiteList

app_name = "api"

urlpatterns = [
    path("sites/", SiteList.as_view(), name="site-list"),
    path("sites/<id:pk>/", SiteDetail.as_view(), name="site-detail"),
    path("sites/<id:pk>/photos/", SitePhotoCreate.as_view(), name="site-photos"),
    path("sites/<id:pk>/confirmations/", SiteConfirmationCreate.as_view(), name="site-confirmations"),
    path("sites/<id:pk>/invitations/", SiteInvitationCreate.as_view(), name="site-invitations"),
    path("sites/<id:pk>/consultation/", SiteConsultationApi.as_view(), name="site-consultation"),
    path("consultations/<id:pk>/comments/", ConsultationCommentApi.as_view(), name="consultation-comments"),
    path("consultations/<id:pk>/outcome/", ConsultationOutcomeApi.as_view(), name="consultation-outcome"),
    path("consultation-comments/<id:pk>/hide/", CommentHideApi.as_view(), name="consultation-comment-hide"),
    path("confirmations/<id:pk>/<slug:decision>/", ChangeDecision.as_view(), name="confirmation-decision"),
    path("cooperatives/", CooperativeList.as_view(), name="cooperative-list"),
    path("cooperatives/<str:slug>/", CooperativeDetail.as_view(), name="cooperative-detail"),
    path("cooperatives/<str:slug>/matches/", CooperativeMatches.as_view(), name="cooperative-matches"),
    path("cooperatives/<str:slug>/interests/", CooperativeInterests.as_view(), name="cooperative-interests"),
    path("proposals/", ProposalList.as_view(), name="proposal-list"),
    path("proposals/<id:pk>/", ProposalDetail.as_view(), name="proposal-detail"),
    path("pathways/", PathwayList.as_view(), name="pathway-list"),
    path("pathways/<slug:slug>/", PathwayDetail.as_view(), name="pathway-detail"),
    path("proposals/<id:pk>/support/", ProposalSupportApi.as_view(), name="proposal-support"),
    path("proposals/<id:pk>/milestones/<int:position>/", MilestoneUpdate.as_view(), name="proposal-milestone"),
    path("proposals/<id:pk>/milestones/<int:position>/documents/", MilestoneDocumentCreate.as_view(),
         name="proposal-milestone-documents"),
    path("stats/", Stats.as_view(), name="stats"),
    path("exports/sites.geojson", GeoJSONExport.as_view(), name="export-geojson"),
    path("exports/sites.csv", CSVExport.as_view(), name="export-csv"),
    path("exports/sites.gpkg", GeoPackageExport.as_view(), name="export-gpkg"),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("sites/<int:pk>/actions/<slug:action>/", workflow.SiteActionApi.as_view(), name="site-action"),
    path("sites/<int:pk>/proposals/", workflow.ProposalCreateApi.as_view(), name="site-proposal-create"),
    path("proposals/<int:pk>/<slug:decision>/", workflow.ProposalDecisionApi.as_view(), name="proposal-decision"),
    path("subscriptions/", workflow.SubscriptionCreateApi.as_view(), name="subscription-create"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
for level, (list_view, detail_view) in AREA_VIEWS.items():
    urlpatterns += [
        path(f"areas/{level}/", list_view.as_view(), name=f"{level}-list"),
        path(f"areas/{level}/<str:code>/", detail_view.as_view(), name=f"{level}-detail"),
    ]


