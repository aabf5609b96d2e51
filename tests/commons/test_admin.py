import pytest
from django.contrib.admin.sites import site as admin_site
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.test import Client
from rest_framework.test import APIClient

from commons.models import NoticeKind, Site, SiteNotice
from tests.factories import (
    GIANT_RECTANGLE, ROMA, SAN_MARINO_DOGANA, SLOVENIA_CIRCLE, VATICAN, SiteFactory, UserFactory, verified_user,
)

pytestmark = pytest.mark.django_db


def _admin(user=None):
    client = Client()
    client.force_login(user or UserFactory(is_staff=True, is_superuser=True))
    return client


def _change_form(**fields):
    return {
        "title": "Ex deposito", "description": "", "kind": "building", "ownership": "municipality",
        "condition": "unknown", "location": _mercator_point(9.19, 45.4642), "location_precision": "exact",
        "source": "citizen", "source_id": "", "cadastral_refs": "", "address": "",
        "photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0", **fields,
    }


def test_every_model_has_an_admin():
    from django.apps import apps

    # Audit events are browsed through pghistory's admin; SiteAggregate is a derived cache (rebuild_aggregates)
    # with a composite primary key, which Django's admin cannot register; Enclave is recomputed from the
    # municipalities at every boundary load, so an edit there would not last; FreshnessClock is the day the
    # aggregates' freshness bands hold for, moved only by their refresh; SiteTermCount, the counts per search term
    # and cell, is kept by triggers like SiteAggregate (rebuilt by rebuild_aggregates).
    derived = {"SiteAggregate", "Enclave", "FreshnessClock", "SiteTermCount"}
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


def test_an_admin_edit_bumps_the_version_so_an_api_client_holding_the_old_etag_gets_412():
    reporter = verified_user()
    site = SiteFactory(reporter=reporter, title="Ex scuola")
    api = APIClient()
    api.force_authenticate(reporter)
    etag = api.get(f"/api/v1/sites/{site.pk}/")["ETag"]

    edited = _admin().post(f"/admin/commons/site/{site.pk}/change/", _change_form(title="Ex scuola (moderata)"))

    assert edited.status_code == 302, edited.content.decode()[:2000]
    site.refresh_from_db()
    assert (site.title, site.version, site.municipality.name) == ("Ex scuola (moderata)", 2, "Milano")
    stale = api.patch(f"/api/v1/sites/{site.pk}/", {"title": "Sovrascritto"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["errors"][0]["code"] == "stale_version"
    site.refresh_from_db()
    assert (site.title, site.version) == ("Ex scuola (moderata)", 2)


def test_an_admin_edit_is_audited_with_the_moderator_and_keeps_the_reporter():
    reporter, moderator = verified_user(), UserFactory(is_staff=True, is_superuser=True)
    site = SiteFactory(reporter=reporter, source_id="")
    _admin(moderator).post(f"/admin/commons/site/{site.pk}/change/",
                           _change_form(source="anbsc", source_id="I-XX-1", reporter=moderator.pk))
    site.refresh_from_db()
    event = site.events.select_related("pgh_context").latest("pgh_id")
    assert (event.pgh_context.metadata["actor"], event.pgh_context.metadata["action"]) == (moderator.pk, "site.update")
    assert (site.reporter, site.source, site.source_id) == (reporter, "citizen", "")  # set by the services only


def test_a_site_added_in_the_admin_is_reported_through_the_service():
    moderator = UserFactory(is_staff=True, is_superuser=True)
    response = _admin(moderator).post("/admin/commons/site/add/", _change_form(title="Ex mercato",
                                                                             outline=""))
    assert response.status_code == 302, response.content.decode()[:2000]
    site = Site.objects.get(title="Ex mercato")
    assert (site.municipality.name, site.version, site.reporter, site.land_area_m2) == ("Milano", 1, moderator, None)
    assert SiteNotice.objects.filter(site=site, kind=NoticeKind.NEW_SITE).count() == 1
    assert site.events.select_related("pgh_context").get().pgh_context.metadata["actor"] == moderator.pk


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


def _photo_rows(*uploads, initial=0):
    rows = {"photos-TOTAL_FORMS": str(initial + len(uploads)), "photos-INITIAL_FORMS": str(initial)}
    for i, upload in enumerate(uploads, start=initial):
        rows.update({f"photos-{i}-image": upload, f"photos-{i}-caption": "Facciata", f"photos-{i}-author": "",
                     f"photos-{i}-site": ""})
    return rows


def test_a_photo_added_in_the_admin_is_re_encoded_without_exif_like_any_upload(settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from commons.models import Photo
    from tests.api.test_photos import jpeg_with_gps

    settings.MEDIA_ROOT = tmp_path
    moderator = UserFactory(is_staff=True, is_superuser=True)
    site = SiteFactory(source_id="")
    upload = SimpleUploadedFile("spy.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = _admin(moderator).post(f"/admin/commons/site/{site.pk}/change/", {
        **_change_form(), **_photo_rows(upload)})
    assert response.status_code == 302, response.content.decode()[:3000]
    photo = Photo.objects.get(site=site)
    assert (photo.caption, photo.uploaded_by) == ("Facciata", moderator)
    stored = photo.image.open("rb").read()
    assert b"<script>" not in stored and b"SpyCam" not in stored
    with Image.open(photo.image.path) as image:
        assert 0x8825 not in image.getexif() and not image.getexif()


def test_a_file_that_is_not_a_photo_is_a_form_error_in_the_admin_and_nothing_is_stored(settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from commons.models import Photo

    settings.MEDIA_ROOT = tmp_path
    site = SiteFactory(source_id="")
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = _admin().post(f"/admin/commons/site/{site.pk}/change/", {**_change_form(), **_photo_rows(fake)})
    assert response.status_code == 200  # the form again, with the error
    assert not Photo.objects.filter(site=site).exists()
    assert list(tmp_path.rglob("*.jpg")) == []
