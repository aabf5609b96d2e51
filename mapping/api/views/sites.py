"""Sites: the GeoJSON list (built by PostgreSQL), the detail with its ETag, report and edit with If-Match."""

import json
import re

from django.conf import settings
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Count
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from commons.errors import StaleVersionError
from commons.models import ProposalStatus, Site, SiteSource, SiteStatus, SourceDataset
from commons.policy import require
from commons.services.sites import site_report, site_update
from mapping.api.errors import PreconditionRequired, RegistryErrors
from mapping.api.pagination import PAGE_PARAMETERS as PAGE_NAMES
from mapping.api.pagination import Page
from mapping.api.parsers import SafeJSONParser
from mapping.api.schema import (
    PAGE_PARAMETERS, SiteDetailSerializer, SiteFeatureCollectionSerializer, error_responses,
    site_filter_parameters,
)
from mapping.api.serializers import PhotoSerializer, SiteInputSerializer
from mapping.api.views.base import (
    AUTHENTICATION, GEOJSON, FirstRendererNegotiation, GeoJSONRenderer, can_edit_site, geojson_response,
)
from mapping.filters import FilterParamsError, filter_sites, has_index_led_filter
from mapping.geojson import feature_collection_head, feature_page

IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True,
                            description="The ETag of the version being edited (from GET).")


def site_etag(site):
    return f'"site-{site.pk}-v{site.version}"'


def expected_version(request, site):
    """The version named by If-Match: 428 without one (lost updates are never allowed), 412 if stale."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    tags = [tag.strip() for tag in header.split(",")]
    versions = [int(m.group(1)) for tag in tags if (m := re.fullmatch(rf'"site-{site.pk}-v(\d{{1,9}})"', tag))]
    if site.version not in versions:
        raise StaleVersionError(site.version)
    return site.version


class SiteList(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [SafeJSONParser]
    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="sites_list",
        summary="Sites as an RFC 7946 FeatureCollection",
        parameters=[*site_filter_parameters(), *PAGE_PARAMETERS],
        responses={(200, GEOJSON): SiteFeatureCollectionSerializer, **error_responses(400)},
    )
    def get(self, request):
        page, errors = None, []
        try:
            page = Page.from_request(request)
        except RegistryErrors as exc:
            errors += exc.errors
        try:
            sites = filter_sites(request.query_params, extra=PAGE_NAMES)
        except FilterParamsError as exc:
            errors += exc.errors
        if errors:
            raise RegistryErrors(errors)
        features, returned, has_next = feature_page(
            sites, limit=page.limit, offset=page.offset,
            url_prefix=request.build_absolute_uri(reverse("api:site-list")),
            matches_first=has_index_led_filter(request.query_params),
        )
        head = feature_collection_head(
            licence=settings.REGISTRY_DATA_LICENCE, attribution=settings.REGISTRY_ATTRIBUTION,
            numberReturned=returned, links=page.links(request, has_next),
        )
        return geojson_response(head + features + "]}")

    @extend_schema(
        operation_id="sites_create",
        summary="Report a site (authenticated)",
        request=SiteInputSerializer,
        responses={(201, GEOJSON): SiteDetailSerializer, **error_responses(400, 401, 413, 415)},
    )
    def post(self, request):
        require(request.user, "site.report")
        serializer = SiteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        site = site_report(reporter=request.user, **serializer.validated_data)
        site = _detail_queryset().get(pk=site.pk)
        location = request.build_absolute_uri(reverse("api:site-detail", args=[site.pk]))
        return geojson_response(site_feature(site, request), status=201,
                                headers={"ETag": site_etag(site), "Location": location})


class SiteDetail(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [SafeJSONParser]
    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(operation_id="sites_retrieve", summary="One site as a GeoJSON Feature (with ETag)",
                   responses={(200, GEOJSON): SiteDetailSerializer, 301: None, **error_responses(404)})
    def get(self, request, pk):
        survivor = (Site.objects.filter(pk=pk, status=SiteStatus.DUPLICATE, hidden=False)
                    .values_list("duplicate_of_id", flat=True).first())
        if survivor:  # a merged duplicate lives on as its survivor
            return HttpResponsePermanentRedirect(reverse("api:site-detail", args=[survivor]))
        site = get_object_or_404(_detail_queryset(), pk=pk)
        return geojson_response(site_feature(site, request), headers={"ETag": site_etag(site)})

    @extend_schema(operation_id="sites_partial_update", summary="Edit some fields (If-Match required)",
                   parameters=[IF_MATCH], request=SiteInputSerializer,
                   responses={(200, GEOJSON): SiteDetailSerializer,
                              **error_responses(400, 401, 403, 404, 412, 413, 415, 428)})
    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    @extend_schema(operation_id="sites_update", summary="Replace the editable fields (If-Match required)",
                   parameters=[IF_MATCH], request=SiteInputSerializer,
                   responses={(200, GEOJSON): SiteDetailSerializer,
                              **error_responses(400, 401, 403, 404, 412, 413, 415, 428)})
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    def _update(self, request, pk, *, partial):
        site = get_object_or_404(Site.objects.visible(), pk=pk)
        if not can_edit_site(request.user, site):
            raise PermissionDenied(_("Only the person who reported this site, or staff, can edit it."))
        version = expected_version(request, site)
        serializer = SiteInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data if partial else {**SiteInputSerializer.DEFAULTS,
                                                             **serializer.validated_data}
        site_update(site_id=site.pk, expected_version=version, changes=dict(changes))
        site = _detail_queryset().get(pk=site.pk)
        return geojson_response(site_feature(site, request), headers={"ETag": site_etag(site)})


def _detail_queryset():
    return (
        Site.objects.visible()
        .select_related("region", "province", "municipality")
        .defer("region__geom", "province__geom", "municipality__geom")  # boundaries weigh up to megabytes
        .annotate(location_json=AsGeoJSON("location", precision=settings.REGISTRY_COORD_PRECISION),
                  outline_json=AsGeoJSON("outline", precision=settings.REGISTRY_COORD_PRECISION))
    )


def site_feature(site, request):
    """The public detail of one site as a Feature (one object: plain Python is fine here)."""
    properties = {
        "id": site.pk, "title": site.title, "kind": site.kind, "status": site.status, "ownership": site.ownership,
        "condition": site.condition, "location_precision": site.location_precision,
        "land_area_m2": site.land_area_m2, "floor_area_m2": site.floor_area_m2, "has_outline": bool(site.outline),
        "region": site.region_id, "province": site.province_id, "municipality": site.municipality_id,
        "municipality_name": site.municipality.name, "inner_area_class": site.municipality.inner_area_class,
        "updated_at": site.updated_at.isoformat(), "url": request.build_absolute_uri(
            reverse("api:site-detail", args=[site.pk])),
        "description": site.description, "address": site.address, "cadastral_refs": site.cadastral_refs,
        "dormant_since": site.dormant_since, "version": site.version, "created_at": site.created_at.isoformat(),
        "outline": json.loads(site.outline_json) if site.outline_json else None,
        "areas": _areas(site),
        "photos": PhotoSerializer(site.photos.filter(hidden=False), many=True, context={"request": request}).data,
        "provenance": _provenance(site), "proposals": _proposals(site),
        "history": _history(site),
        "parent": site.parent_id,
    }
    return {"type": "Feature", "id": site.pk, "geometry": json.loads(site.location_json), "properties": properties}


def _history(site):
    """Counts and the latest change from the audit trail; who acted and why stays with the moderators."""
    events = site.events.order_by("-pgh_created_at", "-pgh_id")
    latest = events.values("pgh_label", "pgh_created_at").first()
    return {
        "version": site.version, "created_at": site.created_at.isoformat(), "updated_at": site.updated_at.isoformat(),
        "changes": events.count(),
        "last_change": {"label": latest["pgh_label"], "at": latest["pgh_created_at"].isoformat()} if latest else None,
    }


def _areas(site):
    return {
        "region": {"code": site.region_id, "name": site.region.name},
        "province": {"code": site.province_id, "name": site.province.name},
        "municipality": {"code": site.municipality_id, "name": site.municipality.name,
                         "inner_area_class": site.municipality.inner_area_class},
    }


def _provenance(site):
    dataset = SourceDataset.objects.filter(slug=site.source).first()
    return {
        "source": site.source, "source_id": site.source_id, "reported_by_citizen": site.source == SiteSource.CITIZEN,
        "dataset": {"name": dataset.name, "licence": dataset.licence, "attribution": dataset.attribution,
                    "url": dataset.url} if dataset else None,
    }


def _proposals(site):
    public = site.proposals.exclude(status=ProposalStatus.DRAFT)
    by_status = dict(public.order_by().values_list("status").annotate(n=Count("id")))
    accepted = (public.filter(status__in=[ProposalStatus.ACCEPTED, ProposalStatus.COMPLETED])
                .select_related("cooperative").first())
    return {
        "total": sum(by_status.values()), "by_status": by_status,
        "accepted": {"id": accepted.pk, "title": accepted.title, "cooperative": accepted.cooperative.slug,
                     "cooperative_name": accepted.cooperative.name} if accepted else None,
    }

