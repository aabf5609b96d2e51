"""Part 4 on `sites`: POST a GeoJSON Feature, PUT/PATCH with If-Match (412 stale, 428 missing), DELETE =
archive where the policy allows, OPTIONS naming this user's methods; the services, validation codes, audit and
idempotency of /api/v1/; /api/v1/sites/ takes a Feature body too."""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from commons.models import Site, SiteStatus
from tests.factories import MILANO, ROMA, square, staff_user, verified_user

pytestmark = pytest.mark.django_db
ITEMS = "/ogc/collections/sites/items"


def feature(**properties):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(ROMA)},
            "properties": {"title": "Ex scuola Pascoli", "kind": "building", **properties}}


def send(client, method, url, data, **headers):
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/geo+json", headers=headers)


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_a_feature_is_created_then_replaced_updated_and_archived_with_its_etags(reporter_client):
    created = send(reporter_client, "post", ITEMS, feature())
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created["Location"].endswith(f"{ITEMS}/{pk}") and created["ETag"] == f'"site-{pk}-v1"'
    assert created.json()["properties"]["municipality"] == "058091"
    missing = send(reporter_client, "put", f"{ITEMS}/{pk}", feature(title="Senza If-Match"))
    assert missing.status_code == 428 and missing.json()["errors"][0]["code"] == "if_match_required"
    replaced = send(reporter_client, "put", f"{ITEMS}/{pk}", feature(title="Ex scuola Carducci"),
                    **{"If-Match": created["ETag"]})
    assert replaced.status_code == 200 and replaced["ETag"] == f'"site-{pk}-v2"'
    stale = send(reporter_client, "patch", f"{ITEMS}/{pk}", {"properties": {"title": "Vecchia"}, "type": "Feature",
                                                             "geometry": None}, **{"If-Match": created["ETag"]})
    assert stale.status_code == 412 and stale.json()["errors"][0]["code"] == "stale_version"
    patched = send(reporter_client, "patch", f"{ITEMS}/{pk}", {"floor_area_m2": 250},
                   **{"If-Match": replaced["ETag"]})
    assert patched.status_code == 200 and patched.json()["properties"]["title"] == "Ex scuola Carducci"
    site = Site.objects.get(pk=pk)
    assert (site.title, site.floor_area_m2, site.version) == ("Ex scuola Carducci", 250, 3)
    assert site.events.count() >= 3  # audited by the services (pghistory)
    refused = reporter_client.delete(f"{ITEMS}/{pk}", headers={"If-Match": patched["ETag"]})
    assert refused.status_code == 403  # the policy: a reporter does not archive
    staff = token_client(staff_user("058091"))
    assert staff.delete(f"{ITEMS}/{pk}").status_code == 428
    archived = staff.delete(f"{ITEMS}/{pk}?reason=Demolito", headers={"If-Match": patched["ETag"]})
    assert archived.status_code == 204
    site.refresh_from_db()
    assert site.status == SiteStatus.ARCHIVED and Site.objects.filter(pk=pk).exists()  # nothing is deleted


def test_the_same_validation_codes_as_the_api(reporter_client):
    cases = [
        (feature(status="verified"), ("status", "read_only_field")),
        (feature(colour="red"), ("colour", "unknown_field")),
        ({**feature(), "geometry": {"type": "Point", "coordinates": [41.89, 12.49]}}, ("location", "out_of_bounds")),
        ({**feature(), "geometry": {"type": "LineString", "coordinates": [[12.4, 41.8], [12.5, 41.9]]}},
         ("location", "wrong_type")),
        ({"type": "Feature", "geometry": None, "properties": {"title": "x", "kind": "building"}},
         ("location", "required")),
    ]
    for body, expected in cases:
        response = send(reporter_client, "post", ITEMS, body)
        assert response.status_code == 400, body
        assert expected in {(e["field"], e["code"]) for e in response.json()["errors"]}, response.json()
    assert Site.objects.count() == 0


def test_an_outline_feature_is_placed_at_a_point_inside_it(reporter_client):
    body = {"type": "Feature", "geometry": json.loads(square(*MILANO).geojson),
            "properties": {"title": "Cascina", "kind": "land"}}
    response = send(reporter_client, "post", ITEMS, body)
    assert response.status_code == 201, response.content
    site = Site.objects.get(pk=response.json()["id"])
    assert site.outline is not None and site.municipality_id == "015146"


def test_writes_need_a_token_or_a_session_and_are_refused_on_areas(client, reporter_client):
    anonymous = send(client, "post", ITEMS, feature())
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Token")
    assert send(reporter_client, "post", "/ogc/collections/regions/items", feature()).status_code == 405


def test_options_names_the_methods_this_user_may_use(client, reporter_client, reporter):
    assert client.options(ITEMS)["Allow"] == "GET, HEAD, OPTIONS"
    assert reporter_client.options(ITEMS)["Allow"] == "GET, HEAD, OPTIONS, POST"
    pk = send(reporter_client, "post", ITEMS, feature()).json()["id"]
    assert reporter_client.options(f"{ITEMS}/{pk}")["Allow"] == "GET, HEAD, OPTIONS, PUT, PATCH"
    assert token_client(staff_user("058091")).options(f"{ITEMS}/{pk}")["Allow"] == (
        "GET, HEAD, OPTIONS, PUT, PATCH, DELETE")
    assert token_client(verified_user()).options(f"{ITEMS}/{pk}")["Allow"] == "GET, HEAD, OPTIONS"
    assert client.options("/ogc/collections/regions/items")["Allow"] == "GET, HEAD, OPTIONS"


def test_a_create_sent_twice_with_one_idempotency_key_creates_one_site(reporter_client):
    first = send(reporter_client, "post", ITEMS, feature(), **{"Idempotency-Key": "ogc-key-1"})
    again = send(reporter_client, "post", ITEMS, feature(), **{"Idempotency-Key": "ogc-key-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and Site.objects.count() == 1
    other = send(reporter_client, "post", ITEMS, feature(title="Altro"), **{"Idempotency-Key": "ogc-key-1"})
    assert other.status_code == 422


def test_the_v1_api_takes_a_geojson_feature_body_too(reporter_client):
    response = send(reporter_client, "post", "/api/v1/sites/", feature(description="Da QGIS"))
    assert response.status_code == 201, response.content
    assert response.json()["properties"]["description"] == "Da QGIS"
    bad = send(reporter_client, "post", "/api/v1/sites/", {**feature(), "extra": 1})
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "invalid_feature"


def test_a_feature_sent_back_whole_as_gis_clients_do_changes_only_what_was_edited(reporter_client):
    """QGIS and GDAL PUT the whole feature they read: the registry's members come back unchanged (or empty on a
    new feature) and are not taken as an attempt to set them; a changed one still is (A2)."""
    created = send(reporter_client, "post", ITEMS, {**feature(), "properties": {
        **feature()["properties"], "description": "Chiusa dal 2012.", "status": None, "region": None,
        "updated_at": None}})
    assert created.status_code == 201, created.content
    served = reporter_client.get(f"{ITEMS}/{created.json()['id']}")
    whole = served.json()
    whole["properties"]["title"] = "Ex scuola rinominata"
    replaced = send(reporter_client, "put", f"{ITEMS}/{whole['id']}", whole, **{"If-Match": served["ETag"]})
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["properties"]["title"] == "Ex scuola rinominata"
    assert Site.objects.get(pk=whole["id"]).description == "Chiusa dal 2012."  # not served, so not replaced
    whole["properties"]["status"] = "verified"
    escalation = send(reporter_client, "put", f"{ITEMS}/{whole['id']}", whole, **{"If-Match": replaced["ETag"]})
    assert escalation.status_code == 400
    assert ("status", "read_only_field") in {(e["field"], e["code"]) for e in escalation.json()["errors"]}
    assert Site.objects.get(pk=whole["id"]).status == SiteStatus.REPORTED


def test_ogc_writes_count_against_the_same_rate_limits_as_the_api(reporter_client, settings):
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "write_burst": "3/min", "write_sustained": "1000/hour"}}
    cache.clear()
    statuses = [send(reporter_client, "post", "/api/v1/sites/", feature()).status_code,
                *(send(reporter_client, "post", ITEMS, feature()).status_code for _ in range(3))]
    assert statuses == [201, 201, 201, 429]
    cache.clear()


def test_html_follows_the_language_asked_for(client):
    english = client.get("/ogc/collections?f=html", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Dormant sites (points)" in english and '<html lang="en">' in english
    assert client.head("/ogc/collections/sites/items").status_code == 200
