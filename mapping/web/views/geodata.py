"""Small geographic payloads for the web pages: simplified boundaries and area look-ups."""

from django.core.cache import cache
from django.db import connections, router
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from commons.models import Municipality, Province, Region
from mapping.read.conditional import conditional, etag_of
from mapping.read.errors import error, error_response

# level -> (table, simplification tolerance in degrees, extra property column). About 1 km for regions and
# 500 m for provinces: enough to recognise a border at the zooms where it is drawn, a few hundred KB in all.
BOUNDARY_LEVELS = {
    "regioni": ("commons_region", 0.01, "NULL"),
    "province": ("commons_province", 0.004, "region_id"),
}
BOUNDARY_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
    'type', 'Feature', 'id', code,
    'properties', json_build_object('code', code, 'name', name, 'region', {extra}),
    'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, %s), 4)::json
) ORDER BY code), '[]'::json))::text
FROM {table}
"""
SEARCH_LIMIT = 10


def _boundary_payload(level):
    key = f"boundaries:{level}"
    payload = cache.get(key)
    if payload is None:
        table, tolerance, extra = BOUNDARY_LEVELS[level]
        with connections[router.db_for_read(Region)].cursor() as cursor:
            cursor.execute(BOUNDARY_SQL.format(table=table, extra=extra), [tolerance])
            payload = cursor.fetchone()[0]
        cache.set(key, payload, 60 * 60)
    return payload


@require_GET
@gzip_page
@cache_control(public=True, max_age=3600)
def boundaries(request, level):
    """Region or province boundaries, simplified in PostGIS and cached (they change once a year)."""
    if level not in BOUNDARY_LEVELS:
        raise Http404(_("Unknown boundary level."))
    payload = _boundary_payload(level)
    return conditional(request, etag_of(payload), lambda: HttpResponse(payload, content_type="application/geo+json"))


def _bad_request(field, code, message):
    return error_response([error(field, code, message)], 400)


def _bbox(geom):
    xmin, ymin, xmax, ymax = geom.extent
    return [round(xmin, 5), round(ymin, 5), round(xmax, 5), round(ymax, 5)]


AREA_MODELS = {2: Region, 3: Province, 6: Municipality}


def _area_bbox(code):
    model = AREA_MODELS.get(len(code)) if code.isdigit() else None
    area = model.objects.filter(code=code).only("code", "name", "geom").first() if model else None
    if area is None:
        return _bad_request("area", "unknown_code", _("Unknown ISTAT code."))
    return JsonResponse({"code": area.code, "name": area.name, "bbox": _bbox(area.geom)})


@require_GET
def areas(request):
    """Options for the filter panel and the report flow.

    ?area=CODE -> the bounding box of a region (2 digits), province (3) or municipality (6);
    ?region=CODE -> its provinces; ?province=CODE -> its municipalities; ?q=TEXT -> municipalities by name.
    """
    if "area" in request.GET:
        return _area_bbox(request.GET["area"])
    if "region" in request.GET:
        provinces = Province.objects.filter(region_id=request.GET["region"]).order_by("name")
        return JsonResponse({"results": [{"code": p.code, "name": p.name} for p in provinces]})
    if "province" in request.GET:
        found = Municipality.objects.filter(province_id=request.GET["province"]).order_by("name")
        return JsonResponse({"results": [{"code": m.code, "name": m.name} for m in found.only("code", "name")]})
    query = request.GET.get("q", "").strip()
    if not query:
        return _bad_request("q", "required", _("Type part of a municipality's name."))
    if len(query) > 80:
        return _bad_request("q", "too_long", _("The search text is too long."))
    found = (
        Municipality.objects.filter(Q(name__istartswith=query) | Q(name__icontains=f" {query}"))
        .select_related("province")
        .order_by("name")[:SEARCH_LIMIT]
    )
    return JsonResponse({"results": [
        {"code": m.code, "name": m.name, "province": m.province.acronym, "bbox": _bbox(m.geom)} for m in found
    ]})
