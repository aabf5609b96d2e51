"""Mapbox vector tiles of sites, written by PostGIS (ST_AsMVT) from the indexed `location_3857` column.

Layers (extent 4096):
- z <= 8 (AGGREGATE_MAX_ZOOM): `site_clusters`, one point per grid cell (CELLS_PER_TILE² cells per tile,
  aligned worldwide so cells agree across tile edges) with `count` = the matching sites in the cell;
- z >= 9: `sites`, one point per site (feature id = site id) with the properties in POINT_PROPERTIES;
- z >= 14 (OUTLINE_MIN_ZOOM): also `site_outlines`, the drawn outlines (feature id = site id).
Every layer honours the shared site filters (mapping.filters); answers carry Cache-Control and an ETag.
"""

import hashlib

from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models.expressions import RawSQL
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mapping.api.errors import error, error_response
from mapping.filters import FilterParamsError, filter_sites

MAX_ZOOM = 22
AGGREGATE_MAX_ZOOM = 8
OUTLINE_MIN_ZOOM = 14
CELLS_PER_TILE = 32
EXTENT = 4096
BUFFER = 64
WORLD = 20037508.342789244  # half the width of the Web Mercator square, metres
CACHE_CONTROL = "public, max-age=300"
MVT = "application/vnd.mapbox-vector-tile"
POINT_PROPERTIES = ["kind", "status", "ownership", "title", "has_outline"]


def tile_bounds(z, x, y):
    size = 2 * WORLD / 2**z
    minx = -WORLD + x * size
    maxy = WORLD - y * size
    return minx, maxy - size, minx + size, maxy


def _tile_numbers(z, x, y):
    """(z, x, y) as integers, or the errors naming those that are not whole numbers."""
    errors = [error(name, "invalid_number", _("%(name)s must be a whole number.") % {"name": name})
              for name, value in (("z", z), ("x", x), ("y", y))
              if not (value.isascii() and value.lstrip("-").isdigit() and len(value) <= 12)]
    return (None, errors) if errors else ((int(z), int(x), int(y)), [])


def _tile_errors(z, x, y):
    if not 0 <= z <= MAX_ZOOM:
        return [error("z", "out_of_range", _("z must be between 0 and %(max)d.") % {"max": MAX_ZOOM})]
    errors = []
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value < 2**z:
            errors.append(error(name, "out_of_range", _("%(name)s must be between 0 and %(max)d at zoom %(z)d.")
                                % {"name": name, "max": 2**z - 1, "z": z}))
    return errors


def _sql(queryset):
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def _in_tile(queryset, z, x, y, margin):
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    pad = (maxx - minx) * margin
    box = Polygon.from_bbox((minx - pad, miny - pad, maxx + pad, maxy + pad))
    box.srid = 3857
    return queryset.filter(location_3857__bboverlaps=box)


def _mvt_geom(column, z, x, y):
    return RawSQL(f"ST_AsMVTGeom({column}, ST_TileEnvelope(%s, %s, %s), %s, %s, true)", (z, x, y, EXTENT, BUFFER))


def points_layer(sites, z, x, y):
    rows = (
        _in_tile(sites, z, x, y, BUFFER / EXTENT).order_by()
        .annotate(has_outline=RawSQL('"commons_site"."outline" IS NOT NULL', ()),
                  geom=_mvt_geom('"commons_site"."location_3857"', z, x, y))
        .values("id", *POINT_PROPERTIES, "geom")
    )
    sql, params = _sql(rows)
    return f"SELECT ST_AsMVT(t, 'sites', %s, 'geom', 'id') FROM ({sql}) t", [EXTENT, *params]


def clusters_layer(sites, z, x, y):
    cell = 2 * WORLD / 2**z / CELLS_PER_TILE
    rows = _in_tile(sites, z, x, y, 0).order_by().values("location_3857")
    sql, params = _sql(rows)
    return (
        "SELECT ST_AsMVT(t, 'site_clusters', %s, 'geom') FROM ("
        "SELECT count(*) AS count, ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(avg(ST_X(p)), avg(ST_Y(p))), 3857), "
        "ST_TileEnvelope(%s, %s, %s), %s, %s, true) AS geom "
        f"FROM (SELECT location_3857 AS p FROM ({sql}) matched) points "
        "GROUP BY floor((ST_X(p) + %s) / %s), floor((ST_Y(p) + %s) / %s)) t"
    ), [EXTENT, *[z, x, y], EXTENT, BUFFER, *params, WORLD, cell, WORLD, cell]


def outlines_layer(sites, z, x, y):
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    box = Polygon.from_bbox((minx, miny, maxx, maxy))
    box.srid = 3857
    box.transform(4326)
    rows = (
        sites.filter(outline__bboverlaps=box).order_by()
        .annotate(geom=_mvt_geom('ST_Transform("commons_site"."outline", 3857)', z, x, y))
        .values("id", "kind", "status", "geom")
    )
    sql, params = _sql(rows)
    return f"SELECT ST_AsMVT(t, 'site_outlines', %s, 'geom', 'id') FROM ({sql}) t", [EXTENT, *params]


def render_tile(sites, z, x, y):
    """The tile's bytes: layers concatenated (an MVT is a sequence of layers)."""
    layers = [clusters_layer(sites, z, x, y)] if z <= AGGREGATE_MAX_ZOOM else [points_layer(sites, z, x, y)]
    if z >= OUTLINE_MIN_ZOOM:
        layers.append(outlines_layer(sites, z, x, y))
    sql = " || ".join(f"({layer_sql})" for layer_sql, _params in layers)
    params = [param for _sql_text, layer_params in layers for param in layer_params]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        data = cursor.fetchone()[0]
    return bytes(data) if data else b""


@require_GET
def site_tile(request, z, x, y):
    numbers, errors = _tile_numbers(z, x, y)
    if numbers:
        z, x, y = numbers
        errors = _tile_errors(z, x, y)
    try:
        sites = filter_sites(request.GET)
    except FilterParamsError as exc:
        errors += exc.errors
    if errors:
        return error_response(errors, 400)
    data = render_tile(sites, z, x, y)
    etag = '"%s"' % hashlib.blake2b(data, digest_size=12).hexdigest()
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(data, content_type=MVT)
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = "Accept-Encoding"
    response["Access-Control-Allow-Origin"] = "*"
    return response
