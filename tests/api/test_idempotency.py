"""Idempotency-Key on every creating request (C8): a retry answers the first result and does nothing again, another
body is 422, a bad key 400, 20 simultaneous sends make one site, keys are per user and expire."""

import datetime as dt
import io
import json
import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.client import encode_multipart
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from commons.models import Confirmation, CooperativeMembership, IdempotencyKey, Photo, Proposal, Site, Subscription
from commons.services.idempotency import idempotency_claim
from commons.services.lifecycle import site_verify
from commons.services.sites import site_report
from tests.factories import ROMA, CooperativeFactory, SiteFactory, moderator_user, verified_user

pytestmark = pytest.mark.django_db
SITES = "/api/v1/sites/"
KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def report(title="Ex scuola Pascoli"):
    return {"title": title, "kind": "building", "location": {"type": "Point", "coordinates": list(ROMA)}}


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def post_json(client, url, data, key=KEY):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, data=json.dumps(data), content_type="application/json", headers=headers)


def jpeg(colour="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def post_photo(client, url, data, key=KEY, boundary="retry-boundary-1"):
    """Multipart encoded by hand, so that a retry can carry another boundary as a browser's would."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    parts = {"caption": data["caption"], "image": SimpleUploadedFile("facciata.jpg", data["image"])}
    return client.post(url, data=encode_multipart(boundary, parts),
                       content_type=f"multipart/form-data; boundary={boundary}", headers={"Idempotency-Key": key})


def _site_endpoint(user):
    return SITES, report(), report("Ex caserma"), post_json, lambda: Site.objects.count()


def _photo_endpoint(user):
    site = SiteFactory(reporter=user)
    first, other = {"caption": "Facciata", "image": jpeg("red")}, {"caption": "Facciata", "image": jpeg("blue")}
    return f"{SITES}{site.pk}/photos/", first, other, post_photo, lambda: Photo.objects.count()


def _proposal_endpoint(user):
    cooperative = CooperativeFactory()
    CooperativeMembership.objects.create(cooperative=cooperative, user=user, role="admin")
    site = SiteFactory(ownership="municipality")
    site_verify(site_id=site.pk, actor=moderator_user())
    body = {"cooperative": cooperative.pk, "title": "Orti sociali", "summary": "Orti per il quartiere",
            "reuse_category": "agriculture"}
    return f"{SITES}{site.pk}/proposals/", body, {**body, "title": "Casa di comunità"}, post_json, \
        lambda: Proposal.objects.count()


def _subscription_endpoint(user):
    return "/api/v1/subscriptions/", {"kind": "region", "area_code": "12"}, {"kind": "region", "area_code": "03"}, \
        post_json, lambda: Subscription.objects.count()


def _confirmation_endpoint(user):
    site = SiteFactory()
    return f"{SITES}{site.pk}/confirmations/", {"answer": "still_dormant"}, \
        {"answer": "still_dormant", "note": "Visto oggi"}, post_json, lambda: Confirmation.objects.count()


ENDPOINTS = {"sites": _site_endpoint, "photos": _photo_endpoint, "proposals": _proposal_endpoint,
             "subscriptions": _subscription_endpoint, "confirmations": _confirmation_endpoint}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_retry_answers_the_first_result_and_creates_nothing_more(endpoint):
    user = verified_user()
    client = client_for(user)
    url, body, _other, send, count = ENDPOINTS[endpoint](user)
    before = count()
    first = send(client, url, body)
    assert first.status_code == 201, first.content
    retries = [send(client, url, body) for _ in range(3)]
    assert count() == before + 1
    for retry in retries:
        assert (retry.status_code, retry.content) == (201, first.content)
        assert retry["Content-Type"] == first["Content-Type"]
        assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert IdempotencyKey.objects.get().status == 201


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_the_same_key_with_another_body_is_422_and_does_nothing(endpoint):
    user = verified_user()
    client = client_for(user)
    url, body, other, send, count = ENDPOINTS[endpoint](user)
    assert send(client, url, body).status_code == 201
    created = count()
    response = send(client, url, other)
    assert response.status_code == 422
    assert response.json() == {"errors": [{"field": "Idempotency-Key", "code": "idempotency_key_reused",
                                           "message": response.json()["errors"][0]["message"]}]}
    assert "Idempotency-Key" in response.json()["errors"][0]["message"]
    assert count() == created
    assert send(client, url, body).status_code == 201  # the first request can still be retried


def test_a_site_replay_repeats_location_and_etag():
    client = client_for(verified_user())
    first = post_json(client, SITES, report())
    retry = post_json(client, SITES, report())
    assert retry["Location"] == first["Location"] and retry["ETag"] == first["ETag"]
    assert retry["Content-Type"] == "application/geo+json"


def test_member_order_and_spacing_do_not_make_another_body():
    client = client_for(verified_user())
    assert post_json(client, SITES, report()).status_code == 201
    reordered = json.dumps(dict(reversed(list(report().items()))), indent=2)
    retry = client.post(SITES, data=reordered, content_type="application/json", headers={"Idempotency-Key": KEY})
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert Site.objects.count() == 1


def test_a_photo_sent_again_with_a_new_multipart_boundary_is_the_same_request():
    user = verified_user()
    client = client_for(user)
    url, body, _other, _send, _count = _photo_endpoint(user)
    first = post_photo(client, url, body, boundary="first-try")
    retry = post_photo(client, url, body, boundary="second-try-from-the-phone")
    assert first.status_code == 201 and retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true" and Photo.objects.count() == 1


def test_the_same_key_on_another_operation_is_422():
    client = client_for(verified_user())
    assert post_json(client, SITES, report()).status_code == 201
    response = post_json(client, "/api/v1/subscriptions/", {"kind": "region", "area_code": "12"})
    assert response.status_code == 422 and not Subscription.objects.exists()


def test_a_quoted_key_as_the_draft_writes_it_is_the_same_key():
    client = client_for(verified_user())
    assert post_json(client, SITES, report(), key=KEY).status_code == 201
    retry = post_json(client, SITES, report(), key=f'"{KEY}"')
    assert retry["Idempotent-Replayed"] == "true" and Site.objects.count() == 1


@pytest.mark.parametrize("key, code", [
    ("", "invalid_idempotency_key"),
    ("two words", "invalid_idempotency_key"),
    ("one,two", "invalid_idempotency_key"),  # two header fields, joined by the server
    ('"unterminated', "invalid_idempotency_key"),
    ("città", "invalid_idempotency_key"),
    ("k" * 256, "idempotency_key_too_long"),
    ('"' + "k" * 256 + '"', "idempotency_key_too_long"),
])
def test_a_malformed_or_too_long_key_is_400_and_does_nothing(key, code):
    client = client_for(verified_user())
    response = post_json(client, SITES, report(), key=key)
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("Idempotency-Key", code)]
    assert not Site.objects.exists() and not IdempotencyKey.objects.exists()


def test_the_longest_key_is_accepted():
    client = client_for(verified_user())
    assert post_json(client, SITES, report(), key="k" * 255).status_code == 201


def test_without_a_key_every_request_creates():
    client = client_for(verified_user())
    assert [post_json(client, SITES, report(), key=None).status_code for _ in range(2)] == [201, 201]
    assert Site.objects.count() == 2 and not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_the_same_key_from_two_users_is_two_keys(endpoint):
    answers = []
    for user in (verified_user(), verified_user()):
        url, body, _other, send, count = ENDPOINTS[endpoint](user)
        before = count()
        answers.append(send(client_for(user), url, body))
        assert count() == before + 1
    assert [a.status_code for a in answers] == [201, 201] and answers[0].content != answers[1].content
    assert not answers[1].has_header("Idempotent-Replayed")
    assert IdempotencyKey.objects.filter(key=KEY).count() == 2


def test_each_user_replays_only_their_own_answer():
    alice, bruno = verified_user(), verified_user()
    first = post_json(client_for(alice), SITES, report("Di Alice"))
    second = post_json(client_for(bruno), SITES, report("Di Bruno"))
    assert first.status_code == second.status_code == 201 and first.content != second.content
    assert not second.has_header("Idempotent-Replayed")
    assert Site.objects.filter(reporter=alice).count() == Site.objects.filter(reporter=bruno).count() == 1
    assert post_json(client_for(alice), SITES, report("Di Alice")).content == first.content
    assert post_json(client_for(bruno), SITES, report("Di Bruno")).content == second.content


def test_a_client_error_is_kept_and_replayed():
    client = client_for(verified_user())
    bad = {**report(), "kind": "castle"}
    first = post_json(client, SITES, bad)
    retry = post_json(client, SITES, bad)
    assert first.status_code == retry.status_code == 400 and retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true" and not Site.objects.exists()


def test_a_server_error_keeps_nothing_and_the_retry_runs_again(monkeypatch):
    client = client_for(verified_user())
    client.raise_request_exception = False

    def broken(**kwargs):
        site_report(**kwargs)  # the site is written, then the request fails
        raise RuntimeError("the database went away")

    monkeypatch.setattr("mapping.api.views.sites.site_report", broken)
    assert post_json(client, SITES, report()).status_code == 500
    assert not Site.objects.exists() and not IdempotencyKey.objects.exists()
    monkeypatch.undo()
    retry = post_json(client, SITES, report())
    assert retry.status_code == 201 and not retry.has_header("Idempotent-Replayed")
    assert Site.objects.count() == 1


def test_expired_keys_are_removed_by_the_command_and_are_new_again(capsys):
    user = verified_user()
    client = client_for(user)
    assert post_json(client, SITES, report()).status_code == 201
    assert post_json(client, SITES, report(), key="recent-key").status_code == 201
    IdempotencyKey.objects.filter(key=KEY).update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25))
    call_command("expire_idempotency_keys")
    assert "Removed 1 idempotency key" in capsys.readouterr().out
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent-key"]
    again = post_json(client, SITES, report("Another site, same old key"))
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert Site.objects.count() == 3


def test_a_key_past_its_lifetime_is_new_even_before_the_command_runs():
    client = client_for(verified_user())
    assert post_json(client, SITES, report()).status_code == 201
    IdempotencyKey.objects.update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=24, minutes=1))
    again = post_json(client, SITES, report("Another site"))
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert Site.objects.count() == 2 and IdempotencyKey.objects.get().status == 201


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_sends_with_one_key_create_one_site():
    token = Token.objects.create(user=verified_user()).key
    barrier = threading.Barrier(20)
    answers = []

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait()
            response = post_json(client, SITES, report())
            answers.append((response.status_code, response.content, response.get("Idempotent-Replayed")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    print(f"C8 20 simultaneous sends: {Counter((status, replayed) for status, _body, replayed in answers)}, "
          f"sites {Site.objects.count()}")
    assert len(answers) == 20 and {status for status, _body, _replayed in answers} == {201}
    assert len({body for _status, body, _replayed in answers}) == 1
    assert [replayed for _status, _body, replayed in answers].count("true") == 19
    assert Site.objects.count() == 1 and IdempotencyKey.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_retry_waiting_longer_than_allowed_for_the_first_request_gets_409(settings):
    settings.REGISTRY_IDEMPOTENCY_WAIT_SECONDS = 1
    user = verified_user()
    claimed, release = threading.Event(), threading.Event()

    def first_request_still_running():
        try:
            with transaction.atomic():
                idempotency_claim(actor=user, key=KEY, method="POST", path=SITES, body_sha256="0" * 64)
                claimed.set()
                release.wait(timeout=30)
                transaction.set_rollback(True)
        finally:
            connection.close()

    holder = threading.Thread(target=first_request_still_running)
    holder.start()
    assert claimed.wait(timeout=30)
    try:
        response = post_json(client_for(user), SITES, report())
    finally:
        release.set()
        holder.join(timeout=30)
    assert response.status_code == 409 and response["Retry-After"] == "1"
    assert response.json()["errors"][0]["code"] == "idempotency_key_in_progress"
    assert not Site.objects.exists()
    assert post_json(client_for(user), SITES, report()).status_code == 201  # the first one never finished


def test_the_wait_limit_applies_to_the_key_only_not_to_the_work_it_guards():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        before = cursor.fetchone()[0]
        idempotency_claim(actor=verified_user(), key=KEY, method="POST", path=SITES, body_sha256="0" * 64)
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == before
        transaction.set_rollback(True)


def test_the_schema_documents_the_header_on_every_creating_operation():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    creating = {("/api/v1/sites/", "post"), ("/api/v1/sites/{id}/photos/", "post"),
                ("/api/v1/sites/{id}/proposals/", "post"), ("/api/v1/subscriptions/", "post")}
    for path, method in creating:
        operation = schema["paths"][path][method]
        headers = [p for p in operation["parameters"] if p["in"] == "header"]
        assert [p["name"] for p in headers] == ["Idempotency-Key"], path
        assert {"409", "422"} <= set(operation["responses"]), path
