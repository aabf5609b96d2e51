"""Lifecycle actions over the API: thin views, each calling exactly one commons service.

Errors (validation 400, permission 403, conflicts 409) come out in the API's one format through
mapping.read.errors.exception_handler.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from commons.geovalidation import POLYGONAL, as_multipolygon, parse_geometry
from commons.models import LegalInstrument, ReuseCategory, SubscriptionKind
from commons.services import lifecycle, proposals, subscriptions
from mapping.api.schema import IDEMPOTENCY_KEY, IDEMPOTENCY_RESPONSES
from mapping.read.idempotency import idempotent
from mapping.api.schema import error_responses



class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class DuplicateInput(ReasonInput):
    survivor = serializers.IntegerField(min_value=1)


class AcceptInput(ReasonInput):
    legal_instrument = serializers.ChoiceField(choices=LegalInstrument.choices)
    instrument_start = serializers.DateField()
    instrument_end = serializers.DateField(required=False, allow_null=True, default=None)


class ProposalInput(serializers.Serializer):
    cooperative = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=10000)
    reuse_category = serializers.ChoiceField(choices=ReuseCategory.choices)
    expected_jobs = serializers.IntegerField(min_value=0, max_value=100000, required=False, allow_null=True)
    beneficiaries = serializers.CharField(max_length=300, required=False, allow_blank=True)
    budget_eur = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
    funding_sources = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    timeline = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    submit = serializers.BooleanField(default=True)
    pathway = serializers.SlugField(max_length=60, required=False, allow_blank=True, default="",
                                    help_text="Slug of a pathway fitting the site (GET /api/v1/pathways/?site=).")
    covers = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), max_length=200,
                                   required=False, default=list, help_text="Ids of the site's parts it covers.")


class SubscriptionInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[k for k in SubscriptionKind.choices if k[0] != "site"])
    area_code = serializers.RegexField(r"^\d{2,6}$", required=False, allow_blank=True, default="")
    query = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    polygon = serializers.JSONField(required=False, default=None, help_text="GeoJSON Polygon or MultiPolygon")
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")

    def validate_polygon(self, value):
        if value is None:
            return None
        return as_multipolygon(parse_geometry(value, field="polygon", allowed=POLYGONAL))


StatusOutput = inline_serializer("LifecycleResult", {"id": serializers.IntegerField(), "status": serializers.CharField(),
                                                     "version": serializers.IntegerField()})


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SiteActionApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=DuplicateInput, responses={200: StatusOutput, **error_responses(400, 401, 403, 404, 409)},
                   operation_id="site_action")
    def post(self, request, pk, action):
        if action == "mark-duplicate":
            data = _valid(DuplicateInput, request)
            site = lifecycle.site_mark_duplicate(site_id=pk, survivor_id=data["survivor"], actor=request.user,
                                                 reason=data["reason"])
        elif action.replace("-", "_") in lifecycle.SITE_ACTIONS:  # URLs say start-reuse
            data = _valid(ReasonInput, request)
            site = lifecycle.SITE_ACTIONS[action.replace("-", "_")](site_id=pk, actor=request.user, reason=data["reason"])
        else:
            return Response({"errors": [{"field": "action", "code": "unknown_action",
                                         "message": f"Unknown action {action!r}."}]}, status=404)
        return Response({"id": site.pk, "status": site.status, "version": site.version})


class ProposalCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[IDEMPOTENCY_KEY], request=ProposalInput,
                   responses={201: StatusOutput, **error_responses(400, 401, 403, 404), **IDEMPOTENCY_RESPONSES},
                   operation_id="site_proposal_create")
    @idempotent
    def post(self, request, pk):
        data = dict(_valid(ProposalInput, request))
        cooperative_id, submit = data.pop("cooperative"), data.pop("submit")
        data = {key: value for key, value in data.items() if value is not None}
        proposal = proposals.proposal_create(actor=request.user, site_id=pk, cooperative_id=cooperative_id,
                                             submit=submit, **data)
        return Response({"id": proposal.pk, "status": proposal.status, "version": proposal.version},
                        status=status.HTTP_201_CREATED)


class ProposalDecisionApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=AcceptInput, responses={200: StatusOutput, **error_responses(400, 401, 403, 404, 409)},
                   operation_id="proposal_decision")
    def post(self, request, pk, decision):
        if decision == "accept":
            data = _valid(AcceptInput, request)
            proposal = proposals.proposal_accept(proposal_id=pk, actor=request.user, **data)
        elif decision in ("decline", "withdraw", "complete"):
            data = _valid(ReasonInput, request)
            service = getattr(proposals, f"proposal_{decision}")
            proposal = service(proposal_id=pk, actor=request.user, reason=data["reason"])
        elif decision == "submit":
            proposal = proposals.proposal_submit(proposal_id=pk, actor=request.user)
        else:
            return Response({"errors": [{"field": "decision", "code": "unknown_action",
                                         "message": f"Unknown decision {decision!r}."}]}, status=404)
        return Response({"id": proposal.pk, "status": proposal.status, "version": proposal.version})


class SubscriptionCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[IDEMPOTENCY_KEY], request=SubscriptionInput, responses={201: inline_serializer(
        "SubscriptionCreated", {"id": serializers.IntegerField(), "feed": serializers.CharField()}),
        **error_responses(400, 401, 403), **IDEMPOTENCY_RESPONSES})
    @idempotent
    def post(self, request):
        data = _valid(SubscriptionInput, request)
        subscription = subscriptions.subscription_create(user=request.user, **data)
        return Response({"id": subscription.pk, "feed": str(subscription.feed_token)}, status=status.HTTP_201_CREATED)
