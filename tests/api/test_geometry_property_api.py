"""G4 end to end: random outlines posted to the API are stored iff valid, inside Italy and plain WGS84."""

import json

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commons.models import Site

pytestmark = pytest.mark.django_db
# Town centres well inside the land, so a small ring around them is on Italian territory.
TOWNS = [(12.4922, 41.8902), (9.19, 45.4642), (11.2558, 43.7696), (16.8719, 41.1171), (13.3615, 38.1157)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(town=st.sampled_from(TOWNS),
       offsets=st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5)), min_size=3, max_size=7),
       swapped=st.booleans(), with_crs=st.booleans())
def test_property_an_outline_is_stored_iff_valid_in_italy_and_wgs84(reporter_client, town, offsets, swapped,
                                                                    with_crs):
    ring = [[round(town[0] + dx * 0.001, 6), round(town[1] + dy * 0.001, 6)] for dx, dy in offsets]
    ring.append(ring[0])
    sent = [[lat, lon] for lon, lat in ring] if swapped else ring
    outline = {"type": "Polygon", "coordinates": [sent]}
    if with_crs:
        outline["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    before = Site.objects.count()
    response = reporter_client.post("/api/v1/sites/", data=json.dumps(
        {"title": "Area", "kind": "land", "outline": outline}), content_type="application/json")
    valid = shapely.Polygon(ring).is_valid
    if valid and not swapped and not with_crs:
        assert response.status_code == 201, response.content
        assert Site.objects.count() == before + 1
    else:
        assert response.status_code == 400, response.content
        code = response.json()["errors"][0]["code"]
        if with_crs:
            assert code == "srid_not_allowed"
        elif swapped:
            assert code == "out_of_bounds" and response.json()["errors"][0]["hint"]
        else:
            assert code in ("self_intersection", "invalid_geometry")
        assert Site.objects.count() == before
