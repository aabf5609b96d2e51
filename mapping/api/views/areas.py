"""Regions, provinces and municipalities with their counts of visible sites; counts by region × kind × status."""

import functools
import json
from collections import OrderedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.response import Response
from rest_framework.views import APIView

from commons.models import InnerAreaClass, Municipality, Province, Region, Site, SiteAggregate
from commons.search import IstatCodesField, ValuesField, site_search
from mapping.read.conditional import conditional, etag_of
from mapping.read.errors import RegistryErrors, error
from mapping.api.pagination import CappedLimitOffsetPagination
from mapping.api.schema import AreaDetailSerializer, AreaSerializer, StatsSerializer, error_responses
from mapping.api.schema import paginated, site_filter_parameters
from mapping.api.views.community import PAGE, checked_params

LEVELS = {
    "regions": (Region, "region_id", ()),
    "provinces": (Province, "province_id", ("region",)),
    "municipalities": (Municipality, "municipality_id", ("region", "province")),
}
AREA_PARAMETERS = {
    "regions": [],
    "provinces": [OpenApiParameter("region", OpenApiTypes.STR, description="ISTAT region codes.")],
    "municipalities": [
        OpenApiParameter("region", OpenApiTypes.STR, description="ISTAT region codes."),
        OpenApiParameter("province", OpenApiTypes.STR, description="ISTAT province codes."),
        OpenApiParameter("inner", OpenApiTypes.STR, description="SNAI classes A-F or aree_interne."),
        OpenApiParameter("q", OpenApiTypes.STR, description="Start of the name (at least 2 characters)."),
    ],
}
CODE_DIGITS = {"region": (2, Region), "province": (3, Province)}


def _area_row(area, level, counts):
    row = {"code": area.code, "name": area.name, "site_count": counts.get(area.code, 0)}
    if level == "provinces":
        row.update(region=area.region_id, acronym=area.acronym)
    if level == "municipalities":
        row.update(region=area.region_id, province=area.province_id, inner_area_class=area.inner_area_class)
    return row


def _site_counts(column, codes):
    """{code: visible sites}: regions and provinces from the precomputed counts, municipalities (an index on
    municipality leads) live."""
    if column in ("region_id", "province_id"):
        return SiteAggregate.objects.totals(column.removesuffix("_id"), codes)
    visible = Site.objects.visible().filter(**{f"{column}__in": codes})
    return dict(visible.order_by().values_list(column).annotate(n=Count("id")))


def _clean(params, name, field):
    try:
        return field.clean(field.widget.value_from_datadict(params, None, name))
    except ValidationError as exc:  # reported under the parameter's name
        raise RegistryErrors([error(name, getattr(exc, "code", "invalid"), exc.messages[0])]) from None


def _area_queryset(level, params):
    model, _column, parents = LEVELS[level]
    queryset = model.objects.order_by("code")
    for parent in parents:
        digits, parent_model = CODE_DIGITS[parent]
        codes = _clean(params, parent, IstatCodesField(digits=digits, model=parent_model))
        if codes:
            queryset = queryset.filter(**{f"{parent}_id__in": codes})
    if level == "municipalities":
        classes = _clean(params, "inner", ValuesField(values=InnerAreaClass.values,
                                                     aliases={"aree_interne": InnerAreaClass.inner()}))
        if classes:
            queryset = queryset.filter(inner_area_class__in=classes)
        name = params.get("q", "").strip()
        if name:
            if len(name) < 2 or len(name) > 120:
                raise RegistryErrors([error("q", "invalid_length", _("Type between 2 and 120 characters."))])
            queryset = queryset.filter(name__istartswith=name)
    return queryset


class AreaList(APIView):
    level = None

    def get(self, request):
        model, column, parents = LEVELS[self.level]
        allowed = set(parents) | set(PAGE) | ({"inner", "q"} if self.level == "municipalities" else set())
        params = checked_params(request, allowed)
        paginator = CappedLimitOffsetPagination()
        areas = list(paginator.paginate_queryset(_area_queryset(self.level, params), request, view=self))
        counts = _site_counts(column, [area.code for area in areas])
        return paginator.get_paginated_response([_area_row(area, self.level, counts) for area in areas])


class AreaDetail(APIView):
    level = None

    def get(self, request, code):
        model, column, _parents = LEVELS[self.level]
        checked_params(request, set())
        precision = settings.REGISTRY_COORD_PRECISION
        area = get_object_or_404(model.objects.annotate(geojson=AsGeoJSON("geom", precision=precision)), code=code)
        row = _area_row(area, self.level, _site_counts(column, [area.code]))
        row["geometry"] = json.loads(area.geojson)
        return Response(row)


def _area_views(level):
    list_view = extend_schema_view(get=extend_schema(
        operation_id=f"areas_{level}_list", summary=f"{level.capitalize()} with counts of visible sites",
        parameters=[*AREA_PARAMETERS[level], OpenApiParameter("limit", OpenApiTypes.INT),
                    OpenApiParameter("offset", OpenApiTypes.INT)],
        responses={200: paginated(f"Paginated{level.capitalize()}List", AreaSerializer), **error_responses(400)},
    ))(type(f"{level.capitalize()}List", (AreaList,), {"level": level}))
    detail_view = extend_schema_view(get=extend_schema(
        operation_id=f"areas_{level}_retrieve", summary=f"One of the {level} with its boundary",
        responses={200: AreaDetailSerializer, **error_responses(400, 404)},
    ))(type(f"{level.capitalize()}Detail", (AreaDetail,), {"level": level}))
    return list_view, detail_view


AREA_VIEWS = {level: _area_views(level) for level in LEVELS}


class Stats(APIView):
    @extend_schema(operation_id="stats_retrieve", summary="Counts of sites by region × kind × status",
                   parameters=site_filter_parameters(), responses={200: StatsSerializer, **error_responses(400)})
    def get(self, request):
        search = site_search(request.query_params)
        if search.selection is None:  # a filter the precomputed counts cannot answer: counted live, never kept
            return HttpResponse(_stats_body(search.counts()), content_type="application/json")
        state = SiteAggregate.objects.counts_state(banded=search.selection.freshness is not None)
        cached = _STATS_CACHE.get(search.key)
        if cached is None or cached[0] != state:
            body = _stats_body(search.counts())
            cached = _STATS_CACHE[search.key] = (state, body, etag_of(body, "stats-"))
            while len(_STATS_CACHE) > CACHED_STATS:
                _STATS_CACHE.popitem(last=False)
        _STATS_CACHE.move_to_end(search.key)
        _state, body, etag = cached
        return conditional(request, etag, lambda: HttpResponse(body, content_type="application/json"))


# Per worker: search -> (state of the counts, answer, ETag). The answer for ~1,000 rows costs ~8 ms to
# build (SQL ~2 ms, the rest Python's sums and json); checking that the counts have not changed costs one
# ~0.3 ms query (SiteAggregate.objects.counts_state), so a kept answer is never stale.
_STATS_CACHE = OrderedDict()
CACHED_STATS = 64


def _stats_body(rows):
    names = _region_names()
    by_region, by_kind, by_status = _sums(rows)
    result = {"total": sum(by_region.values()), "by_region": by_region, "by_kind": by_kind, "by_status": by_status,
              "rows": [{"region": region, "region_name": names.get(region, ""), "kind": kind, "status": status,
                        "count": count} for region, kind, status, count in rows],
              "licence": settings.REGISTRY_DATA_LICENCE, "attribution": settings.REGISTRY_ATTRIBUTION}
    return json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode()


@functools.lru_cache(maxsize=1)
def _region_names():
    """ISTAT's 20 regions: loaded once per worker (a query per request cost ~0.4 ms of a ~5 ms answer)."""
    return dict(Region.objects.values_list("code", "name"))


def _sums(rows):
    """Totals by region, by kind and by status, in the order the rows first name them."""
    by_region, by_kind, by_status = {}, {}, {}
    for region, kind, status, count in rows:
        by_region[region] = by_region.get(region, 0) + count
        by_kind[kind] = by_kind.get(kind, 0) + count
        by_status[status] = by_status.get(status, 0) + count
    return by_region, by_kind, by_status
