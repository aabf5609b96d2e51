import pytest
from django.contrib.admin.sites import site as admin_site
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.test import Client

from commons.models import Site
from tests.factories import GIANT_RECTANGLE, ROMA, SAN_MARINO_DOGANA, SLOVENIA_CIRCLE, VATICAN, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def _admin():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_every_model_has_an_admin():
    from django.apps import apps

    # Audit events are browsed through pghistory's admin; SiteAggregate is a derived cache (rebuild_aggregates)
    # with a composite primary key, which Django's admin cannot register; Enclave is recomputed from the
    # municipalities at every boundary load, so an edit there would not last.
    derived = {"SiteAggregate", "Enclave"}
    missing = [m.__name__ for m in apps.get_app_config("commons").get_models()
               if m not in admin_site._registry and not m.__name__.endswith("Event") and m.__name__ not in derived]
    assert missing == []


@pytest.mark.parametrize("model", ["region", "province", "municipality", "site", "cooperative", "proposal", "photo",
                                   "municipalitystaff", "subscription", "sitenotice", "importrun", "sourcedataset"])
def test_admin_lists_load(model):
    SiteFactory()
    assert _admin().get(f"/admin/commons/{model}/").status_code == 200


def test_the_site_form_uses_local_openlayers_and_saves_a_moved_point():
    site = SiteFactory()
    client = _admin()
    page = client.get(f"/admin/commons/site/{site.pk}/change/").content.decode()
    assert "/static/vendor/ol/dist/ol.js" in page
    assert "cdn.jsdelivr.net" not in page
    data = {
        "title": "Ex deposito", "description": "", "kind": "building", "ownership": "municipality",
        "condition": "unknown", "location": _mercator_point(9.19, 45.4642),
        "location_precision": "exact", "source": "citizen", "source_id": "", "cadastral_refs": "", "address": "",
        "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0",
    }
    response = client.post(f"/admin/commons/site/{site.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    site.refresh_from_db()
    assert site.municipality.name == "Milano"
    assert site.location.x == pytest.approx(9.19)


def test_a_point_outside_italy_is_a_form_error_not_a_crash():
    site = SiteFactory()
    data = {
        "title": "Parigi", "kind": "building", "ownership": "unknown", "condition": "unknown",
        "location": _mercator_point(2.35, 48.85), "location_precision": "exact", "source": "citizen",
        "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0",
    }
    response = _admin().post(f"/admin/commons/site/{site.pk}/change/", data)
    assert response.status_code == 200
    assert "outside Italy" in response.content.decode() or "fuori" in response.content.decode()
    site.refresh_from_db()
    assert site.municipality.name == "Roma"


def _admin_post(site, location, outline=None):
    data = {
        "title": "Ex deposito", "kind": "building", "ownership": "unknown", "condition": "unknown",
        "location": _mercator_point(*location), "location_precision": "exact", "source": "citizen",
        "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0",
    }
    if outline is not None:
        shape = Polygon(outline, srid=4326)
        shape.transform(3857)
        data["outline"] = MultiPolygon(shape, srid=3857).json
    return _admin().post(f"/admin/commons/site/{site.pk}/change/", data, headers={"Accept-Language": "en"})


@pytest.mark.parametrize("place", [VATICAN, SAN_MARINO_DOGANA])
def test_a_point_in_the_vatican_or_san_marino_is_a_form_error(place):
    site = SiteFactory()
    response = _admin_post(site, place)
    assert response.status_code == 200
    assert "This place is outside Italy" in response.content.decode()
    site.refresh_from_db()
    assert site.location == Point(*ROMA, srid=4326)


def test_an_outline_into_slovenia_or_too_large_is_a_form_error_naming_why():
    site = SiteFactory()
    response = _admin_post(site, (13.62, 45.94), SLOVENIA_CIRCLE)
    assert response.status_code == 200
    assert "Part of the outline is outside Italy, near 13." in response.content.decode()
    response = _admin_post(site, ROMA, GIANT_RECTANGLE)
    assert response.status_code == 200
    assert "An outline may cover at most 500 km²" in response.content.decode()
    site.refresh_from_db()
    assert site.outline is None and site.location == Point(*ROMA, srid=4326)


def _mercator_point(lon, lat):
    """The admin map widget posts GeoJSON in the map's projection (EPSG:3857)."""
    point = Point(lon, lat, srid=4326)
    point.transform(3857)
    return point.json
