"""RFC 7946 GeoJSON for sites, built by PostgreSQL (json_build_object + ST_AsGeoJSON), never object by object.

A filtered queryset (from commons.search) gives the ids; PostgreSQL writes each Feature's text. Python only
joins the pieces, so a 1,000-feature page costs about what the SQL costs (see ../shared/BENCHMARK.md).
"""

import json

from django.contrib.gis.geos import Polygon
from django.db import connections, router

from commons import grid
from commons.models.sites import CELL_ZOOM, Site
from commons.site_fields import DETAIL, DETAIL_FROM, EXPORT, FROM, LIST, PAGE, PRECISION, fields_for

# Public properties of a site, as (name, SQL over `s` = commons_site and `m` = commons_municipality), from the
# declaration (commons.site_fields). The detail's are what the site's page shows, written by one statement (1M
# sites: the ORM's 8 queries, their compilation and model instances cost ~14 ms a detail; this ~3 ms).
LIST_PROPERTIES = [(f.name, f.sql) for f in fields_for(LIST)]
EXPORT_PROPERTIES = [(f.name, f.sql) for f in fields_for(EXPORT)]
DETAIL_PROPERTIES = [(f.name, f.sql) for f in fields_for(DETAIL)]
PAGE_PROPERTIES = DETAIL_PROPERTIES + [(f.name, f.sql) for f in fields_for(PAGE)]
FROM_SITES = FROM
MAX_CELLS = 16  # a bbox over more map tiles than this is listed through the location index or the primary key
# A tile the bbox covers at least this share of is walked newest first; a smaller corner is collected through
# the location index (walking a dense tile for the few matches in its corner would read most of it).
WALK_MIN_SHARE = 0.2
EDGE = 1e-6  # degrees (~0.1 m)


def ids_sql(queryset, *, limit=None, offset=0, matches_first=False):
    """SQL (and params) selecting the ids of `queryset`: all of them, or one page of them newest first.

    With `matches_first` (a spatial or text filter) the matches are collected through their own index and then
    sorted: otherwise PostgreSQL may walk the primary key backwards testing millions of rows against a small
    bbox or a text query. Without it the planner chooses (a newest-first walk is best for broad filters).
    """
    ids = queryset.order_by().values("id")
    sql, params = ids.query.get_compiler(using=queryset.db).as_sql()
    if limit is None:  # every match, in no particular order (used as `s.id IN (...)`)
        return sql, params
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}"
    if matches_first:
        return f"WITH matched AS MATERIALIZED ({sql}) SELECT id FROM matched ORDER BY id DESC{page}", params
    ordered = queryset.order_by("-id").values("id")
    sql, params = ordered.query.get_compiler(using=queryset.db).as_sql()
    return f"{sql}{page}", params


def _tile_bounds(x, y):
    """(west, south, east, north) in degrees of the map tile x, y at CELL_ZOOM."""
    return grid.tile_bounds(x, y, CELL_ZOOM)


def bbox_cells(bbox):
    """[(cell, share)] for the map tiles at CELL_ZOOM under a bbox (minlon, minlat, maxlon, maxlat): each tile's
    Site.cell value and the share of its area (Web Mercator) the bbox covers; None when more than MAX_CELLS."""
    minlon, minlat, maxlon, maxlat = bbox
    # EDGE widens the search so that a point within rounding distance of a tile edge is looked for on both sides
    # (PostGIS and Python may round its tile differently).
    xs = range(max(grid.tile_x(minlon - EDGE, CELL_ZOOM), 0), min(grid.tile_x(maxlon + EDGE, CELL_ZOOM), 2**CELL_ZOOM - 1) + 1)
    ys = range(max(grid.tile_y(maxlat + EDGE, CELL_ZOOM), 0), min(grid.tile_y(minlat - EDGE, CELL_ZOOM), 2**CELL_ZOOM - 1) + 1)
    if len(xs) * len(ys) > MAX_CELLS:
        return None
    cells = []
    for x in xs:
        for y in ys:
            west, south, east, north = _tile_bounds(x, y)
            width = (min(east, maxlon) - max(west, minlon)) / (east - west)
            height = ((grid.mercator_y(min(north, maxlat)) - grid.mercator_y(max(south, minlat)))
                      / (grid.mercator_y(north) - grid.mercator_y(south)))
            cells.append((x * 2**CELL_ZOOM + y, max(width, 0) * max(height, 0), (west, south, east, north)))
    return cells


def cell_ids_sql(queryset, bbox, *, limit, offset):
    """SQL (and params) of one page of a bbox list's ids, newest first, led by `site_cell_newest`, or None if the
    bbox spans too many tiles. For each map tile under the bbox: where the bbox covers much of the tile, walk the
    tile's sites newest first and stop at the page's end; where it covers a corner, collect that corner's
    matches through the location index and sort them. PostgreSQL merges the branches in id order (Merge Append)
    and stops: a few ms at 1M sites where collecting and sorting every match in the bbox took 30-130 ms."""
    cells = bbox_cells(bbox)
    if cells is None:
        return None
    ids = queryset.order_by().values("id")
    branches, params = [], []
    for cell, share, (west, south, east, north) in cells:
        if share >= WALK_MIN_SHARE:
            newest = ids.filter(cell=cell).order_by("-id")[: offset + limit]
            sql, branch_params = newest.query.get_compiler(using=queryset.db).as_sql()
            branches.append(f"({sql})")
        else:
            corner = Polygon.from_bbox((max(west, bbox[0]) - EDGE, max(south, bbox[1]) - EDGE,
                                        min(east, bbox[2]) + EDGE, min(north, bbox[3]) + EDGE))
            corner.srid = 4326
            # Not `cell = ...` here: PostgreSQL would multiply its selectivity by the corner's and choose a plan
            # for a few rows. Points within EDGE of a tile's side may come from two branches: DISTINCT below.
            sql, branch_params = (ids.filter(location__bboverlaps=corner).query
                                  .get_compiler(using=queryset.db).as_sql())
            branches.append(f"(SELECT id FROM ({sql} OFFSET 0) corner ORDER BY id DESC LIMIT {int(offset + limit)})")
        params += branch_params
    return (f"SELECT DISTINCT id FROM ({' UNION ALL '.join(branches)}) cells ORDER BY id DESC "
            f"LIMIT {int(limit)} OFFSET {int(offset)}"), params


LOCATION_GEOJSON = f"ST_AsGeoJSON(s.location, {PRECISION})::json"


def feature_sql(properties, *, url_prefix, geometry=LOCATION_GEOJSON):
    """SQL expression for one Feature as json (needs `s`, `m` in scope and one %s param for the url prefix);
    `geometry` is the SQL of its geometry as json (the point in 4326 unless a face asks for another CRS)."""
    members = ", ".join(f"'{name}', {expression}" for name, expression in properties)
    return (
        "json_build_object('type', 'Feature', 'id', s.id, "
        f"'geometry', {geometry}, "
        f"'properties', json_build_object('id', s.id, {members}, 'url', %s || s.id || '/'))"
    ), [url_prefix]


def feature_page(queryset, *, limit, offset, url_prefix, matches_first=False, bbox=None, properties=None,
                 geometry=LOCATION_GEOJSON):
    """(features_json_text, number_returned, has_next) for one page: `limit` rows plus one to see ahead.
    `bbox` (minlon, minlat, maxlon, maxlat) when the only index-led filter is a bbox: the page is then read tile
    by tile (cell_ids_sql) when the bbox is large enough for that to pay. `properties` (the list's by default)
    and `geometry` as in feature_sql."""
    page = cell_ids_sql(queryset, bbox, limit=limit + 1, offset=offset) if bbox else None
    if page is None:
        page = ids_sql(queryset, limit=limit + 1, offset=offset, matches_first=matches_first)
    page_sql, page_params = page
    feature, feature_params = feature_sql(properties or LIST_PROPERTIES, url_prefix=url_prefix, geometry=geometry)
    sql = (
        f"WITH page AS ({page_sql}), numbered AS (SELECT id, row_number() OVER (ORDER BY id DESC) AS n FROM page) "
        f"SELECT count(*), coalesce(string_agg(({feature})::text, ',' ORDER BY s.id DESC) "
        f"FILTER (WHERE numbered.n <= %s), '') "
        f"FROM numbered JOIN {FROM_SITES} ON s.id = numbered.id"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, [*page_params, *feature_params, limit])
        count, features = cursor.fetchone()
    return features, min(count, limit), count > limit


def feature_collection_head(**members):
    """The opening of a FeatureCollection whose `features` array follows (foreign members go first)."""
    head = {"type": "FeatureCollection", **members}
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ['


def site_detail(pk, *, url_prefix, page=False):
    """(status, duplicate_of_id, version, photo_count, feature_json_text) of the site `pk` unless it is hidden,
    else None. A merged duplicate is returned too (its caller redirects to the survivor). The API sends the
    Feature as it is; the site page (`page`) reads the same one with the few members only it shows."""
    feature, params = feature_sql(PAGE_PROPERTIES if page else DETAIL_PROPERTIES, url_prefix=url_prefix)
    sql = (
        "SELECT s.status, s.duplicate_of_id, s.version, "
        "(SELECT count(*) FROM commons_photo ph WHERE ph.site_id = s.id AND NOT ph.hidden), "
        f"({feature})::text FROM {DETAIL_FROM} WHERE s.id = %s AND NOT s.hidden"
    )
    with connections[router.db_for_read(Site)].cursor() as cursor:
        cursor.execute(sql, [*params, pk])
        return cursor.fetchone()
