"""A site's consultation over the API: read it (dates, state, outcome, comments per proposal, hidden ones with only
their reason), open it, comment, hide a comment, record the outcome — thin views, each calling one service of
commons.services.consultations. Errors come out in the registry's format (mapping.read.errors); comments also count
against the write throttles every API write has."""

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from commons.models import CommentKind, ConsultationComment, ConsultationState, ProposalStatus, Site
from commons.services import consultations as service
from mapping.api.schema import IDEMPOTENCY_KEY, IDEMPOTENCY_RESPONSES, error_responses
from mapping.read.idempotency import idempotent


class CommentSerializer(serializers.ModelSerializer):
    body = serializers.SerializerMethodField(help_text="The text; null once hidden by the moderators.")

    class Meta:
        model = ConsultationComment
        fields = ["id", "proposal", "kind", "body", "created_at", "hidden", "hidden_reason"]

    def get_body(self, comment) -> str | None:
        return None if comment.hidden else comment.body


class ConsultationProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    cooperative = serializers.CharField(source="cooperative.name")
    status = serializers.CharField()
    comment_count = serializers.IntegerField(help_text="Comments shown (not hidden).")


class ConsultationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    site = serializers.IntegerField(source="site_id")
    question = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField(help_text="Comments are taken until this instant, excluded.")
    state = serializers.ChoiceField(choices=ConsultationState.choices)
    outcome = serializers.CharField(help_text="Recorded by the municipality; empty until concluded.")
    concluded_at = serializers.DateTimeField(allow_null=True)
    comment_count = serializers.IntegerField()
    hidden_count = serializers.IntegerField()
    proposals = ConsultationProposalSerializer(many=True)
    comments = CommentSerializer(many=True)


class OpenInput(serializers.Serializer):
    question = serializers.CharField(max_length=service.QUESTION_MAX)
    closes_at = serializers.DateTimeField()
    opens_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                         help_text="Omitted: now. At most 30 days ahead.")


class CommentInput(serializers.Serializer):
    proposal = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    kind = serializers.ChoiceField(choices=CommentKind.choices, default=CommentKind.COMMENT)
    body = serializers.CharField(max_length=service.BODY_MAX)


class OutcomeInput(serializers.Serializer):
    outcome = serializers.CharField(max_length=service.OUTCOME_MAX)


class HideInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def consultation_data(consultation):
    comments = list(consultation.comments.order_by("created_at", "id"))
    proposals = (consultation.site.proposals.exclude(status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN])
                 .select_related("cooperative").order_by("created_at")
                 .annotate(comment_count=Count("consultation_comments", filter=Q(
                     consultation_comments__consultation=consultation, consultation_comments__hidden=False))))
    return ConsultationSerializer({
        "id": consultation.pk, "site_id": consultation.site_id, "question": consultation.question,
        "opens_at": consultation.opens_at, "closes_at": consultation.closes_at, "state": consultation.state(),
        "outcome": consultation.outcome, "concluded_at": consultation.concluded_at,
        "comment_count": sum(not c.hidden for c in comments), "hidden_count": sum(c.hidden for c in comments),
        "proposals": proposals, "comments": comments,
    }).data


class SiteConsultationApi(APIView):
    def get_permissions(self):
        return [permissions.IsAuthenticated()] if self.request.method == "POST" else [permissions.AllowAny()]

    @extend_schema(operation_id="site_consultation_read", summary="The site's consultation under way, else its last",
                   responses={200: ConsultationSerializer, **error_responses(404)})
    def get(self, request, pk):
        site = get_object_or_404(Site.objects.visible(), pk=pk)
        consultation = service.current_consultation(site.pk)
        if consultation is None:
            raise Http404
        return Response(consultation_data(consultation))

    @extend_schema(operation_id="site_consultation_open", summary="Open a consultation on competing proposals",
                   request=OpenInput, responses={201: ConsultationSerializer, **error_responses(400, 401, 403)})
    def post(self, request, pk):
        data = _valid(OpenInput, request)
        consultation = service.consultation_open(actor=request.user, site_id=pk, **data)
        return Response(consultation_data(consultation), status=201)


class ConsultationCommentApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="consultation_comment_create", summary="Ask a question or comment on a proposal",
                   parameters=[IDEMPOTENCY_KEY], request=CommentInput,
                   responses={201: CommentSerializer, **error_responses(400, 401, 403, 429), **IDEMPOTENCY_RESPONSES})
    @idempotent
    def post(self, request, pk):
        data = _valid(CommentInput, request)
        comment = service.consultation_comment(actor=request.user, consultation_id=pk, proposal_id=data["proposal"],
                                               kind=data["kind"], body=data["body"])
        return Response(CommentSerializer(comment).data, status=201)


class ConsultationOutcomeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="consultation_conclude", summary="Record the outcome (ends the consultation)",
                   request=OutcomeInput, responses={200: ConsultationSerializer, **error_responses(400, 401, 403)})
    def post(self, request, pk):
        data = _valid(OutcomeInput, request)
        consultation = service.consultation_conclude(actor=request.user, consultation_id=pk, outcome=data["outcome"])
        return Response(consultation_data(consultation))


class CommentHideApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="consultation_comment_hide", summary="Hide a comment, with a public reason",
                   request=HideInput, responses={200: CommentSerializer, **error_responses(400, 401, 403)})
    def post(self, request, pk):
        data = _valid(HideInput, request)
        comment = service.consultation_comment_hide(actor=request.user, comment_id=pk, reason=data["reason"])
        return Response(CommentSerializer(comment).data)
