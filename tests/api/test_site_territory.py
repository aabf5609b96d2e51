"""Italy's territory over the API (G6) and the outline size limit (G7): what is refused, with which members, and
what is still accepted at the coast."""

import json

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.db import connection

from commons.models import Site
from tests.factories import GIANT_RECTANGLE, NAPLES_PIER, ROMA, SLOVENIA_CIRCLE, VATICAN, SiteFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/sites/"


def send(client, method, url, data, **headers):
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json", headers=headers)


def report(**geometry):
    return {"title": "Ex deposito", "kind": "industrial", **geometry}


def polygon(ring):
    return {"type": "Polygon", "coordinates": [ring]}


def metres_to_italy(lon, lat):
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(ST_DistanceSphere(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))) "
                       "FROM commons_municipality WHERE ST_DWithin(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326), 1)",
                       [lon, lat, lon, lat])
        return cursor.fetchone()[0]


def test_the_vatican_is_refused_though_rome_is_200_metres_away(reporter_client):
    response = send(reporter_client, "post", URL, report(location={"type": "Point", "coordinates": list(VATICAN)}))
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert (error["field"], error["code"], error["location"]) == ("location", "out_of_bounds", list(VATICAN))
    assert metres_to_italy(*VATICAN) < 1000
    assert not Site.objects.exists()


def test_an_outline_reaching_into_slovenia_names_a_point_of_it_outside_italy(reporter_client):
    outline = Polygon(SLOVENIA_CIRCLE, srid=4326)
    probe = outline.point_on_surface
    assert metres_to_italy(probe.x, probe.y) == 0  # the point alone, which placed the site before, is in Italy
    response = send(reporter_client, "post", URL, report(outline=polygon(SLOVENIA_CIRCLE)))
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("outline", "out_of_bounds")
    lon, lat = error["location"]
    assert outline.contains(Point(lon, lat, srid=4326)) and metres_to_italy(lon, lat) > 1000
    assert f"{lon:.6f}, {lat:.6f}" in error["message"]
    assert not Site.objects.exists()


def test_a_pier_within_the_coast_tolerance_is_still_accepted(reporter_client):
    assert 0 < metres_to_italy(*NAPLES_PIER) < 1000
    response = send(reporter_client, "post", URL, report(location={"type": "Point", "coordinates": list(NAPLES_PIER)}))
    assert response.status_code == 201, response.content
    assert response.json()["properties"]["municipality"] == "063049"  # Napoli
    # An outline around the pier reaching 300 m further out to sea is within the same tolerance.
    lon, lat = NAPLES_PIER
    jetty = [[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat - 0.003], [lon, lat - 0.003], [lon, lat]]
    response = send(reporter_client, "post", URL, report(outline=polygon(jetty)))
    assert response.status_code == 201, response.content


def test_a_giant_outline_is_a_400_naming_the_limit_on_create_and_on_edit(reporter_client, reporter):
    created = send(reporter_client, "post", URL, report(outline=polygon(GIANT_RECTANGLE)), **{"Accept-Language": "en"})
    assert created.status_code == 400, created.content
    [error] = created.json()["errors"]
    assert (error["field"], error["code"]) == ("outline", "outline_too_large")
    assert "at most 500 km²" in error["message"] and "covers 59252 km²" in error["message"]
    italian = send(reporter_client, "post", URL, report(outline=polygon(GIANT_RECTANGLE)), **{"Accept-Language": "it"})
    assert "al massimo 500 km²" in italian.json()["errors"][0]["message"]
    site = SiteFactory(reporter=reporter)
    edited = send(reporter_client, "patch", f"{URL}{site.pk}/", {"outline": polygon(GIANT_RECTANGLE)},
                  **{"If-Match": f'"site-{site.pk}-v1"'})
    assert edited.status_code == 400 and edited.json()["errors"][0]["code"] == "outline_too_large"
    site.refresh_from_db()
    assert site.outline is None and site.version == 1 and Site.objects.count() == 1


def test_the_limit_is_a_setting(reporter_client, settings):
    small = [[12.49, 41.89], [12.52, 41.89], [12.52, 41.91], [12.49, 41.91], [12.49, 41.89]]  # ~5.5 km²
    settings.REGISTRY_MAX_OUTLINE_KM2 = 5
    response = send(reporter_client, "post", URL, report(outline=polygon(small)))
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "outline_too_large"
    settings.REGISTRY_MAX_OUTLINE_KM2 = 6
    assert send(reporter_client, "post", URL, report(outline=polygon(small))).status_code == 201


def test_a_large_allowed_outline_stores_its_land_area(reporter_client):
    # About 20 × 22 km of Tuscan and Umbrian countryside: 450 km², under the 500 km² limit.
    ring = [[11.5, 42.8], [11.75, 42.8], [11.75, 43.0], [11.5, 43.0], [11.5, 42.8]]
    response = send(reporter_client, "post", URL, report(outline=polygon(ring)))
    assert response.status_code == 201, response.content
    site = Site.objects.get(pk=response.json()["id"])
    equal_area = Polygon(ring, srid=4326).transform(3035, clone=True).area  # ETRS89-LAEA, computed by PROJ
    assert 400e6 < site.land_area_m2 < 500e6
    assert site.land_area_m2 == pytest.approx(equal_area, rel=1e-4)
    assert response.json()["properties"]["land_area_m2"] == site.land_area_m2


def test_a_put_moving_a_site_into_the_vatican_is_refused(reporter_client, reporter):
    site = SiteFactory(reporter=reporter)
    response = send(reporter_client, "put", f"{URL}{site.pk}/",
                    report(location={"type": "Point", "coordinates": list(VATICAN)}),
                    **{"If-Match": f'"site-{site.pk}-v1"'})
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "out_of_bounds"
    site.refresh_from_db()
    assert site.location == Point(*ROMA, srid=4326) and site.version == 1
