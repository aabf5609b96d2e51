"""Bbox lists read tile by tile (mapping.read.geojson.cell_ids_sql) give exactly the newest-first pages of every match:
sites on tile edges, on the bbox's edges, in corners of tiles, across pages, with filters."""

import random

import pytest
from django.contrib.gis.geos import Point

from commons.models import Site, SiteKind, SiteStatus
from mapping.read.geojson import CELL_ZOOM, WALK_MIN_SHARE, _tile_bounds, bbox_cells
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

# z8 tiles east of Rome, on land: x 136-137 (edge at lon 12.65625), y 94-95 (edge at lat ~42.033)
EDGE_LAT = 42.03297433244139
BOXES = [
    (12.4, 41.6, 13.8, 42.9),                # several tiles, walked
    (12.6, EDGE_LAT - 0.05, 12.7, EDGE_LAT + 0.05),  # a small box across a tile corner: the location index
    (12.65625, EDGE_LAT, 13.7, 42.9),        # edges exactly on tile edges
    (12.8, 41.9, 13.4, 42.5),                # inside one tile
]


@pytest.fixture
def sites():
    rng = random.Random(8)
    west, south, _east, _north = _tile_bounds(137, 94)  # a tile's own edges: points exactly on them
    assert south == pytest.approx(EDGE_LAT)
    points = [(west, rng.uniform(south, 42.9)), (rng.uniform(west, 13.8), south), (west, south), (13.0, south)]
    points += [(rng.uniform(12.4, 13.8), rng.uniform(41.6, 42.9)) for _ in range(260)]
    points += [(12.65625, EDGE_LAT), (12.6, EDGE_LAT - 0.05), (12.7, EDGE_LAT + 0.05), (13.7, 42.9)]  # corners
    kinds, statuses = [SiteKind.LAND, SiteKind.BUILDING], [SiteStatus.REPORTED, SiteStatus.VERIFIED]
    return [SiteFactory(location=Point(lon, lat, srid=4326), kind=kinds[i % 2], status=statuses[i % 3 == 0])
            for i, (lon, lat) in enumerate(points)]


def oracle(box, kind=None):
    minlon, minlat, maxlon, maxlat = box
    ids = [site.pk for site in Site.objects.visible()
           if minlon <= site.location.x <= maxlon and minlat <= site.location.y <= maxlat
           and (kind is None or site.kind == kind)]
    return sorted(ids, reverse=True)


def pages(client, box, query, limit):
    ids, url = [], f"/api/v1/sites/?bbox={','.join(map(str, box))}{query}&limit={limit}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [feature["id"] for feature in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    return ids


@pytest.mark.parametrize("box", BOXES)
@pytest.mark.parametrize("limit", [7, 1000])
def test_tile_by_tile_pages_are_the_newest_first_matches(api_client, sites, box, limit):
    assert bbox_cells(box) is not None  # the tile-by-tile path is the one under test
    assert pages(api_client, box, "", limit) == oracle(box)
    assert pages(api_client, box, "&kind=land", limit) == oracle(box, SiteKind.LAND)


def test_the_boxes_cover_walked_tiles_and_corners():
    shares = [share for box in BOXES for _cell, share, _bounds in bbox_cells(box)]
    assert any(share >= WALK_MIN_SHARE for share in shares) and any(0 < share < 0.01 for share in shares)
    assert all(0 <= cell < 4**CELL_ZOOM for box in BOXES for cell, _share, _bounds in bbox_cells(box))


def test_a_bbox_over_many_tiles_is_listed_the_other_way(api_client, sites):
    box = (6.0, 36.0, 18.0, 47.0)
    assert bbox_cells(box) is None
    assert pages(api_client, box, "", 100) == oracle(box)
