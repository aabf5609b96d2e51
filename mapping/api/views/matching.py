"""Matching over the API: a cooperative's territory and interests (its admins), the sites that fit (its members)."""

import json

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from commons.matching import ranked
from commons.models import Cooperative, ReuseCategory, SiteKind
from commons.policy import is_moderator
from commons.services.matching import cooperative_interests_set, cooperative_invite
from mapping.api.schema import error_responses
from mapping.api.serializers import StrictSerializer

MatchOutput = inline_serializer("CooperativeMatch", {
    "site": serializers.IntegerField(), "title": serializers.CharField(), "municipality": serializers.CharField(),
    "kind": serializers.CharField(), "score": serializers.IntegerField(),
    "reasons": serializers.ListField(child=serializers.CharField())}, many=True)


class InterestsInput(StrictSerializer):
    regions = serializers.ListField(child=serializers.RegexField(r"^\d{2}$"), max_length=20, required=False, default=list)
    provinces = serializers.ListField(child=serializers.RegexField(r"^\d{3}$"), max_length=107, required=False,
                                      default=list)
    area = serializers.JSONField(required=False, allow_null=True, default=None, help_text="GeoJSON Polygon or MultiPolygon in EPSG:4326 (each polygon touching Italy, "
                                "at most REGISTRY_MAX_TERRITORY_KM2 in all), or null to clear it")
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=SiteKind.choices), required=False,
                                  default=list)
    categories = serializers.ListField(child=serializers.ChoiceField(choices=ReuseCategory.choices), required=False,
                                       default=list)


def _cooperative_of_member(request, slug):
    cooperative = get_object_or_404(Cooperative, slug=slug)
    if not (cooperative.memberships.filter(user=request.user).exists() or is_moderator(request.user)):
        raise PermissionDenied(_("Only the cooperative's members see the sites chosen for it."))
    return cooperative


class CooperativeMatches(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="cooperative_matches", summary="Verified open sites fitting the cooperative, ranked",
                   responses={200: MatchOutput, **error_responses(401, 403, 404)})
    def get(self, request, slug):
        cooperative = _cooperative_of_member(request, slug)
        return Response([{"site": m.site.pk, "title": m.site.title, "municipality": m.site.municipality.name,
                          "kind": m.site.kind, "score": m.score, "reasons": m.reasons}
                         for m in ranked(cooperative)])


class CooperativeInterests(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="cooperative_interests_update", request=InterestsInput,
                   responses={200: InterestsInput, **error_responses(400, 401, 403, 404)})
    def put(self, request, slug):
        cooperative = get_object_or_404(Cooperative, slug=slug)
        serializer = InterestsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        cooperative = cooperative_interests_set(actor=request.user, cooperative_id=cooperative.pk,
                                                **serializer.validated_data)
        return Response({"regions": cooperative.territory_regions, "provinces": cooperative.territory_provinces,
                         "area": json.loads(cooperative.territory_area.geojson) if cooperative.territory_area
                         else None,
                         "kinds": cooperative.interest_kinds, "categories": cooperative.interest_categories})


class InvitationInput(StrictSerializer):
    cooperative = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    message = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class SiteInvitationCreate(APIView):
    """Municipality staff invite a verified cooperative to propose for a site of their territory."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="site_invitation_create", request=InvitationInput,
                   responses={201: inline_serializer("InvitationCreated", {"id": serializers.IntegerField()}),
                              **error_responses(400, 401, 403, 409)})
    def post(self, request, pk):
        serializer = InvitationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = cooperative_invite(actor=request.user, site_id=pk, cooperative_id=serializer.validated_data[
            "cooperative"], message=serializer.validated_data["message"])
        return Response({"id": invitation.pk}, status=201)
