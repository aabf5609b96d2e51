from django.urls import path

from mapping.api import workflow

urlpatterns = [
    path("sites/<int:pk>/actions/<slug:action>/", workflow.SiteActionApi.as_view(), name="api-site-action"),
    path("sites/<int:pk>/proposals/", workflow.ProposalCreateApi.as_view(), name="api-site-proposal-create"),
    path("proposals/<int:pk>/<slug:decision>/", workflow.ProposalDecisionApi.as_view(), name="api-proposal-decision"),
    path("subscriptions/", workflow.SubscriptionCreateApi.as_view(), name="api-subscription-create"),
]
