"""Mapbox vector tiles of sites, written by PostGIS (ST_AsMVT) from the indexed `location_3857` column.

Layers (extent 4096):
- z <= 8 (AGGREGATE_MAX_ZOOM): `site_clusters`, one point per grid cell (CELLS_PER_TILE² cells per tile,
  aligned worldwide so cells agree across tile edges) with `count` = the matching sites in the cell, placed at
  their mean position. Read from the precomputed counts (commons.models.aggregates) when every filter is one
  they answer (region, province, inner, kind, status, ownership, and freshness while the counts' bands are
  today's): a few hundred rows instead of up to a million
  sites (z5 at 1M sites: ~1 ms of SQL instead of ~1 s). A text search `q` that is the only filter and one
  lexeme (`mulino`) is read from the precomputed counts per term and cell (SiteTermCount, migration 0022).
  Other filters aggregate the matching sites live;
- z >= 9: `sites`, one point per site (feature id = site id) with the properties the declaration
  (commons.site_fields) gives the layer at that zoom: kind, status, ownership, and from z13 (DETAIL_MIN_ZOOM)
  also title, has_outline. Below z13 a point carries only what the covering index
  `site_location_3857_covering` holds, so a dense tile never reads the table (a z11 tile over Naples at 1M
  sites: 2,752 random heap pages, 24 ms of SQL, otherwise; tests/commons/test_site_fields.py keeps it so); the
  map asks the API for the title of the site someone clicks;
- z >= 14 (OUTLINE_MIN_ZOOM): also `site_outlines`, the drawn outlines (feature id = site id) with kind, status.
Every layer honours the one site search (commons.search); answers carry Cache-Control and an ETag.

Per request, Python work used to cost more than the SQL of a high-zoom tile (parsing the filters ~1.5 ms,
compiling the ORM querysets ~1.2 ms, for 0.3-2 ms of SQL). Each worker therefore keeps the parsed search per
query string (commons.search) and, per (search, zoom), the compiled statement with the tile's x and y as
placeholders: a map asks for many tiles with the same few filter sets (see bench/README.md for the figures).
"""

import functools
import re

from django.contrib.gis.db.models import PolygonField
from django.db import InterfaceError, OperationalError, connections, router
from django.db.models.expressions import RawSQL

from commons import grid
from commons.models import Site, SiteAggregate, SiteTermCount
from commons.search import CACHED_SEARCHES, cached_search
from commons.site_fields import tile_fields

AGGREGATE_MAX_ZOOM = 8
OUTLINE_MIN_ZOOM = 14
CELLS_PER_TILE = 32
EXTENT = 4096
BUFFER = 64
DETAIL_MIN_ZOOM = 13  # from here a point may carry what the covering index lacks
# Stand-ins for x and y while a statement is compiled once per (filters, zoom); never valid tile numbers.
X_PLACEHOLDER, Y_PLACEHOLDER = -987_654_321, -987_654_322
# Sent in the same round trip as a tile read from commons_site, local to that statement's implicit transaction.
# Parallel workers and JIT compilation cost more than they save on a tile (1M sites, 2 cores: a dense z11 tile
# takes 49 ms with a parallel worker and 9 ms without; JIT adds ~30 ms to a live text-search z5 tile).
PLANNER_SETTINGS = "SELECT set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true); "


def _sql(queryset):
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def _envelope(z, x, y, margin=0.0, srid=3857):
    """The tile's square (grown by `margin` × its side), computed by PostGIS from z, x, y parameters."""
    sql = "ST_TileEnvelope(%s, %s, %s, margin => %s)"
    if srid != 3857:
        sql = f"ST_Transform({sql}, {int(srid)})"
    return RawSQL(sql, (z, x, y, margin), output_field=PolygonField(srid=srid))


def _in_tile(queryset, z, x, y, margin):
    return queryset.filter(location_3857__bboverlaps=_envelope(z, x, y, margin))


def _mvt_geom(column, z, x, y):
    return RawSQL(f"ST_AsMVTGeom({column}, ST_TileEnvelope(%s, %s, %s), %s, %s, true)", (z, x, y, EXTENT, BUFFER))


def _attributes(rows, layer, z):
    """`rows` with the id and the layer's properties at zoom z (computed ones: their SQL over `s`, on the table)."""
    fields = tile_fields(layer, z)
    computed = {f.name: RawSQL(re.sub(r"\bs\.", '"commons_site".', f.sql), ()) for f in fields if not f.column}
    return rows.annotate(**computed).values("id", *(f.name for f in fields), "geom")


def points_layer(sites, z, x, y):
    rows = _in_tile(sites, z, x, y, BUFFER / EXTENT).order_by().annotate(
        geom=_mvt_geom('"commons_site"."location_3857"', z, x, y))
    sql, params = _sql(_attributes(rows, "sites", z))
    return f"SELECT ST_AsMVT(t, 'sites', %s, 'geom', 'id') FROM ({sql}) t", [EXTENT, *params]


def clusters_layer(sites, z, x, y):
    cell = grid.cell_size(z, CELLS_PER_TILE)
    rows = _in_tile(sites, z, x, y, 0).order_by().values("location_3857")
    sql, params = _sql(rows)
    return (
        "SELECT ST_AsMVT(t, 'site_clusters', %s, 'geom') FROM ("
        "SELECT count(*) AS count, ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(avg(ST_X(p)), avg(ST_Y(p))), 3857), "
        "ST_TileEnvelope(%s, %s, %s), %s, %s, true) AS geom "
        f"FROM (SELECT location_3857 AS p FROM ({sql}) matched) points "
        "GROUP BY floor((ST_X(p) + %s) / %s), floor((ST_Y(p) + %s) / %s)) t"
    ), [EXTENT, *[z, x, y], EXTENT, BUFFER, *params, grid.WORLD_HALF, cell, grid.WORLD_HALF, cell]


def aggregate_clusters_layer(selection, z, x, y, term=None):
    """The clusters from the precomputed counts: of `selection`, or of the one-lexeme text search `term`."""
    if term is not None:
        cells, params = SiteTermCount.objects.cells_sql(term, z, x, y)
    else:
        cells, params = SiteAggregate.objects.cells_sql(selection, z, x, y)
    return (
        "SELECT ST_AsMVT(t, 'site_clusters', %s, 'geom') FROM (SELECT count, ST_AsMVTGeom("
        "ST_SetSRID(ST_MakePoint(x, y), 3857), ST_TileEnvelope(%s, %s, %s), %s, %s, true) AS geom "
        f"FROM ({cells}) cells) t"
    ), [EXTENT, z, x, y, EXTENT, BUFFER, *params]


def outlines_layer(sites, z, x, y):
    rows = (
        sites.filter(outline__bboverlaps=_envelope(z, x, y, srid=4326)).order_by()
        .annotate(geom=_mvt_geom('ST_Transform("commons_site"."outline", 3857)', z, x, y))
    )
    sql, params = _sql(_attributes(rows, "site_outlines", z))
    return f"SELECT ST_AsMVT(t, 'site_outlines', %s, 'geom', 'id') FROM ({sql}) t", [EXTENT, *params]


def tile_sql(sites, z, x, y, selection=None, term=None):
    """(SQL, params) writing the tile: its layers concatenated (an MVT is a sequence of layers). `selection`:
    the filters when the aggregates answer them, or `term`: the lexeme of a text search that is the only filter
    (commons.search.Search.term); then `sites` is not read at low zoom."""
    if z > AGGREGATE_MAX_ZOOM:
        layers = [points_layer(sites, z, x, y)]
    elif selection is not None or term is not None:
        layers = [aggregate_clusters_layer(selection, z, x, y, term)]
    else:
        layers = [clusters_layer(sites, z, x, y)]
    if z >= OUTLINE_MIN_ZOOM:
        layers.append(outlines_layer(sites, z, x, y))
    sql = " || ".join(f"({layer_sql})" for layer_sql, _params in layers)
    return f"SELECT {sql}", [param for _sql_text, layer_params in layers for param in layer_params]


def render_tile(sites, z, x, y, selection=None, term=None):
    """The tile's bytes, without the per-worker caches (cached_tile_sql)."""
    return fetch_tile(*tile_sql(sites, z, x, y, selection, term))


@functools.lru_cache(maxsize=CACHED_SEARCHES * 4)
def _compiled(key, z):
    """The tile statement for the search `key` at zoom z, with the positions of x and y among its params: the
    live statement (at z <= 8 the one that aggregates the matching sites), never the precomputed counts, which may
    answer a search only for a while (freshness: commons.search.Search.selection)."""
    search = cached_search(key)
    sql, params = tile_sql(search.sites(), z, X_PLACEHOLDER, Y_PLACEHOLDER, None)
    xs = [i for i, value in enumerate(params) if value == X_PLACEHOLDER]
    ys = [i for i, value in enumerate(params) if value == Y_PLACEHOLDER]
    return sql, tuple(params), xs, ys


def cached_tile_sql(search, z, x, y):
    """(SQL, params) of the tile; the statements reading commons_site come with PLANNER_SETTINGS before them."""
    if z <= AGGREGATE_MAX_ZOOM and search.selection is not None:
        return tile_sql(search.sites(), z, x, y, search.selection)  # plain string formatting, nothing to compile
    if z <= AGGREGATE_MAX_ZOOM and search.term is not None:
        return tile_sql(None, z, x, y, term=search.term)
    sql, params, xs, ys = _compiled(search.key, z)
    params = list(params)
    for i in xs:
        params[i] = x
    for i in ys:
        params[i] = y
    return PLANNER_SETTINGS + sql, params


def fetch_tile(sql, params):
    """The tile's bytes: the last result of the statement(s) sent.

    A kept connection is not health-checked first (Django's CONN_HEALTH_CHECKS would send `SELECT 1`, one more
    round trip on every tile, ~13% of a z14 tile's time in-process): the tile's own statement is the check. When
    it finds the kept connection broken (PostgreSQL restarted since), the tile is asked again, once, on a new
    connection, which is what the health check would have done. A statement that fails on a sound connection (a
    timeout, a refusal) is never repeated."""
    connection = connections[router.db_for_read(Site)]
    kept = connection.connection is not None and not connection.health_check_done
    if kept:
        connection.health_check_done = True
    try:
        return _read_tile(connection, sql, params)
    except (OperationalError, InterfaceError):
        if not kept or connection.in_atomic_block or not _broken(connection):
            raise
    connection.close()
    return _read_tile(connection, sql, params)


def _broken(connection):
    raw = connection.connection
    return raw is None or raw.closed or raw.broken


def _read_tile(connection, sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while cursor.nextset():
            pass
        data = cursor.fetchone()[0]
    return bytes(data) if data else b""
