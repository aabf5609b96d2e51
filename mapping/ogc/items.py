"""Items of a collection: the pages (Part 1, CRS of Part 2, filters of Part 3) and one item with its ETag; on
`sites`, the writes of Part 4 through the services /api/v1/ calls (commons.services), under the same policy.

A page is written by PostgreSQL (mapping/read/geojson.py for sites, mapping/read/features.py for areas): no
object-by-object Python. DELETE archives (nothing is ever deleted): the item stays, with status `archived`.
"""

import json

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import MethodNotAllowed, PermissionDenied
from rest_framework.utils.urls import replace_query_param

from commons.models import Site
from commons.policy import can, require
from commons.services.lifecycle import site_archive
from commons.services.sites import site_report, site_update
from mapping.ogc.collections import COLLECTIONS
from mapping.ogc.documents import GEOJSON, HTML, link
from mapping.ogc.params import items_query
from mapping.ogc.views import OgcView, base_url, collection_or_404, crs_headers, item_crs, page, wants_html
from mapping.read.conditional import etag_of, expected_version, none_match, site_etag
from mapping.read.crs import CRS84, geojson_sql
from mapping.read.features import area_feature, area_page
from mapping.read.geojson import feature_collection_head, feature_page
from mapping.read.idempotency import idempotent
from mapping.read.pages import neighbour_pages
from mapping.read.site_input import SiteInputSerializer

READ_METHODS = ["GET", "HEAD", "OPTIONS"]


def items_url(request, collection):
    return f"{base_url(request)}/collections/{collection.id}/items"


def number_matched(query, collection):
    """How many items match: the precomputed counts when they answer the search, else a count."""
    if collection.id == "sites" and not query.narrowed:
        return query.search.count()
    return query.queryset.count()


def page_links(request, query, returned, has_next):
    url = request.build_absolute_uri()
    links = [link(url, "self", GEOJSON), link(replace_query_param(url, "f", "html"), "alternate", HTML)]
    return links + [link(href, rel, GEOJSON)
                    for rel, href in neighbour_pages(url, offset=query.offset, limit=query.limit, has_next=has_next)]


def read_page(request, collection, query, *, geometry):
    if collection.sites:
        return feature_page(
            query.queryset, limit=query.limit, offset=query.offset, url_prefix=site_page_prefix(request),
            matches_first=query.spatial or query.search.index_led,
            bbox=query.search.only_bbox if collection.id == "sites" else None,
            properties=collection.list_properties, geometry=geometry)
    return area_page(query.queryset, properties=collection.properties, geometry=geometry, limit=query.limit,
                     offset=query.offset)


def site_page_prefix(request):
    return request.build_absolute_uri("/beni/")


def allowed_methods(user, collection, site=None):
    methods = list(READ_METHODS)
    if not collection.editable:
        return methods
    if site is None:
        return methods + (["POST"] if can(user, "site.report") else [])
    if can(user, "site.edit", site=site):
        methods += ["PUT", "PATCH"]
    if can(user, "site.archive", site=site):
        methods.append("DELETE")
    return methods


class Items(OgcView):
    def get(self, request, collection_id):
        collection = collection_or_404(collection_id)
        query = items_query(request, collection)
        features, returned, has_next = read_page(request, collection, query,
                                                 geometry=geojson_sql(collection.geometry_column, query.crs))
        head = feature_collection_head(
            numberMatched=number_matched(query, collection), numberReturned=returned, timeStamp=_now(),
            links=page_links(request, query, returned, has_next),
            licence=settings.REGISTRY_DATA_LICENCE, attribution=settings.REGISTRY_ATTRIBUTION)
        body = head + features + "]}"
        if wants_html(request):
            return items_page(request, collection, json.loads(body))
        response = HttpResponse(body, content_type=GEOJSON)
        for name, value in crs_headers(query.crs).items():
            response[name] = value
        return response

    @idempotent
    def post(self, request, collection_id):
        collection = collection_or_404(collection_id)
        if not collection.editable:
            raise MethodNotAllowed("POST")
        require(request.user, "site.report")  # before validation: a refused client learns nothing more
        serializer = SiteInputSerializer(data=sent_members(request.data, {}))
        serializer.is_valid(raise_exception=True)
        site = site_report(actor=request.user, **serializer.validated_data)
        location = f"{items_url(request, collection)}/{site.pk}"
        return item_response(request, collection, site.pk, status=201, headers={"Location": location})

    def options(self, request, collection_id):
        collection = collection_or_404(collection_id)
        return options_response(self, allowed_methods(request.user, collection))


class Item(OgcView):
    def get(self, request, collection_id, pk):
        collection = collection_or_404(collection_id)
        return item_response(request, collection, pk, crs=item_crs(request))

    def put(self, request, collection_id, pk):
        return self._update(request, collection_id, pk, partial=False)

    def patch(self, request, collection_id, pk):
        return self._update(request, collection_id, pk, partial=True)

    def delete(self, request, collection_id, pk):
        site = self._editable_site(collection_id, pk)
        expected_version(request, site)
        reason = (request.query_params.get("reason") or "").strip()[:500] or _(
            "Archived from a GIS client (OGC API DELETE).")
        site_archive(site_id=site.pk, actor=request.user, reason=reason)
        return HttpResponse(status=204)

    def options(self, request, collection_id, pk):
        collection = collection_or_404(collection_id)
        site = Site.objects.visible().filter(pk=pk).first() if collection.editable else None
        if collection.editable and site is None:
            raise Http404
        return options_response(self, allowed_methods(request.user, collection, site))

    def _editable_site(self, collection_id, pk):
        collection = collection_or_404(collection_id)
        if not collection.editable:
            raise MethodNotAllowed(self.request.method)
        return get_object_or_404(Site.objects.visible(), pk=pk)

    def _update(self, request, collection_id, pk, *, partial):
        site = self._editable_site(collection_id, pk)
        if not can(request.user, "site.edit", site=site):
            raise PermissionDenied(_("Only the person who reported this site, or staff, can edit it."))
        version = expected_version(request, site)
        served = json.loads(item_text(COLLECTIONS[collection_id], site.pk, geometry=geojson_sql("s.location", CRS84),
                                      url_prefix=site_page_prefix(request)))["properties"]
        serializer = SiteInputSerializer(data=sent_members(request.data, served), partial=partial)
        serializer.is_valid(raise_exception=True)
        # PUT replaces what the collection serves (its properties and its point), not the members it never
        # shows: a GIS client's PUT must not blank the description or drop the outline it never saw.
        replaced = {name: value for name, value in SiteInputSerializer.DEFAULTS.items() if name in served}
        changes = serializer.validated_data if partial else {**replaced, **serializer.validated_data}
        site_update(actor=request.user, site_id=site.pk, expected_version=version, changes=dict(changes))
        return item_response(request, COLLECTIONS[collection_id], site.pk)


HTML_COLUMNS = 6


def items_page(request, collection, document):
    features = document["features"]
    columns = list(features[0]["properties"])[:HTML_COLUMNS] if features else []
    rows = [(f["id"], [f["properties"].get(name) for name in columns]) for f in features]
    return page(request, "items", collection.title, document, collection=collection, columns=columns, rows=rows)


INPUT_MEMBERS = set(SiteInputSerializer().fields)


def sent_members(data, served):
    """What a GIS client means to change. QGIS and GDAL send a feature back whole: the members the registry
    writes (status, region, updated_at, ...) come back as they were served, or empty for a new feature. Those are
    dropped; a registry-owned member with another value stays, and the serializer refuses it (read_only_field)."""
    if not isinstance(data, dict):
        return data
    kept = {}
    for name, value in data.items():
        if name not in INPUT_MEMBERS and (value is None or (name in served and served[name] == value)):
            continue
        kept[name] = value
    return kept


def options_response(view, methods):
    """204 with Allow naming what this user may do (DRF writes the view's headers last: set it there too)."""
    view.headers["Allow"] = ", ".join(methods)
    response = HttpResponse(status=204)
    response["Allow"] = view.headers["Allow"]
    return response


def item_response(request, collection, pk, *, crs=CRS84, status=200, headers=None):
    """One item as a GeoJSON Feature: a site with the ETag of its version (If-Match of Part 4), an area with
    the ETag of its text."""
    geometry = geojson_sql(collection.geometry_column, crs)
    if collection.sites:
        version = collection.base_queryset().filter(pk=pk).values_list("version", flat=True).first()
        if version is None:
            raise Http404
        features = item_text(collection, pk, geometry=geometry, url_prefix=site_page_prefix(request))
        etag = site_etag(pk, version)
    else:
        features = area_feature(collection.base_queryset(), str(pk), properties=collection.properties,
                                geometry=geometry)
        if features is None:
            raise Http404
        etag = etag_of(features, "ogc-")
    feature = json.loads(features)
    feature["links"] = [link(f"{items_url(request, collection)}/{pk}", "self", GEOJSON),
                        link(f"{base_url(request)}/collections/{collection.id}", "collection", "application/json")]
    if wants_html(request) and status == 200:
        return page(request, "item", feature["properties"].get("title") or feature["properties"].get("name"),
                    feature, collection=collection)
    if status == 200 and none_match(request, etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(json.dumps(feature, ensure_ascii=False, separators=(",", ":")), status=status,
                                content_type=GEOJSON)
    response["ETag"] = etag
    for name, value in {**crs_headers(crs), **(headers or {})}.items():
        response[name] = value
    return response


def item_text(collection, pk, *, geometry, url_prefix):
    """The Feature text of one site as the collection's pages write it."""
    features, _returned, _more = feature_page(collection.base_queryset().filter(pk=pk), limit=1, offset=0,
                                              url_prefix=url_prefix, properties=collection.list_properties,
                                              geometry=geometry)
    return features


def _now():
    return timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
