"""Cooperatives (verified, public profile) and reuse proposals (public once submitted)."""

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics

from commons.models import Cooperative, Proposal, ProposalStatus, Sector, Site
from mapping.read.errors import RegistryErrors, error
from mapping.api.pagination import CappedLimitOffsetPagination
from mapping.api.schema import error_responses
from mapping.api.serializers import CooperativeSerializer, ProposalSerializer
from commons.search import ValuesField


def checked_params(request, allowed):
    """Refuse parameters a list does not know (the same rule as the site filters)."""
    errors = [error(name[:60], "unknown_parameter", _("Unknown parameter %(name)s.") % {"name": name[:60]})
              for name in request.query_params if name not in allowed]
    errors += [error(name[:60], "invalid_character", _("Parameters must not contain NUL characters."))
               for name, value in request.query_params.items() if "\x00" in value]
    if errors:
        raise RegistryErrors(errors)
    return request.query_params


def _choices(params, name, values):
    try:
        field = ValuesField(values=values)
        return field.clean(field.widget.value_from_datadict(params, None, name))
    except ValidationError as exc:  # reported under the parameter's name
        raise RegistryErrors([error(name, getattr(exc, "code", "invalid"), exc.messages[0])]) from None


def _positive_int(params, name):
    value = params.get(name)
    if value in (None, ""):
        return None
    if not value.isdigit() or len(value) > 18:
        raise RegistryErrors([error(name, "invalid_number", _("%(name)s must be a whole number.") % {"name": name})])
    return int(value)


PAGE = ["limit", "offset"]


def with_milestones(proposals):
    """What ProposalSerializer reads, in three queries whatever the page size."""
    return proposals.select_related("pathway").prefetch_related(
        "milestones__step", "milestones__documents", "covers").annotate(support_count=Count("supports", distinct=True))


@extend_schema_view(
    get=extend_schema(summary="Verified cooperatives", parameters=[
        OpenApiParameter("sector", OpenApiTypes.STR, description="Sectors, comma-separated."),
        OpenApiParameter("municipality", OpenApiTypes.STR, description="ISTAT municipality code.")],
        responses={200: CooperativeSerializer(many=True), **error_responses(400)}),
)
class CooperativeList(generics.ListAPIView):
    serializer_class = CooperativeSerializer
    pagination_class = CappedLimitOffsetPagination

    def get_queryset(self):
        params = checked_params(self.request, {"sector", "municipality", *PAGE})
        queryset = Cooperative.objects.verified().select_related("municipality").order_by("name", "id")
        sectors = _choices(params, "sector", Sector.values)
        if sectors:
            queryset = queryset.filter(sectors__overlap=sectors)
        if params.get("municipality"):
            queryset = queryset.filter(municipality_id=params["municipality"][:6])
        return queryset


@extend_schema_view(get=extend_schema(summary="One verified cooperative",
                                      responses={200: CooperativeSerializer, **error_responses(404)}))
class CooperativeDetail(generics.RetrieveAPIView):
    serializer_class = CooperativeSerializer
    lookup_field = "slug"
    queryset = Cooperative.objects.verified().select_related("municipality")


class ProposalList(generics.ListAPIView):
    """Read only: proposals are created by POST /api/v1/sites/{id}/proposals/ (the workflow API)."""

    serializer_class = ProposalSerializer
    pagination_class = CappedLimitOffsetPagination

    def get_queryset(self):
        params = checked_params(self.request, {"site", "cooperative", "status", *PAGE})
        queryset = (with_milestones(Proposal.objects.exclude(status=ProposalStatus.DRAFT))
                    .filter(site__in=Site.objects.visible()).select_related("site", "cooperative")
                    .order_by("-created_at", "-id"))
        statuses = _choices(params, "status", [s for s in ProposalStatus.values if s != ProposalStatus.DRAFT])
        if statuses:
            queryset = queryset.filter(status__in=statuses)
        if (site := _positive_int(params, "site")) is not None:
            queryset = queryset.filter(site_id=site)
        if params.get("cooperative"):
            queryset = queryset.filter(cooperative__slug=params["cooperative"][:200])
        return queryset

    @extend_schema(summary="Submitted, accepted and completed reuse proposals", parameters=[
        OpenApiParameter("site", OpenApiTypes.INT, description="Site id."),
        OpenApiParameter("cooperative", OpenApiTypes.STR, description="Cooperative slug."),
        OpenApiParameter("status", OpenApiTypes.STR, description="Statuses, comma-separated.")],
        responses={200: ProposalSerializer(many=True), **error_responses(400)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema_view(get=extend_schema(summary="One proposal",
                                      responses={200: ProposalSerializer, **error_responses(404)}))
class ProposalDetail(generics.RetrieveAPIView):
    serializer_class = ProposalSerializer
    queryset = (with_milestones(Proposal.objects.exclude(status=ProposalStatus.DRAFT))
                .filter(site__in=Site.objects.visible()).select_related("site", "cooperative"))
