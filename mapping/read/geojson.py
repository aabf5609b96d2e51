"""RFC 7946 GeoJSON for sites, built by PostgreSQL (json_build_object + ST_AsGeoJSON), never object by object.

A filtered queryset (from commons.search) gives the ids; PostgreSQL writes each Feature's text. Python only
joins the pieces, so a 1,000-feature page costs about what the SQL costs (see ../shared/BENCHMARK.md).
"""

import json

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db import connections, router

from commons import grid
from commons.models.sites import CELL_ZOOM, Site

# Public properties of a site, as (name, SQL over `s` = commons_site and `m` = commons_municipality).
# Never add reporter, e-mail or other personal data here: lists, tiles and exports are public (A3).
LIST_PROPERTIES = [
    ("title", "s.title"),
    ("kind", "s.kind"),
    ("status", "s.status"),
    ("ownership", "s.ownership"),
    ("condition", "s.condition"),
    ("location_precision", "s.location_precision"),
    ("land_area_m2", "s.land_area_m2"),
    ("floor_area_m2", "s.floor_area_m2"),
    ("has_outline", "(s.outline IS NOT NULL)"),
    ("region", "s.region_id"),
    ("province", "s.province_id"),
    ("municipality", "s.municipality_id"),
    ("municipality_name", "m.name"),
    ("inner_area_class", "m.inner_area_class"),
    ("updated_at", "s.updated_at"),
]
EXPORT_PROPERTIES = LIST_PROPERTIES + [
    ("description", "s.description"),
    ("address", "s.address"),
    ("cadastral_refs", "s.cadastral_refs"),
    ("dormant_since", "s.dormant_since"),
    ("source", "s.source"),
    ("created_at", "s.created_at"),
]
PRECISION = settings.REGISTRY_COORD_PRECISION
FROM_SITES = "commons_site s JOIN commons_municipality m ON m.code = s.municipality_id"
MAX_CELLS = 16  # a bbox over more map tiles than this is listed through the location index or the primary key
# A tile the bbox covers at least this share of is walked newest first; a smaller corner is collected through
# the location index (walking a dense tile for the few matches in its corner would read most of it).
WALK_MIN_SHARE = 0.2
EDGE = 1e-6  # degrees (~0.1 m)

# The detail of one site: the list's properties and everything its page shows, in one statement (1M sites: the
# ORM's 8 queries, their compilation and model instances cost ~14 ms a detail; this ~3 ms). Photos are added by
# Python when there are any (their URLs come from the storage backend).
DETAIL_PROPERTIES = LIST_PROPERTIES + [
    ("description", "s.description"),
    ("address", "s.address"),
    ("cadastral_refs", "s.cadastral_refs"),
    ("dormant_since", "s.dormant_since"),
    ("version", "s.version"),
    ("created_at", "s.created_at"),
    ("outline", f"ST_AsGeoJSON(s.outline, {PRECISION})::json"),
    ("areas", "json_build_object('region', json_build_object('code', s.region_id, 'name', r.name), "
              "'province', json_build_object('code', s.province_id, 'name', pr.name), "
              "'municipality', json_build_object('code', s.municipality_id, 'name', m.name, "
              "'inner_area_class', m.inner_area_class))"),
    ("photos", "'[]'::json"),
    ("provenance", "json_build_object('source', s.source, 'source_id', s.source_id, "
                   "'reported_by_citizen', s.source = 'citizen', 'dataset', (SELECT json_build_object("
                   "'name', d.name, 'licence', d.licence, 'attribution', d.attribution, 'url', d.url) "
                   "FROM commons_sourcedataset d WHERE d.slug = s.source))"),
    ("proposals", "(SELECT json_build_object('total', coalesce(sum(n), 0), "
                  "'by_status', coalesce(json_object_agg(status, n), '{}'), "
                  "'accepted', (SELECT json_build_object('id', p.id, 'title', p.title, 'cooperative', c.slug, "
                  "'cooperative_name', c.name) FROM commons_proposal p JOIN commons_cooperative c "
                  "ON c.id = p.cooperative_id WHERE p.site_id = s.id AND p.status IN ('accepted', 'completed') "
                  "ORDER BY p.created_at DESC LIMIT 1)) "
                  "FROM (SELECT p.status, count(*) AS n FROM commons_proposal p "
                  "WHERE p.site_id = s.id AND p.status <> 'draft' GROUP BY p.status) t)"),
    ("history", "json_build_object('version', s.version, 'created_at', s.created_at, 'updated_at', s.updated_at, "
                "'changes', (SELECT count(*) FROM commons_siteevent e WHERE e.pgh_obj_id = s.id), "
                "'last_change', (SELECT json_build_object('label', e.pgh_label, 'at', e.pgh_created_at) "
                "FROM commons_siteevent e WHERE e.pgh_obj_id = s.id "
                "ORDER BY e.pgh_created_at DESC, e.pgh_id DESC LIMIT 1))"),
    ("parent", "s.parent_id"),
]


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


def feature_sql(properties, *, url_prefix):
    """SQL expression for one Feature as json (needs `s`, `m` in scope and one %s param for the url prefix)."""
    members = ", ".join(f"'{name}', {expression}" for name, expression in properties)
    return (
        "json_build_object('type', 'Feature', 'id', s.id, "
        f"'geometry', ST_AsGeoJSON(s.location, {PRECISION})::json, "
        f"'properties', json_build_object('id', s.id, {members}, 'url', %s || s.id || '/'))"
    ), [url_prefix]


def feature_page(queryset, *, limit, offset, url_prefix, matches_first=False, bbox=None):
    """(features_json_text, number_returned, has_next) for one page: `limit` rows plus one to see ahead.
    `bbox` (minlon, minlat, maxlon, maxlat) when the only index-led filter is a bbox: the page is then read tile
    by tile (cell_ids_sql) when the bbox is large enough for that to pay."""
    page = cell_ids_sql(queryset, bbox, limit=limit + 1, offset=offset) if bbox else None
    if page is None:
        page = ids_sql(queryset, limit=limit + 1, offset=offset, matches_first=matches_first)
    page_sql, page_params = page
    feature, feature_params = feature_sql(LIST_PROPERTIES, url_prefix=url_prefix)
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


def site_detail(pk, *, url_prefix):
    """(status, duplicate_of_id, version, photo_count, feature_json_text) of the site `pk` unless it is hidden,
    else None. A merged duplicate is returned too (its caller redirects to the survivor)."""
    feature, params = feature_sql(DETAIL_PROPERTIES, url_prefix=url_prefix)
    sql = (
        "SELECT s.status, s.duplicate_of_id, s.version, "
        "(SELECT count(*) FROM commons_photo ph WHERE ph.site_id = s.id AND NOT ph.hidden), "
        f"({feature})::text FROM {FROM_SITES} JOIN commons_region r ON r.code = s.region_id "
        "JOIN commons_province pr ON pr.code = s.province_id WHERE s.id = %s AND NOT s.hidden"
    )
    with connections[router.db_for_read(Site)].cursor() as cursor:
        cursor.execute(sql, [*params, pk])
        return cursor.fetchone()
