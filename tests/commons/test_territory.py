"""commons.services.territory: Italy within the coast tolerance, without San Marino and Vatican City; outline size."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection

from commons.models import Enclave
from commons.services.sites import municipality_at, site_report
from commons.services.territory import COAST_TOLERANCE_M, check_territory, territory_problems
from tests.factories import NAPLES_PIER, ROMA, SAN_MARINO_DOMAGNANO, VATICAN, square, verified_user

pytestmark = pytest.mark.django_db


def box(west, south, east, north):
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=4326)


def test_points_in_italy_and_at_its_coast_pass_and_none_is_skipped():
    assert territory_problems([Point(*ROMA, srid=4326), Point(*NAPLES_PIER, srid=4326), None]) == [None] * 3


def test_a_point_in_an_enclave_is_refused_whatever_the_tolerance():
    vatican, = territory_problems([Point(*VATICAN, srid=4326)])
    assert (vatican.code, vatican.field, vatican.params["location"]) == ("out_of_bounds", "location", list(VATICAN))
    with pytest.raises(Exception) as caught:
        check_territory(None, Point(*SAN_MARINO_DOMAGNANO, srid=4326))
    assert caught.value.code == "out_of_bounds"


def test_a_building_beside_the_vatican_passes_and_one_straddling_its_border_does_not():
    vatican = Enclave.objects.get(code="VA").geom
    _west, south, east, _north = vatican.extent
    beside = box(east + 0.0005, south, east + 0.0015, south + 0.001)  # Borgo, east of the simplified border
    straddling = box(east - 0.001, south + 0.002, east + 0.001, south + 0.003)
    ok, refused = territory_problems([beside, straddling])
    assert ok is None
    assert (refused.code, refused.field) == ("out_of_bounds", "outline")
    assert vatican.contains(Point(*refused.params["location"], srid=4326))


def test_an_outline_may_reach_out_to_sea_only_within_the_tolerance():
    lon, lat = NAPLES_PIER
    near = box(lon, lat - 0.003, lon + 0.001, lat)  # ~300 m beyond the pier
    far = box(lon, lat - 0.05, lon + 0.001, lat)  # ~5 km out into the gulf
    ok, refused = territory_problems([near, far])
    assert ok is None and refused.code == "out_of_bounds"
    assert refused.params["location"][1] < lat - 0.01


def test_the_size_is_checked_before_the_territory(settings):
    settings.REGISTRY_MAX_OUTLINE_KM2 = 1
    at_sea_and_large = box(11.0, 39.0, 11.1, 39.1)  # ~96 km² of open sea
    problem, = territory_problems([at_sea_and_large])
    assert problem.code == "outline_too_large" and problem.params == {"limit": 1, "area": 96}


def test_the_point_rule_agrees_with_the_spatial_join_at_borders_and_coasts():
    with connection.cursor() as cursor:  # vertices of coastal and border municipalities, nudged around
        cursor.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT (ST_DumpPoints(ST_Boundary(geom))).geom AS p "
                       "FROM commons_municipality WHERE code IN ('058091', '063049', '099014', '031007')"
                       ") v ORDER BY md5(ST_AsText(p)) LIMIT 80")
        vertices = cursor.fetchall()
    probes = [Point(x + dx, y + dy, srid=4326) for x, y in vertices
              for dx, dy in ((0.006, 0), (-0.006, 0), (0, 0.009), (0.015, 0.015), (-0.015, -0.015))]
    refused = [problem is not None for problem in territory_problems(probes)]
    # The spatial join alone places San Marino in Rimini (within the tolerance): the enclave is the difference.
    unplaced_or_foreign = [municipality_at(p) is None or Enclave.objects.filter(geom__intersects=p).exists()
                           for p in probes]
    assert refused == unplaced_or_foreign
    assert any(refused) and not all(refused)


def test_a_large_outline_beyond_32_bits_of_square_metres_is_stored_when_the_limit_allows(settings):
    settings.REGISTRY_MAX_OUTLINE_KM2 = 5000
    countryside = box(11.5, 42.6, 12.2, 43.1)  # Val di Chiana and Trasimeno, ~3,200 km²
    site = site_report(actor=verified_user(), title="Tenuta", kind="land", location=Point(11.9, 42.9, srid=4326),
                       outline=countryside)
    site.refresh_from_db()
    assert site.land_area_m2 > 2**31
    assert site.land_area_m2 == pytest.approx(countryside.transform(3035, clone=True).area, rel=1e-4)


def test_the_tolerance_is_a_kilometre_in_the_service_and_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname LIKE 'site_in_territory%%'")
        definitions = [row[0] for row in cursor.fetchall()]
    assert COAST_TOLERANCE_M == 1000 and len(definitions) == 2
    assert all(f"commons_site_in_territory('{COAST_TOLERANCE_M}')" in d for d in definitions)


def test_a_small_outline_in_rome_passes():
    assert territory_problems([square(*ROMA)]) == [None]
