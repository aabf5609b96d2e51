"""Reporting and editing sites over the API: geometry codes (G1), bodies (G2), vertex limit (G3), If-Match (C2),
fields a citizen may not set (A2)."""

import json
import math

import pytest
from django.contrib.gis.geos import Point

from commons.models import Site, SiteStatus
from tests.factories import (
    GIANT_RECTANGLE, MILANO, ROMA, SAN_MARINO_DOGANA, SAN_MARINO_DOMAGNANO, SLOVENIA_CIRCLE, VATICAN, SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/sites/"


def body(**overrides):
    data = {"title": "Ex scuola Pascoli", "kind": "building", "description": "Chiusa dal 2012.",
            "location": {"type": "Point", "coordinates": list(ROMA)}}
    data.update(overrides)
    return data


def ring(vertices, lon=12.49, lat=41.89, radius=0.002):
    points = [[lon + radius * math.cos(2 * math.pi * i / (vertices - 1)),
               lat + radius * math.sin(2 * math.pi * i / (vertices - 1))] for i in range(vertices - 1)]
    return points + [points[0]]


def send(client, method, url, data, **headers):
    text = data if isinstance(data, str) else json.dumps(data)
    return getattr(client, method)(url, data=text, content_type="application/json", headers=headers)


def errors_of(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


def test_a_reporter_creates_a_site_placed_in_its_areas(reporter_client, reporter):
    response = send(reporter_client, "post", URL, body())
    assert response.status_code == 201, response.content
    feature = response.json()
    assert feature["type"] == "Feature" and feature["geometry"] == {"type": "Point", "coordinates": list(ROMA)}
    props = feature["properties"]
    assert (props["region"], props["province"], props["municipality"]) == ("12", "058", "058091")
    assert props["areas"]["municipality"]["name"] == "Roma"
    assert props["status"] == SiteStatus.REPORTED and props["version"] == 1
    assert response["ETag"] == f'"site-{feature["id"]}-v1"'
    assert response["Location"].endswith(f"/api/v1/sites/{feature['id']}/")
    site = Site.objects.get(pk=feature["id"])
    assert site.reporter == reporter and site.source == "citizen"
    assert "reporter" not in props and reporter.email not in response.content.decode()


def test_an_outline_alone_gives_a_point_inside_it_and_an_area(reporter_client):
    outline = {"type": "Polygon", "coordinates": [ring(40)]}
    response = send(reporter_client, "post", URL, body(location=None, outline=outline) | {"location": None})
    assert response.status_code == 400  # an explicit null location is refused ...
    data = body(outline=outline)
    del data["location"]
    response = send(reporter_client, "post", URL, data)  # ... an absent one comes from the outline
    assert response.status_code == 201, response.content
    site = Site.objects.get(pk=response.json()["id"])
    assert site.outline.contains(site.location) and site.outline.geom_type == "MultiPolygon"
    assert 100_000 < site.land_area_m2 < 150_000


def test_anonymous_clients_cannot_write(api_client):
    response = send(api_client, "post", URL, body())
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Token")
    assert errors_of(response) == {(None, "not_authenticated")}
    assert not Site.objects.exists()


@pytest.mark.parametrize("member, value", [
    ("status", "verified"), ("source", "anbsc"), ("reporter", 1), ("region", "03"), ("municipality", "015146"),
    ("version", 7), ("hidden", True), ("land_area_m2", 5), ("id", 99), ("duplicate_of", 1),
])
def test_a_citizen_cannot_set_what_the_registry_decides(reporter_client, member, value):
    response = send(reporter_client, "post", URL, body(**{member: value}))
    assert response.status_code == 400
    assert errors_of(response) == {(member, "read_only_field")}
    assert not Site.objects.exists()


def test_unknown_members_and_bad_values_are_named(reporter_client):
    response = send(reporter_client, "post", URL, body(colour="red", kind="castle", title=""))
    assert response.status_code == 400
    assert errors_of(response) == {("colour", "unknown_field")}
    response = send(reporter_client, "post", URL, body(kind="castle", title="", dormant_since=3000))
    assert errors_of(response) == {("kind", "invalid_choice"), ("title", "blank"), ("dormant_since", "max_value")}


SQUARE = [[12.49, 41.89], [12.491, 41.89], [12.491, 41.891], [12.49, 41.891], [12.49, 41.89]]
BAD_GEOMETRIES = [
    ("location", '"not geojson"', "invalid_geojson"),
    ("location", '{"type": "Point", "coordinates": "12,41"}', "invalid_geojson"),
    ("location", '{"type": "LineString", "coordinates": [[12.4, 41.8], [12.5, 41.9]]}', "wrong_type"),
    ("location", '{"type": "GeometryCollection", "geometries": []}', "wrong_type"),
    ("outline", '{"type": "Point", "coordinates": [12.49, 41.89]}', "wrong_type"),
    ("outline", json.dumps({"type": "Polygon", "coordinates": [
        [[12.49, 41.89], [12.5, 41.9], [12.5, 41.89], [12.49, 41.9], [12.49, 41.89]]]}), "self_intersection"),
    ("outline", json.dumps({"type": "Polygon", "coordinates": [SQUARE[:3]]}), "invalid_geojson"),
    ("outline", json.dumps({"type": "Polygon", "coordinates": [ring(2001)]}), "too_many_vertices"),
    ("location", '{"type": "Point", "coordinates": [41.8902, 12.4922]}', "out_of_bounds"),
    ("location", '{"type": "Point", "coordinates": [2.35, 48.85]}', "out_of_bounds"),
    ("location", '{"type": "Point", "coordinates": [12.49, 41.89], "crs": {"type": "name", '
                 '"properties": {"name": "EPSG:3857"}}}', "srid_not_allowed"),
    ("location", '"SRID=3857;POINT(1390000 5140000)"', "srid_not_allowed"),
    ("location", '{"type": "Point", "coordinates": []}', "empty"),
    ("outline", '{"type": "Polygon", "coordinates": []}', "empty"),
    ("location", '{"type": "Point", "coordinates": [12.49, 41.89, 30.0]}', "has_z"),
    ("location", '{"type": "Point", "coordinates": [NaN, 41.89]}', "nan_or_inf"),
    ("location", '{"type": "Point", "coordinates": [12.49, 1e999]}', "nan_or_inf"),
    ("location", '{"type": "Point", "coordinates": [11.0, 40.0]}', "out_of_bounds"),  # Tyrrhenian sea
    # G6: within the coast tolerance of a municipality, but not Italy.
    ("location", json.dumps({"type": "Point", "coordinates": list(VATICAN)}), "out_of_bounds"),
    ("location", json.dumps({"type": "Point", "coordinates": list(SAN_MARINO_DOGANA)}), "out_of_bounds"),
    ("location", json.dumps({"type": "Point", "coordinates": list(SAN_MARINO_DOMAGNANO)}), "out_of_bounds"),
    ("outline", json.dumps({"type": "Polygon", "coordinates": [SLOVENIA_CIRCLE]}), "out_of_bounds"),
    # G7: a rectangle drawn at national zoom overflowed the land area column (a 500).
    ("outline", json.dumps({"type": "Polygon", "coordinates": [GIANT_RECTANGLE]}), "outline_too_large"),
]


def _with_geometry(base, member, geometry_json):
    data = json.dumps(base)
    return data[:-1] + f', "{member}": {geometry_json}}}'


@pytest.mark.parametrize("member, geometry, code", BAD_GEOMETRIES)
def test_every_bad_geometry_is_refused_on_create(reporter_client, member, geometry, code):
    base = {"title": "Ex scuola", "kind": "building"}
    if member == "outline":
        base["location"] = {"type": "Point", "coordinates": list(ROMA)}
    response = send(reporter_client, "post", URL, _with_geometry(base, member, geometry))
    assert response.status_code == 400, response.content
    assert errors_of(response) == {(member, code)}
    assert not Site.objects.exists()
    if "41.8902, 12.4922" in geometry:
        assert "GeoJSON" in response.json()["errors"][0]["hint"]
    if code == "self_intersection":
        assert response.json()["errors"][0]["location"] == pytest.approx([12.495, 41.895])


@pytest.mark.parametrize("member, geometry, code", BAD_GEOMETRIES)
def test_every_bad_geometry_is_refused_on_edit(reporter_client, reporter, member, geometry, code):
    site = SiteFactory(reporter=reporter)
    response = send(reporter_client, "patch", f"{URL}{site.pk}/", _with_geometry({}, member, geometry)
                    .replace("{, ", "{"), **{"If-Match": f'"site-{site.pk}-v1"'})
    assert response.status_code == 400, response.content
    assert errors_of(response) == {(member, code)}
    site.refresh_from_db()
    assert site.version == 1 and site.outline is None and site.location == Point(*ROMA, srid=4326)


def test_errors_speak_the_language_of_the_request(reporter_client):
    swapped = body(location={"type": "Point", "coordinates": [41.8902, 12.4922]})
    english = send(reporter_client, "post", URL, swapped, **{"Accept-Language": "en"}).json()["errors"][0]
    assert english["hint"].startswith("Latitude and longitude swapped?")
    italian = send(reporter_client, "post", URL, swapped, **{"Accept-Language": "it"}).json()["errors"][0]
    assert italian["code"] == "out_of_bounds" and italian["hint"] != english["hint"]


def test_the_vertex_limit_accepts_2000_and_refuses_2001(reporter_client):
    ok = send(reporter_client, "post", URL, body(outline={"type": "Polygon", "coordinates": [ring(2000)]}))
    assert ok.status_code == 201, ok.content
    refused = send(reporter_client, "post", URL, body(outline={"type": "Polygon", "coordinates": [ring(2001)]}))
    assert refused.status_code == 400 and errors_of(refused) == {("outline", "too_many_vertices")}
    assert Site.objects.count() == 1


@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
def test_deeply_nested_json_is_a_400_never_a_500(reporter_client, depth):
    response = send(reporter_client, "post", URL, '{"title": ' + "[" * depth + "]" * depth + "}")
    assert response.status_code == 400
    assert errors_of(response) == {("body", "too_deep")}


def test_oversize_bodies_get_413_and_garbage_a_named_400(reporter_client, settings):
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = send(reporter_client, "post", URL, json.dumps(body(description=padding)))
    assert response.status_code == 413 and errors_of(response) == {("body", "too_large")}
    response = send(reporter_client, "post", URL, "{not json")
    assert response.status_code == 400 and errors_of(response) == {("body", "invalid_json")}
    response = send(reporter_client, "post", URL, "[1, 2]")
    assert response.status_code == 400 and errors_of(response) == {(None, "invalid")}
    response = reporter_client.post(URL, data="title=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and errors_of(response) == {(None, "unsupported_media_type")}
    assert not Site.objects.exists()


def _etag(client, site):
    return client.get(f"{URL}{site.pk}/")["ETag"]


def test_two_edits_from_the_same_version_the_second_gets_412(reporter_client, reporter):
    site = SiteFactory(reporter=reporter)
    etag = _etag(reporter_client, site)
    first = send(reporter_client, "patch", f"{URL}{site.pk}/", {"title": "Primo"}, **{"If-Match": etag})
    assert first.status_code == 200 and first["ETag"] == f'"site-{site.pk}-v2"'
    assert first.json()["properties"]["history"]["version"] == 2
    assert first.json()["properties"]["history"]["last_change"]["label"] == "site.update"
    second = send(reporter_client, "patch", f"{URL}{site.pk}/", {"title": "Secondo"}, **{"If-Match": etag})
    assert second.status_code == 412
    assert second.json()["errors"][0]["code"] == "stale_version"
    assert second.json()["errors"][0]["current_version"] == 2
    site.refresh_from_db()
    assert (site.title, site.version) == ("Primo", 2)


@pytest.mark.parametrize("header", [None, "*"])
def test_an_edit_without_a_version_gets_428(reporter_client, reporter, header):
    site = SiteFactory(reporter=reporter)
    headers = {"If-Match": header} if header else {}
    response = send(reporter_client, "patch", f"{URL}{site.pk}/", {"title": "X"}, **headers)
    assert response.status_code == 428 and errors_of(response) == {(None, "if_match_required")}
    site.refresh_from_db()
    assert site.title != "X" and site.version == 1


def test_only_the_reporter_or_staff_edit(reporter_client, staff_client, api_client):
    site = SiteFactory(reporter=UserFactory())
    headers = {"If-Match": f'"site-{site.pk}-v1"'}
    assert send(reporter_client, "patch", f"{URL}{site.pk}/", {"title": "X"}, **headers).status_code == 403
    assert send(api_client, "patch", f"{URL}{site.pk}/", {"title": "X"}, **headers).status_code == 401
    response = send(staff_client, "patch", f"{URL}{site.pk}/", {"title": "Rivisto"}, **headers)
    assert response.status_code == 200 and response.json()["properties"]["title"] == "Rivisto"


def test_moving_a_site_moves_its_areas_and_put_replaces_every_field(reporter_client, reporter):
    site = SiteFactory(reporter=reporter, address="Via Roma 1", floor_area_m2=300)
    moved = send(reporter_client, "patch", f"{URL}{site.pk}/",
                 {"location": {"type": "Point", "coordinates": list(MILANO)}}, **{"If-Match": f'"site-{site.pk}-v1"'})
    assert moved.status_code == 200 and moved.json()["properties"]["municipality"] == "015146"
    replaced = send(reporter_client, "put", f"{URL}{site.pk}/", body(title="Nuovo"), **{"If-Match": moved["ETag"]})
    assert replaced.status_code == 200, replaced.content
    props = replaced.json()["properties"]
    assert (props["title"], props["address"], props["floor_area_m2"], props["municipality"]) == (
        "Nuovo", "", None, "058091")
    partial_put = send(reporter_client, "put", f"{URL}{site.pk}/", {"title": "Solo titolo"},
                       **{"If-Match": replaced["ETag"]})
    assert partial_put.status_code == 400
    assert ("kind", "required") in errors_of(partial_put)
