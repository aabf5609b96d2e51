"""Vector tiles decoded with mapbox_vector_tile: features and properties, filters, aggregation, outlines, caching."""

import json
import math

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from commons.models import SiteKind
from tests.factories import MILANO, ROMA, SiteFactory, square

pytestmark = pytest.mark.django_db


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def get_tile(client, z, x, y, query=""):
    response = client.get(f"/tiles/sites/{z}/{x}/{y}.pbf{'?' + query if query else ''}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return response, mapbox_vector_tile.decode(response.content) if response.content else {}


def near_rome(i, **fields):
    return SiteFactory(location=Point(ROMA[0] + i * 0.0005, ROMA[1], srid=4326), **fields)


def test_a_high_zoom_tile_has_each_site_with_its_properties(client):
    sites = [near_rome(0, kind=SiteKind.LAND, title="Orto"), near_rome(1), near_rome(2)]
    SiteFactory(location=Point(*MILANO, srid=4326))
    _response, layers = get_tile(client, *tile_of(*ROMA, 13))
    assert set(layers) == {"sites"}
    features = layers["sites"]["features"]
    assert sorted(f["id"] for f in features) == sorted(s.pk for s in sites)
    orto = next(f for f in features if f["id"] == sites[0].pk)
    assert orto["properties"] == {"kind": "land", "status": "reported", "ownership": "unknown", "freshness": "fresh",
                                  "title": "Orto", "has_outline": False}
    assert orto["geometry"]["type"] == "Point"
    x, y = orto["geometry"]["coordinates"]
    assert 0 <= x <= 4096 and 0 <= y <= 4096


def test_below_zoom_13_points_carry_only_what_the_covering_index_holds(client):
    site = near_rome(0, kind=SiteKind.LAND, title="Orto")
    for z in (9, 12):
        _response, layers = get_tile(client, *tile_of(*ROMA, z))
        [feature] = layers["sites"]["features"]
        assert feature["id"] == site.pk
        assert feature["properties"] == {"kind": "land", "status": "reported", "ownership": "unknown",
                                         "freshness": "fresh"}


@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction
def test_a_dense_point_tile_is_answered_from_the_covering_index_alone():
    """The plan of a z11 tile reads no table page: an index-only scan with no heap fetch once vacuumed."""
    from django.http import QueryDict

    from commons.search import site_search
    from mapping.read.tiles import cached_tile_sql

    for i in range(300):
        near_rome(i % 60, kind=SiteKind.LAND if i % 2 else SiteKind.BUILDING)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE commons_site")
        # What the planner picks for a dense tile at 1M sites (on 300 rows it would rather read the table).
        cursor.execute("SET enable_bitmapscan = off; SET enable_seqscan = off")
        search = site_search(QueryDict("status=reported,verified&ownership=unknown"))
        sql, params = cached_tile_sql(search, *tile_of(*ROMA, 11))
        cursor.execute(sql.split("; ", 1)[1].replace("SELECT ", "EXPLAIN (ANALYZE, FORMAT JSON) SELECT ", 1), params)
        plan = json.dumps(cursor.fetchone()[0])
        cursor.execute("RESET enable_bitmapscan; RESET enable_seqscan")
    assert "\"Index Only Scan\"" in plan and '"site_location_3857_covering"' in plan
    assert '"Heap Fetches": 0' in plan


def test_tiles_honour_the_shared_filters(client):
    land = near_rome(0, kind=SiteKind.LAND)
    near_rome(1, kind=SiteKind.BUILDING)
    near_rome(2, hidden=True)
    _response, layers = get_tile(client, *tile_of(*ROMA, 12), query="kind=land")
    assert [f["id"] for f in layers["sites"]["features"]] == [land.pk]
    _response, layers = get_tile(client, *tile_of(*ROMA, 12), query="kind=village")
    assert layers == {}


def test_low_zooms_aggregate_sites_into_counted_cells(client):
    for i in range(5):
        near_rome(i)
    near_rome(0, kind=SiteKind.LAND)
    SiteFactory(location=Point(14.2140, 42.4640, srid=4326))  # Pescara: same z6 tile, another cell
    _response, layers = get_tile(client, *tile_of(*ROMA, 6))
    assert set(layers) == {"site_clusters"}
    counts = sorted(f["properties"]["count"] for f in layers["site_clusters"]["features"])
    assert counts == [1, 6]
    _response, layers = get_tile(client, *tile_of(*ROMA, 6), query="kind=land")
    assert [f["properties"]["count"] for f in layers["site_clusters"]["features"]] == [1]


def test_outlines_come_with_the_points_at_high_zoom(client):
    site = SiteFactory(location=Point(*ROMA, srid=4326), outline=square(*ROMA), kind=SiteKind.LAND)
    _response, layers = get_tile(client, *tile_of(*ROMA, 15))
    assert set(layers) == {"sites", "site_outlines"}
    outline = layers["site_outlines"]["features"][0]
    assert outline["id"] == site.pk and outline["geometry"]["type"] in ("Polygon", "MultiPolygon")
    _response, layers = get_tile(client, *tile_of(*ROMA, 13))
    assert set(layers) == {"sites"}


def test_tiles_are_cacheable_and_revalidated_by_etag(client):
    near_rome(0)
    z, x, y = tile_of(*ROMA, 12)
    response, _layers = get_tile(client, z, x, y)
    assert response["Cache-Control"].startswith("public, max-age=") and response["ETag"]
    again = client.get(f"/tiles/sites/{z}/{x}/{y}.pbf", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304 and not again.content
    near_rome(1)
    changed = client.get(f"/tiles/sites/{z}/{x}/{y}.pbf", headers={"If-None-Match": response["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != response["ETag"]


def test_an_empty_tile_is_an_empty_200(client):
    response, layers = get_tile(client, 10, 0, 0)
    assert response.content == b"" and layers == {}


@pytest.mark.parametrize("path, field", [
    ("23/0/0", "z"), ("-1/0/0", "z"), ("5/32/0", "x"), ("5/0/32", "y"), ("5/-1/0", "x"), ("0/0/1", "y"),
])
def test_out_of_range_tile_coordinates_are_a_400(client, path, field):
    response = client.get(f"/tiles/sites/{path}.pbf")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert response.json()["errors"][0]["code"] == "out_of_range"
