"""commons.geovalidation.parse_geometry: every refusal code, the limits, and a property test over random rings."""

import json

import pytest
import shapely
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from commons.errors import RegistryValidationError
from commons.geovalidation import POLYGONAL, WORLD_BBOX, as_multipolygon, parse_geometry
from commons.models.sites import ITALY_BBOX

ROMA = [12.4922, 41.8902]


def polygon(ring):
    return {"type": "Polygon", "coordinates": [ring]}


def square(lon=12.49, lat=41.89, half=0.001):
    return [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
            [lon - half, lat - half]]


def circle_ring(vertices, lon=12.49, lat=41.89, radius=0.01):
    """A closed ring of exactly `vertices` positions (the last repeats the first)."""
    import math

    ring = [[lon + radius * math.cos(2 * math.pi * i / (vertices - 1)),
             lat + radius * math.sin(2 * math.pi * i / (vertices - 1))] for i in range(vertices - 1)]
    return ring + [ring[0]]


def refusal(raw, allowed=("Point",), **kwargs):
    with pytest.raises(RegistryValidationError) as caught:
        parse_geometry(raw, field="geom", allowed=allowed, **kwargs)
    assert caught.value.field == "geom"
    assert caught.value.messages[0]
    return caught.value


def test_a_point_and_a_polygon_in_italy_are_accepted_as_they_are():
    point = parse_geometry({"type": "Point", "coordinates": ROMA}, field="location")
    assert isinstance(point, Point) and point.srid == 4326 and list(point.coords) == ROMA
    outline = parse_geometry(json.dumps(polygon(square())), field="outline", allowed=POLYGONAL)
    assert isinstance(outline, Polygon) and outline.srid == 4326
    assert isinstance(as_multipolygon(outline), MultiPolygon)
    assert as_multipolygon(outline).srid == 4326


@pytest.mark.parametrize("raw, code", [
    ("not json", "invalid_geojson"),
    ("[1, 2]", "invalid_geojson"),
    ({"type": "Point"}, "invalid_geojson"),
    ({"type": "Point", "coordinates": ["12", "41"]}, "invalid_geojson"),
    ({"type": "Point", "coordinates": [12.5]}, "invalid_geojson"),
    ({"type": "Point", "coordinates": [True, False]}, "invalid_geojson"),
    ("[" * 100_000 + "]" * 100_000, "invalid_geojson"),
    ({"type": "GeometryCollection", "geometries": []}, "wrong_type"),
    ({"type": "Feature", "geometry": {"type": "Point", "coordinates": ROMA}}, "wrong_type"),
    ({"type": "Polygon", "coordinates": [square()]}, "wrong_type"),
    ({"type": "Point", "coordinates": []}, "empty"),
    ("", "empty"),
    ({"type": "Point", "coordinates": [12.49, 41.89, 20]}, "has_z"),
    ({"type": "Point", "coordinates": [12.49, 41.89, 20, 1]}, "has_z"),
    ('{"type": "Point", "coordinates": [NaN, 41.89]}', "nan_or_inf"),
    ('{"type": "Point", "coordinates": [12.49, Infinity]}', "nan_or_inf"),
    ('{"type": "Point", "coordinates": [12.49, 1e999]}', "nan_or_inf"),
    ({"type": "Point", "coordinates": ROMA, "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}},
     "srid_not_allowed"),
    ("SRID=3857;POINT(1390000 5140000)", "srid_not_allowed"),
    ({"type": "Point", "coordinates": [2.35, 48.85]}, "out_of_bounds"),
    ({"type": "Point", "coordinates": [200, 41]}, "out_of_bounds"),
])
def test_each_bad_point_is_refused_with_its_code(raw, code):
    assert refusal(raw).code == code


@translation.override("en")
def test_swapped_coordinates_get_a_hint_and_others_do_not():
    swapped = refusal({"type": "Point", "coordinates": [41.8902, 12.4922]})
    assert swapped.code == "out_of_bounds" and "swapped" in swapped.params["hint"]
    paris = refusal({"type": "Point", "coordinates": [2.35, 48.85]})
    assert not (paris.params or {}).get("hint")


@pytest.mark.parametrize("ring, code", [
    ([[12.49, 41.89], [12.5, 41.89], [12.49, 41.89]], "invalid_geojson"),  # 3 positions
    (square()[:-1], "invalid_geojson"),  # not closed: never closed for the client
    ([[12.49, 41.89], [12.5, 41.9], [12.5, 41.89], [12.49, 41.9], [12.49, 41.89]], "self_intersection"),
    ([[12.49, 41.89, 1], [12.5, 41.89, 1], [12.5, 41.9, 1], [12.49, 41.89, 1]], "has_z"),
])
def test_each_bad_ring_is_refused_with_its_code(ring, code):
    assert refusal(polygon(ring), allowed=POLYGONAL).code == code


def test_a_self_intersection_reports_where_it_is():
    bowtie = [[12.49, 41.89], [12.5, 41.9], [12.5, 41.89], [12.49, 41.9], [12.49, 41.89]]
    error = refusal(polygon(bowtie), allowed=POLYGONAL)
    assert error.params["location"] == pytest.approx([12.495, 41.895])
    assert "12.495000" in error.messages[0]


def test_other_invalid_polygons_are_refused_not_repaired():
    hole_outside = {"type": "Polygon", "coordinates": [square(), square(lon=13.0)]}
    assert refusal(hole_outside, allowed=POLYGONAL).code == "invalid_geometry"
    overlapping = {"type": "MultiPolygon", "coordinates": [[square()], [square(half=0.0005)]]}
    assert refusal(overlapping, allowed=POLYGONAL).code == "invalid_geometry"


def test_the_vertex_limit_is_2000_positions(settings):
    assert settings.REGISTRY_MAX_VERTICES == 2000
    assert parse_geometry(polygon(circle_ring(2000)), field="outline", allowed=POLYGONAL).num_points == 2000
    assert refusal(polygon(circle_ring(2001)), allowed=POLYGONAL).code == "too_many_vertices"
    many_rings = {"type": "MultiPolygon", "coordinates": [[square(lon=10 + i * 0.01)] for i in range(401)]}
    assert refusal(many_rings, allowed=POLYGONAL).code == "too_many_vertices"


def test_world_bounds_are_used_for_search_areas_outside_italy():
    around_italy = polygon([[5, 34], [20, 34], [20, 48], [5, 48], [5, 34]])
    assert refusal(around_italy, allowed=POLYGONAL).code == "out_of_bounds"
    assert parse_geometry(around_italy, field="within", allowed=POLYGONAL, bounds=WORLD_BBOX).valid


# Coordinates on a coarse grid around Italy's box: many rings cross themselves, collapse or leave the box.
coordinate = st.tuples(st.integers(0, 30).map(lambda i: 4.0 + i * 0.5),
                       st.integers(0, 30).map(lambda j: 33.0 + j * 0.5))


@settings(max_examples=400, deadline=None)
@given(positions=st.lists(coordinate, min_size=3, max_size=8), with_crs=st.booleans())
def test_property_a_ring_is_accepted_iff_valid_inside_italy_and_plain_wgs84(positions, with_crs):
    ring = [list(p) for p in positions] + [list(positions[0])]
    raw = polygon(ring) | ({"crs": {"type": "name", "properties": {"name": "EPSG:3857"}}} if with_crs else {})
    inside = all(ITALY_BBOX[0] <= x <= ITALY_BBOX[2] and ITALY_BBOX[1] <= y <= ITALY_BBOX[3] for x, y in ring)
    valid = shapely.Polygon(ring).is_valid
    try:
        geom = parse_geometry(raw, field="outline", allowed=POLYGONAL)
    except RegistryValidationError as error:
        assert with_crs or not inside or not valid
        expected = ("srid_not_allowed" if with_crs else "out_of_bounds" if not inside
                    else {"self_intersection", "invalid_geometry"})
        assert error.code in expected if isinstance(expected, set) else error.code == expected
    else:
        assert not with_crs and inside and valid
        assert [list(c) for c in geom.coords[0]] == ring  # exactly what was sent: nothing repaired
