"""owslib (PyPI), a client written by others, reads the landing page, collections, queryables and items with a
CQL2 filter and a CRS, and makes a Part 4 round trip over HTTP: create, update with a stale ETag → 412, update with
the current one → 200, archive."""

import json

import pytest
from owslib.ogcapi.features import Features
from rest_framework.authtoken.models import Token

from commons.models import Site, SiteStatus
from commons.services.demo import seed_demo
from mapping.read.features import forget_extents
from tests.factories import ROMA, staff_user, verified_user

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(live_server, user=None, **headers):
    api = Features(f"{live_server.url}/ogc/")
    api.headers = {**api.headers, **headers}  # owslib's default headers are one shared dict: never update it
    if user is not None:
        api.headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return api


def test_owslib_reads_the_landing_page_collections_queryables_and_filtered_items(live_server):
    seed_demo(sites=120, seed=5)
    forget_extents()
    api = client_for(live_server)
    assert any(link["rel"] == "service-desc" for link in api.links)
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in api.conformance()["conformsTo"]
    assert {"sites", "site-outlines", "regions", "provinces", "municipalities"} <= set(api.feature_collections())
    queryables = api.collection_queryables("sites")
    assert queryables["properties"]["geometry"]["$ref"].endswith("Point.json")
    items = api.collection_items("sites", filter="kind IN ('land','building') AND region = '12'", limit=500)
    expected = Site.objects.visible().filter(kind__in=["land", "building"], region_id="12").count()
    assert items["numberMatched"] == len(items["features"]) == expected
    projected = api.collection_items("sites", limit=1, crs="http://www.opengis.net/def/crs/EPSG/0/3004")
    assert api.response_headers["Content-Crs"] == "<http://www.opengis.net/def/crs/EPSG/0/3004>"
    easting, northing = projected["features"][0]["geometry"]["coordinates"]
    assert 1_900_000 < easting < 2_900_000 and 3_900_000 < northing < 5_300_000  # Monte Mario / Italy zone 2


def test_a_part_4_round_trip_over_http(live_server):
    reporter = verified_user()
    api = client_for(live_server, reporter)
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(ROMA)},
               "properties": {"title": "Ex mercato coperto", "kind": "building"}}
    assert api.collection_item_create("sites", feature)
    location, created_etag = api.response_headers["Location"], api.response_headers["ETag"]
    pk = location.rsplit("/", 1)[1]
    edited = {**feature, "properties": {**feature["properties"], "title": "Ex mercato coperto di Testaccio"}}
    api.headers = {**api.headers, "Content-Type": "application/geo+json", "If-Match": created_etag}
    assert api.collection_item_update("sites", pk, json.dumps(edited))
    current = api.response_headers["ETag"]
    assert current != created_etag
    with pytest.raises(RuntimeError, match="stale_version"):  # the first ETag again: 412
        api.collection_item_update("sites", pk, json.dumps(feature))
    assert Site.objects.get(pk=pk).title == "Ex mercato coperto di Testaccio"
    api.headers["If-Match"] = current
    assert api.collection_item_update("sites", pk, json.dumps({**edited, "properties": {
        **edited["properties"], "floor_area_m2": 900}}))
    staff = client_for(live_server, staff_user("058091"), **{"If-Match": api.response_headers["ETag"]})
    assert staff.collection_item_delete("sites", pk)
    site = Site.objects.get(pk=pk)
    assert (site.status, site.floor_area_m2) == (SiteStatus.ARCHIVED, 900)
    assert api.collection_item("sites", pk)["properties"]["status"] == "archived"
