"""What the benchmark requests: seeded lists of non-empty tiles and URLs per scenario, and for each the SQL the
app runs to answer it (captured from the app itself) plus the comparators (on-the-fly aggregation, live counts).

Runs inside Django (production settings), after bench.run has pointed DATABASE_URL at the bench database.
"""

import math
from urllib.parse import quote
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

# Filters: the map's usual ones (answered from the aggregates at low zoom), a one-word text search (answered at low
# zoom from the counts per term and cell, migration 0022) and a two-word one (no per-term count answers an AND of
# terms: the live fallback).
TILE_FILTER = "status=reported,verified,assigned,in_reuse&kind=building,land"
TEXT_FILTER = "q=scuola"
LIVE_FILTER = "q=ex+scuola"
# Ground truth: sites not confirmed on the ground for a year or more (answered from the aggregates' freshness bands
# while they are today's, else live: commons.models.aggregates).
FRESHNESS_FILTER = "freshness=ageing,stale"
LIST_FILTER = "status=reported,verified&kind=building,land,industrial"
STATS_FILTER = "inner=aree_interne&status=verified,assigned"
EXPORT_FILTER = "kind=building,land"
# OGC API items with a CQL2 filter (ours at /ogc/, tipg's on the same table): the list scenario's filter as CQL2.
# tipg knows nothing of moderation, so its filter names the visibility rule our search applies itself.
OGC_FILTER = "status IN ('reported','verified') AND kind IN ('building','land','industrial')"
TIPG_OGC_FILTER = f"{OGC_FILTER} AND hidden = false"
TIPG_ITEM_PROPERTIES = "properties=title,kind,status,ownership,condition,land_area_m2,updated_at"
# The properties our `sites` layer carries at each zoom (mapping.read.tiles: titles from z13), asked of tipg too.
TIPG_PROPERTIES = {8: "properties=kind,status,ownership", 11: "properties=kind,status,ownership",
                   14: "properties=kind,status,ownership,title"}


@dataclass
class Scenario:
    name: str
    group: str  # what target it is measured against
    paths: list
    replay_sql: bool = True  # replay the statements the app runs for each path under pgbench
    comparators: dict = field(default_factory=dict)  # name -> function giving [scripts], e.g. on-the-fly

    def scripts(self):
        """One pgbench script per path: the statements the app ran to answer it (captured now)."""
        return [statements(path) for path in self.paths] if self.replay_sql else []


def sample_points(count, seed):
    """Visible sites in a seeded pseudo-random order: (id, lon, lat, province)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, ST_X(location), ST_Y(location), province_id FROM commons_site "
                       "WHERE NOT hidden AND status <> 'duplicate' ORDER BY md5(id::text || %s) LIMIT %s",
                       [str(seed), count])
        return cursor.fetchall()


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def tiles(points, z, count):
    """Distinct tiles holding the sampled sites (so never empty without filters), in sample order."""
    seen = []
    for _id, lon, lat, _province in points:
        tile = tile_of(lon, lat, z)
        if tile not in seen:
            seen.append(tile)
        if len(seen) == count:
            break
    return seen


def with_query(path, query):
    return f"{path}?{query}" if query else path


def statements(path):
    """The SELECT statements the app runs to answer `path`, with their parameters inlined (for pgbench)."""
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, HTTP_HOST="127.0.0.1")
        if response.streaming:
            b"".join(response.streaming_content)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}: {response.content[:300]!r}")
    selects = [q["sql"] for q in captured.captured_queries
               if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
    # A statement sent with set_config(..., true) before it (the tiles' planner settings, pghistory's context)
    # ran as one implicit transaction; pgbench sends each part alone, so make that transaction explicit.
    return "".join(f"BEGIN;\n{sql};\nCOMMIT;\n" if "set_config(" in sql else f"{sql};\n" for sql in selects)


def compose(sql, params):
    connection.ensure_connection()
    return connection.ops.compose_sql(sql, params) if params else sql


def on_the_fly_tile_sql(z, x, y, query):
    """The same tile aggregated live from commons_site (what the aggregates replace)."""
    from django.http import QueryDict

    from commons.search import site_search
    from mapping.read.tiles import tile_sql

    return compose(*tile_sql(site_search(QueryDict(query)).sites(), z, x, y, None)) + ";\n"


def live_stats_sql(query):
    from django.db.models import Count
    from django.http import QueryDict

    from commons.search import site_search

    rows = site_search(QueryDict(query)).sites().order_by().values("region_id", "kind", "status").annotate(n=Count("id"))
    sql, params = rows.order_by("region_id", "kind", "status").query.sql_with_params()
    return compose(sql, params) + ";\n"


def tile_scenarios(points, count):
    scenarios = []
    for z in (5, 8, 11, 14):
        chosen = tiles(points, z, count)
        queries = [("", ""), (" filtered", TILE_FILTER), (" freshness", FRESHNESS_FILTER)] + (
            [(" text search", TEXT_FILTER), (" text search two words (live)", LIVE_FILTER)] if z <= 8 else [])
        for label, query in queries:
            paths = [with_query(f"/tiles/sites/{z}/{x}/{y}.pbf", query) for z, x, y in chosen]
            scenario = Scenario(f"tile z{z}{label}", "tile", paths)
            if z <= 8 and query != LIVE_FILTER:
                scenario.comparators["on-the-fly aggregation"] = (
                    lambda chosen=chosen, query=query: [on_the_fly_tile_sql(*t, query) for t in chosen])
            scenarios.append(scenario)
    return scenarios


def bbox_around(lon, lat, half=0.6):
    return f"{lon - half:.4f},{lat - half * 0.75:.4f},{lon + half:.4f},{lat + half * 0.75:.4f}"


def api_scenarios(points, count):
    boxes = [bbox_around(lon, lat) for _id, lon, lat, _p in points[:count]]
    lists = [f"/api/v1/sites/?bbox={box}&{LIST_FILTER}&limit=1000" for box in boxes]
    details = [f"/api/v1/sites/{pk}/" for pk, *_rest in points[:count]]
    provinces = sorted({province for *_rest, province in points[:count]})[:10]
    exports = [f"/api/v1/exports/sites.geojson?province={code}&{EXPORT_FILTER}" for code in provinces]
    stats = Scenario("stats region × kind × status", "stats", ["/api/v1/stats/"])
    stats.comparators["live GROUP BY"] = lambda: [live_stats_sql("")]
    stats_filtered = Scenario("stats filtered", "stats", [f"/api/v1/stats/?{STATS_FILTER}"])
    stats_filtered.comparators["live GROUP BY"] = lambda: [live_stats_sql(STATS_FILTER)]
    stats_freshness = Scenario("stats freshness", "stats", [f"/api/v1/stats/?{FRESHNESS_FILTER}"])
    stats_freshness.comparators["live GROUP BY"] = lambda: [live_stats_sql(FRESHNESS_FILTER)]
    areas = ["/api/v1/areas/regions/", "/api/v1/areas/provinces/?limit=200"]
    return [
        # One trivial query through the whole stack (gunicorn, middleware, a view): the floor of any request.
        Scenario("floor: GET /health/", "floor", ["/health/"]),
        Scenario("list 1,000 features (bbox + filters)", "list", lists),
        Scenario("site detail", "detail", details),
        stats, stats_filtered, stats_freshness,
        Scenario("areas with counts (regions, provinces)", "areas", areas),
        Scenario("export GeoJSON (province + kinds)", "export", exports, replay_sql=False),
    ]


def tipg_scenarios(points, count):
    scenarios = []
    for z in (8, 11, 14):
        paths = [f"/collections/public.commons_site/tiles/WebMercatorQuad/{z}/{x}/{y}?geom-column=location_3857&"
                 f"{TIPG_PROPERTIES[z]}" for z, x, y in tiles(points, z, count)]
        scenarios.append(Scenario(f"tipg tile z{z}", "tile", paths, replay_sql=False))
    return scenarios


def drfgis_scenario(points, count):
    boxes = [bbox_around(lon, lat) for _id, lon, lat, _p in points[:count]]
    paths = [f"/bench/drf-gis/sites/?in_bbox={box}&{LIST_FILTER}&limit=1000" for box in boxes]
    return Scenario("drf-gis list 1,000 features", "list", paths, replay_sql=False)


def ogc_scenario(points, count):
    """1,000 OGC items with a CQL2 filter in a bbox (the list scenario's boxes and filter, through /ogc/)."""
    boxes = [bbox_around(lon, lat) for _id, lon, lat, _p in points[:count]]
    paths = [f"/ogc/collections/sites/items?bbox={box}&limit=1000&filter={quote(OGC_FILTER)}" for box in boxes]
    return Scenario("OGC items 1,000 with a CQL2 filter", "ogc", paths)


def tipg_items_scenario(points, count):
    """The same items, boxes and filter asked of tipg on the same table."""
    boxes = [bbox_around(lon, lat) for _id, lon, lat, _p in points[:count]]
    paths = [f"/collections/public.commons_site/items?bbox={box}&limit=1000&filter={quote(TIPG_OGC_FILTER)}"
             f"&filter-lang=cql2-text&geom-column=location&{TIPG_ITEM_PROPERTIES}" for box in boxes]
    return Scenario("tipg OGC items 1,000 with a CQL2 filter", "ogc", paths, replay_sql=False)
