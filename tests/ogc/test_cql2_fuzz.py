"""G8 as a property: any CQL2-JSON or text a client can send (random operators, properties, literals, nesting)
is answered 200 or 400, never a server error."""

import json

import pytest
from django.contrib.gis.geos import Point
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapping.ogc.collections import COLLECTIONS
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites(db):
    """A few rows, so that what PostgreSQL only checks row by row (PostGIS relate operations) runs too."""
    return [SiteFactory(location=Point(lon, lat, srid=4326), land_area_m2=area) for lon, lat, area in (
        (12.49, 41.89, 1200), (9.19, 45.46, None), (14.25, 40.85, 80))]
ITEMS = "/ogc/collections/sites/items"
NAMES = [q.name for q in COLLECTIONS["sites"].queryables] + ["reporter", "id", ""]
OPS = ["=", "<>", "<", "<=", ">", ">=", "and", "or", "not", "like", "between", "in", "isNull", "casei",
       "s_intersects", "s_within", "s_disjoint", "s_crosses", "t_after", "+", "accenti", "nope"]
numbers = st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False))
geometries = st.one_of(
    st.builds(lambda x, y: {"type": "Point", "coordinates": [x, y]}, numbers, numbers),
    st.builds(lambda box: {"bbox": box}, st.lists(numbers, min_size=0, max_size=7)),
    st.builds(lambda ring: {"type": "Polygon", "coordinates": [ring]}, st.lists(st.lists(numbers, max_size=3),
                                                                                   max_size=6)),
    st.fixed_dictionaries({"type": st.sampled_from(["GeometryCollection", "LineString", "Weird"]),
                           "geometries": st.just([])}),
)
leaves = st.one_of(
    st.builds(lambda name: {"property": name}, st.sampled_from(NAMES)),
    st.text(max_size=12), numbers, st.booleans(), st.none(), geometries,
    st.builds(lambda text: {"timestamp": text}, st.sampled_from(["2024-01-01T00:00:00Z", "x", "9999-99-99"])),
    st.builds(lambda text: {"date": text}, st.sampled_from(["2024-01-01", "2024-02-30"])),
)
expressions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(lambda op, args: {"op": op, "args": args}, st.sampled_from(OPS), st.lists(inner, max_size=4)),
        st.lists(inner, max_size=3)),
    max_leaves=12)
texts = st.lists(st.sampled_from(["kind", "=", "'land'", "AND", "OR", "NOT", "(", ")", "IN", "LIKE", "'%a_'",
                                  "BETWEEN", "1", "-2.5", ",", "S_INTERSECTS", "geometry", "POINT(12 42)",
                                  "BBOX(12,41,13,42)", "CASEI", "TIMESTAMP('2024-01-01T00:00:00Z')", "updated_at",
                                  "IS", "NULL", "land_area_m2", "true", "\"kind\"", "status"]),
                 max_size=14).map(" ".join)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(expression=expressions)
def test_any_cql2_json_is_answered_200_or_400(client, sites, expression):
    response = client.get(ITEMS, {"filter": json.dumps(expression), "filter-lang": "cql2-json", "limit": 1})
    assert response.status_code in (200, 400), (expression, response.content[:300])


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(text=texts, crs=st.sampled_from(["", "EPSG:4326", "EPSG:3004"]))
def test_any_cql2_text_is_answered_200_or_400(client, sites, text, crs):
    response = client.get(ITEMS, {"filter": text, "filter-crs": crs, "limit": 1})
    assert response.status_code in (200, 400), (text, response.content[:300])
