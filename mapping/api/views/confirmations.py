"""Ground truth over the API: confirm a site on the ground (JSON, or multipart with a photo), and decide the changes
confirmations propose. Thin views: each calls one commons service (commons.services.confirmations); errors come
out in the API's one format (400 bad answer or note, 404 hidden, 409 merged, closed or already this month)."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from django.shortcuts import get_object_or_404

from commons.models import Answer, Confirmation, Site, Via
from commons.models.confirmations import NOTE_MAX_LENGTH
from commons.services.confirmations import change_accept, change_decline, site_confirm
from mapping.api.parsers import SafeJSONParser
from mapping.api.schema import IDEMPOTENCY_KEY, IDEMPOTENCY_RESPONSES, error_responses
from mapping.api.serializers import StrictSerializer
from mapping.api.views.base import AUTHENTICATION
from mapping.read.errors import PayloadTooLarge
from mapping.read.idempotency import idempotent

MULTIPART_SLACK = 64 * 1024


class ConfirmationInput(StrictSerializer):
    answer = serializers.ChoiceField(choices=Answer.choices, help_text="still_dormant, or the change found.")
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")
    image = serializers.FileField(required=False, help_text="A photo (multipart only): JPEG, PNG or WebP.")


class DecisionInput(StrictSerializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


ConfirmationOutput = inline_serializer("ConfirmationResult", {
    "id": serializers.IntegerField(), "site": serializers.IntegerField(), "answer": serializers.CharField(),
    "role": serializers.CharField(), "change_status": serializers.CharField(),
    "created_at": serializers.DateTimeField(),
})


def _output(confirmation):
    return {"id": confirmation.pk, "site": confirmation.site_id, "answer": confirmation.answer,
            "role": confirmation.role, "change_status": confirmation.change_status,
            "created_at": confirmation.created_at}


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SiteConfirmationCreate(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    parser_classes = [SafeJSONParser, MultiPartParser]

    @extend_schema(operation_id="sites_confirmations_create", summary="Confirm a site on the ground",
                   request={"application/json": ConfirmationInput, "multipart/form-data": ConfirmationInput},
                   parameters=[IDEMPOTENCY_KEY],
                   responses={201: ConfirmationOutput, **error_responses(400, 401, 403, 404, 409, 413, 415),
                              **IDEMPOTENCY_RESPONSES})
    @idempotent
    def post(self, request, pk):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > settings.PHOTO_MAX_BYTES + MULTIPART_SLACK:
            raise PayloadTooLarge(_("A photo may be at most %(limit)d MB.") % {
                "limit": settings.PHOTO_MAX_BYTES // (1024 * 1024)})
        get_object_or_404(Site.objects.filter(hidden=False), pk=pk)  # hidden or unknown: 404 (merged, closed: 409)
        data = _valid(ConfirmationInput, request)
        confirmation = site_confirm(actor=request.user, site_id=pk, answer=data["answer"], note=data["note"],
                                    image=data.get("image"), via=Via.API)
        return Response(_output(confirmation), status=201)


class ChangeDecision(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    parser_classes = [SafeJSONParser]

    @extend_schema(operation_id="confirmations_decide", summary="Accept or decline a proposed change (reason)",
                   request=DecisionInput, responses={200: ConfirmationOutput,
                                                     **error_responses(400, 401, 403, 404, 409)})
    def post(self, request, pk, decision):
        get_object_or_404(Confirmation.objects.exclude(change_status=""), pk=pk)
        reason = _valid(DecisionInput, request)["reason"]
        if decision == "accept":
            change_accept(actor=request.user, confirmation_id=pk, reason=reason)
        elif decision == "decline":
            change_decline(actor=request.user, confirmation_id=pk, reason=reason)
        else:
            return Response({"errors": [{"field": "decision", "code": "unknown_action",
                                         "message": _("Unknown decision %(name)s.") % {"name": decision[:40]}}]},
                            status=404)
        return Response(_output(Confirmation.objects.get(pk=pk)))
