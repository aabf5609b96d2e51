"""Pathways (read), a proposal's milestones (record dates, file PDFs) and public support: thin views over
commons.services.milestones and commons.services.support."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from commons.models import Pathway, Site
from commons.services import milestones, support
from mapping.api.pagination import CappedLimitOffsetPagination
from mapping.api.parsers import DocumentMultiPartParser
from mapping.api.schema import IDEMPOTENCY_KEY, IDEMPOTENCY_RESPONSES, error_responses
from mapping.api.serializers import (
    MilestoneDocumentInput, MilestoneDocumentSerializer, MilestoneInput, MilestoneSerializer, PathwaySerializer,
)
from mapping.api.views.base import AUTHENTICATION
from mapping.api.views.community import PAGE, _positive_int, checked_params
from mapping.read.idempotency import idempotent

SupportOutput = inline_serializer("SupportCount", {"support_count": serializers.IntegerField(),
                                                   "supported": serializers.BooleanField()})


@extend_schema_view(get=extend_schema(summary="Legal pathways to reuse (those fitting a site with ?site=)", parameters=[
    OpenApiParameter("site", OpenApiTypes.INT, description="Only the pathways fitting this site's ownership and kind.")],
    responses={200: PathwaySerializer(many=True), **error_responses(400, 404)}))
class PathwayList(generics.ListAPIView):
    serializer_class = PathwaySerializer
    pagination_class = CappedLimitOffsetPagination

    def get_queryset(self):
        params = checked_params(self.request, {"site", *PAGE})
        pathways = Pathway.objects.active().prefetch_related("steps")
        if (site_id := _positive_int(params, "site")) is not None:
            pathways = pathways.fitting(get_object_or_404(Site.objects.visible(), pk=site_id))
        return pathways


@extend_schema_view(get=extend_schema(summary="One pathway with its steps",
                                      responses={200: PathwaySerializer, **error_responses(404)}))
class PathwayDetail(generics.RetrieveAPIView):
    serializer_class = PathwaySerializer
    lookup_field = "slug"
    queryset = Pathway.objects.active().prefetch_related("steps")


class MilestoneUpdate(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="proposal_milestone_update", summary="Record a step's planned or actual date",
                   request=MilestoneInput,
                   responses={200: MilestoneSerializer, **error_responses(400, 401, 403, 404, 409)})
    def patch(self, request, pk, position):
        serializer = MilestoneInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = milestones.milestone_record(actor=request.user, proposal_id=pk, position=position,
                                                **serializer.validated_data)
        return Response(MilestoneSerializer(milestone, context={"request": request}).data)


class MilestoneDocumentCreate(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    parser_classes = [DocumentMultiPartParser]  # the size limit is checked before the body is read

    @extend_schema(operation_id="proposal_milestone_document_create", summary="File a PDF for a step",
                   parameters=[IDEMPOTENCY_KEY], request={"multipart/form-data": MilestoneDocumentInput},
                   responses={201: MilestoneDocumentSerializer, **error_responses(400, 401, 403, 404, 409, 413, 415),
                              **IDEMPOTENCY_RESPONSES})
    @idempotent
    def post(self, request, pk, position):
        serializer = MilestoneDocumentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = milestones.milestone_document_add(actor=request.user, proposal_id=pk, position=position,
                                                     upload=data["file"], title=data.get("title", ""))
        return Response(MilestoneDocumentSerializer(document, context={"request": request}).data, status=201)


class ProposalSupportApi(APIView):
    """Support a submitted proposal (once), or withdraw the support: the answer is the public count."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="proposal_support_create", request=None,
                   responses={201: SupportOutput, **error_responses(400, 401, 403, 409)})
    def post(self, request, pk):
        count = support.proposal_support(actor=request.user, proposal_id=pk)
        return Response({"support_count": count, "supported": True}, status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="proposal_support_delete", request=None,
                   responses={200: SupportOutput, **error_responses(400, 401, 403)})
    def delete(self, request, pk):
        count = support.proposal_support_withdraw(actor=request.user, proposal_id=pk)
        return Response({"support_count": count, "supported": False})
