"""A cooperative's drawn territory: GeoJSON or WKT in, a valid MultiPolygon touching Italy out, or a clear refusal
with the field and code and nothing written; an empty drawing clears the area."""

import json

import pytest
from django.contrib.gis.geos import GEOSGeometry

from commons.errors import RegistryValidationError
from commons.matching import ranked
from commons.models import Cooperative
from commons.services.matching import cooperative_interests_set
from tests.factories import GIANT_RECTANGLE, CooperativeFactory, circle_ring, coop_user, verified_site

pytestmark = pytest.mark.django_db

# About 8 × 7 km around the Colosseum, and a smaller one around Milan's Duomo.
ROMA_AREA = {"type": "Polygon", "coordinates": [[[12.45, 41.86], [12.55, 41.86], [12.55, 41.92], [12.45, 41.92],
                                                 [12.45, 41.86]]]}
MILANO_WKT = "POLYGON((9.15 45.44, 9.22 45.44, 9.22 45.49, 9.15 45.49, 9.15 45.44))"
BOW_TIE = {"type": "Polygon", "coordinates": [[[12.45, 41.86], [12.55, 41.92], [12.55, 41.86], [12.45, 41.92],
                                               [12.45, 41.86]]]}
# Open sea between Sardinia and Lazio: inside Italy's box, touching no region.
TYRRHENIAN = {"type": "Polygon", "coordinates": [[[10.9, 40.9], [11.1, 40.9], [11.1, 41.1], [10.9, 41.1],
                                                  [10.9, 40.9]]]}
# Inside San Marino, 1 km around its capital: not Italy although surrounded by it.
SAN_MARINO = "POLYGON((12.44 43.93, 12.45 43.93, 12.45 43.94, 12.44 43.94, 12.44 43.93))"


@pytest.fixture
def cooperative():
    return CooperativeFactory(sectors=[])


def _set(cooperative, area, **fields):
    cooperative_interests_set(actor=coop_user(cooperative, "admin"), cooperative_id=cooperative.pk, area=area,
                              **fields)
    return Cooperative.objects.get(pk=cooperative.pk)


def _refused(cooperative, area):
    with pytest.raises(RegistryValidationError) as refused:
        _set(cooperative, area)
    assert refused.value.field == "area"
    return refused.value.code, refused.value.messages[0]


def test_a_geojson_polygon_as_posted_text_is_stored_as_a_multipolygon_and_matches_the_site_inside(cooperative):
    stored = _set(cooperative, json.dumps(ROMA_AREA), kinds=["building"])
    assert stored.territory_area.geom_type == "MultiPolygon" and stored.territory_area.srid == 4326
    assert stored.territory_area.num_coords == 5
    verified_site(title="Dentro l'area")
    verified_site(title="A Milano", location=GEOSGeometry("POINT(9.19 45.4642)", srid=4326))
    matches = ranked(stored)
    assert [m.site.title for m in matches] == ["Dentro l'area"]
    assert matches[0].reasons[0] == "dentro l'area che avete disegnato sulla mappa"


def test_two_areas_in_wkt_and_geojson_make_one_territory(cooperative):
    roma = GEOSGeometry(json.dumps(ROMA_AREA), srid=4326)
    both = GEOSGeometry(f"MULTIPOLYGON(({roma.wkt[len('POLYGON ('):-1]}),{MILANO_WKT[len('POLYGON'):]})", srid=4326)
    stored = _set(cooperative, both)
    assert len(stored.territory_area) == 2
    assert stored.territory_area.contains(GEOSGeometry("POINT(9.19 45.4642)", srid=4326))


@pytest.mark.parametrize(("area", "code"), [
    (BOW_TIE, "self_intersection"),
    ({"type": "Point", "coordinates": [12.49, 41.89]}, "wrong_type"),
    ({"type": "LineString", "coordinates": [[12.45, 41.86], [12.55, 41.92]]}, "wrong_type"),
    ("not json", "invalid_geojson"),
    (TYRRHENIAN, "out_of_bounds"),
    (SAN_MARINO, "out_of_bounds"),
    ({"type": "Polygon", "coordinates": [[[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]]]}, "out_of_bounds"),
    ({"type": "Polygon", "coordinates": [GIANT_RECTANGLE]}, "area_too_large"),
    ({"type": "Polygon", "coordinates": [circle_ring(12.49, 41.89, 20_000, vertices=2001)]}, "too_many_vertices"),
    ("SRID=3857;POLYGON((0 0, 1 0, 1 1, 0 0))", "srid_not_allowed"),
], ids=["self-intersecting", "point", "line", "not-json", "sea", "san-marino", "paris", "giant", "vertices", "srid"])
def test_a_bad_area_is_refused_with_its_code_and_the_old_one_is_kept(cooperative, area, code):
    _set(cooperative, ROMA_AREA)
    if isinstance(area, str) and area.startswith("POLYGON"):
        area = GEOSGeometry(area, srid=4326)
    assert _refused(cooperative, area)[0] == code
    assert Cooperative.objects.get(pk=cooperative.pk).territory_area.num_coords == 5


def test_the_size_limit_is_named_in_the_refusal(cooperative, settings):
    settings.REGISTRY_MAX_TERRITORY_KM2 = 26_000
    code, message = _refused(cooperative, {"type": "Polygon", "coordinates": [GIANT_RECTANGLE]})
    assert code == "area_too_large" and "59252 km²" in message and "al massimo 26000" in message


def test_a_region_sized_area_is_accepted_and_one_polygon_at_sea_refuses_the_whole_drawing(cooperative):
    # About 150 × 110 km over Lazio, sea included: 16,000 km², under the limit.
    lazio = {"type": "Polygon", "coordinates": [[[11.6, 41.2], [13.4, 41.2], [13.4, 42.2], [11.6, 42.2],
                                                 [11.6, 41.2]]]}
    assert _set(cooperative, lazio).territory_area.area > 1
    with_sea = {"type": "MultiPolygon", "coordinates": [ROMA_AREA["coordinates"], TYRRHENIAN["coordinates"]]}
    code, message = _refused(cooperative, with_sea)
    assert code == "out_of_bounds" and "11.000000, 41.000000" in message


@pytest.mark.parametrize("empty", [None, "", "  ", {"type": "MultiPolygon", "coordinates": []}],
                         ids=["none", "empty-text", "blank", "no-coordinates"])
def test_an_empty_drawing_clears_the_area(cooperative, empty):
    assert _set(cooperative, ROMA_AREA).territory_area is not None
    assert _set(cooperative, empty, regions=["12"]).territory_area is None
