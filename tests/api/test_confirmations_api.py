"""Ground truth over the API: POST /api/v1/sites/{id}/confirmations/ (JSON or multipart with a photo) and
POST /api/v1/confirmations/{id}/accept|decline/; every refusal in the one error format, nothing written."""

import pytest
from rest_framework.test import APIClient

from commons.models import Answer, Confirmation, Photo, Site, SiteStatus
from commons.services.confirmations import site_confirm
from commons.services.lifecycle import site_archive, site_hide, site_mark_duplicate
from tests.commons.test_site_confirm import jpeg, stale_site
from tests.factories import UserFactory, moderator_user, staff_user, verified_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _error(response, status):
    assert response.status_code == status, response.content
    return response.json()["errors"][0]


def test_confirming_still_dormant_answers_201_and_the_site_s_members_say_so():
    site = stale_site()
    response = _client(verified_user()).post(f"/api/v1/sites/{site.pk}/confirmations/",
                                             {"answer": "still_dormant", "note": "Cancello chiuso"}, format="json")
    assert response.status_code == 201
    assert response.json()["role"] == "citizen" and response.json()["change_status"] == ""
    detail = _client().get(f"/api/v1/sites/{site.pk}/").json()["properties"]
    assert (detail["freshness"], detail["last_confirmed_by"]) == ("fresh", "citizen")
    assert detail["version"] == 1  # a confirmation edits nothing: an If-Match in progress stays valid


def test_a_change_with_a_photo_in_multipart_waits_for_the_municipality():
    site = stale_site()
    response = _client(verified_user()).post(f"/api/v1/sites/{site.pk}/confirmations/",
                                             {"answer": "works_started", "image": jpeg()}, format="multipart")
    assert response.status_code == 201 and response.json()["change_status"] == "proposed"
    assert Site.objects.get(pk=site.pk).status == SiteStatus.REPORTED
    assert Photo.objects.get().hidden


def test_bad_input_is_a_clear_4xx_in_the_error_format_and_writes_nothing():
    moderator = moderator_user()
    site, hidden, merged, archived = stale_site(), stale_site(), stale_site(), stale_site()
    site_hide(site_id=hidden.pk, actor=moderator, reason="Spam")
    site_mark_duplicate(site_id=merged.pk, survivor_id=site.pk, actor=moderator)
    site_archive(site_id=archived.pk, actor=moderator, reason="Crollato")
    citizen = _client(verified_user())
    url = "/api/v1/sites/{}/confirmations/"
    assert _error(citizen.post(url.format(site.pk), {"answer": "castle"}, format="json"), 400)["field"] == "answer"
    note = _error(citizen.post(url.format(site.pk), {"answer": "other", "note": "x" * 1001}, format="json"), 400)
    assert (note["field"], note["code"]) == ("note", "max_length")
    assert _error(citizen.post(url.format(site.pk), {"answer": "other", "colour": "x"}, format="json"), 400)[
        "code"] == "unknown_field"
    assert _error(citizen.post(url.format(hidden.pk), {"answer": "still_dormant"}, format="json"), 404)[
        "code"] == "not_found"
    assert _error(citizen.post(url.format(merged.pk), {"answer": "still_dormant"}, format="json"), 409)[
        "code"] == "merged"
    assert _error(citizen.post(url.format(archived.pk), {"answer": "still_dormant"}, format="json"), 409)[
        "code"] == "not_confirmable"
    assert _error(citizen.post(url.format(site.pk), {"answer": "sold", "image": "not a file"}, format="multipart"),
                  400)["field"] == "image"
    assert not Confirmation.objects.exists()
    assert citizen.post(url.format(site.pk), {"answer": "still_dormant"}, format="json").status_code == 201
    assert _error(citizen.post(url.format(site.pk), {"answer": "reused"}, format="json"), 409)[
        "code"] == "already_confirmed"
    assert _error(_client().post(url.format(site.pk), {"answer": "reused"}, format="json"), 401)
    assert _error(_client(UserFactory()).post(url.format(site.pk), {"answer": "reused"}, format="json"), 403)
    assert Confirmation.objects.count() == 1


def test_deciding_over_the_api():
    site = stale_site()
    change = site_confirm(actor=verified_user(), site_id=site.pk, answer=Answer.REUSED)
    url = f"/api/v1/confirmations/{change.pk}/"
    assert _error(_client(verified_user()).post(url + "accept/", {}, format="json"), 403)
    assert _error(_client(staff_user("015146")).post(url + "accept/", {}, format="json"), 403)
    assert _error(_client(moderator_user()).post(url + "decline/", {"reason": ""}, format="json"), 400)[
        "field"] == "reason"
    assert _error(_client(moderator_user()).post(url + "approve/", {}, format="json"), 404)
    accepted = _client(staff_user("058091")).post(url + "accept/", {"reason": "Visto"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["change_status"] == "accepted"
    assert Site.objects.get(pk=site.pk).status == SiteStatus.IN_REUSE
    assert _error(_client(moderator_user()).post(url + "decline/", {"reason": "No"}, format="json"), 409)[
        "code"] == "already_decided"
    still = site_confirm(actor=verified_user(), site_id=site.pk, answer=Answer.STILL_DORMANT)
    assert _error(_client(moderator_user()).post(f"/api/v1/confirmations/{still.pk}/accept/", {}, format="json"), 404)
