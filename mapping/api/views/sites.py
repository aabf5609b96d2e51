"""Sites: the GeoJSON list (built by PostgreSQL), the detail with its ETag, report and edit with If-Match."""

import json

from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from commons.models import Photo, Site, SiteStatus
from commons.policy import require
from commons.services.sites import site_report, site_update
from mapping.read.conditional import expected_version, site_etag
from mapping.read.errors import RegistryErrors
from mapping.api.schema import IDEMPOTENCY_KEY, IDEMPOTENCY_RESPONSES
from mapping.read.idempotency import idempotent
from mapping.api.pagination import PAGE_PARAMETERS as PAGE_NAMES
from mapping.api.pagination import Page
from mapping.read.parsers import FeatureJSONParser, GeoJSONFeatureParser
from mapping.api.schema import (
    PAGE_PARAMETERS, SiteDetailSerializer, SiteFeatureCollectionSerializer, error_responses,
    site_filter_parameters,
)
from mapping.api.serializers import PhotoSerializer, SiteInputSerializer
from mapping.api.views.base import (
    AUTHENTICATION, GEOJSON, FirstRendererNegotiation, GeoJSONRenderer, can_edit_site, geojson_response,
)
from commons.search import FilterParamsError, site_search
from mapping.read.geojson import feature_collection_head, feature_page, site_detail

IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True,
                            description="The ETag of the version being edited (from GET).")


class _SiteView(APIView):
    """GeoJSON reads for anyone, JSON writes for the signed-in (the policy decides the rest). A write's body is
    the site's members or a GeoJSON Feature of them (what GIS tools send)."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [FeatureJSONParser, GeoJSONFeatureParser]
    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    content_negotiation_class = FirstRendererNegotiation


class SiteList(_SiteView):

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
            search = site_search(request.query_params, extra=PAGE_NAMES)
        except FilterParamsError as exc:
            errors += exc.errors
        if errors:
            raise RegistryErrors(errors)
        features, returned, has_next = feature_page(
            search.sites(), limit=page.limit, offset=page.offset,
            url_prefix=request.build_absolute_uri(reverse("api:site-list")),
            matches_first=search.index_led, bbox=search.only_bbox,
        )
        head = feature_collection_head(
            licence=settings.REGISTRY_DATA_LICENCE, attribution=settings.REGISTRY_ATTRIBUTION,
            numberReturned=returned, links=page.links(request, has_next),
        )
        return geojson_response(head + features + "]}")

    @extend_schema(
        operation_id="sites_create",
        summary="Report a site (authenticated)",
        parameters=[IDEMPOTENCY_KEY],
        request=SiteInputSerializer,
        responses={(201, GEOJSON): SiteDetailSerializer, **error_responses(400, 401, 413, 415),
                   **IDEMPOTENCY_RESPONSES},
    )
    @idempotent
    def post(self, request):
        require(request.user, "site.report")  # before validation: a refused client learns nothing more
        serializer = SiteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        site = site_report(actor=request.user, **serializer.validated_data)
        location = request.build_absolute_uri(reverse("api:site-detail", args=[site.pk]))
        return detail_response(request, site.pk, status=201, headers={"Location": location})


class SiteDetail(_SiteView):

    @extend_schema(operation_id="sites_retrieve", summary="One site as a GeoJSON Feature (with ETag)",
                   responses={(200, GEOJSON): SiteDetailSerializer, 301: None, **error_responses(404)})
    def get(self, request, pk):
        return detail_response(request, pk)

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
        site_update(actor=request.user, site_id=site.pk, expected_version=version, changes=dict(changes))
        return detail_response(request, site.pk)


def detail_response(request, pk, *, status=200, headers=None):
    """The public detail of one site as a GeoJSON Feature with its ETag, written by PostgreSQL
    (mapping.read.geojson.site_detail); a merged duplicate redirects (301) to the site it was merged into."""
    row = site_detail(pk, url_prefix=request.build_absolute_uri(reverse("api:site-list")))
    if row is None:
        raise Http404
    site_status, survivor, version, photo_count, body = row
    if site_status == SiteStatus.DUPLICATE:
        if survivor is None:
            raise Http404
        return HttpResponsePermanentRedirect(reverse("api:site-detail", args=[survivor]))
    if photo_count:
        feature = json.loads(body)
        photos = Photo.objects.filter(site_id=pk, hidden=False)
        feature["properties"]["photos"] = PhotoSerializer(photos, many=True, context={"request": request}).data
        body = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
    return geojson_response(body, status=status, headers={"ETag": site_etag(pk, version), **(headers or {})})
