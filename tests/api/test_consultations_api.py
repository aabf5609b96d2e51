"""The consultation over the API: the read carries dates, state, outcome and counts (hidden text never), the
comment POST goes through the service with its errors in the registry format, and the limits answer 429."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from commons.models import ConsultationComment
from commons.services import consultations as service
from tests.commons.test_consultations import _competing, _open
from tests.factories import staff_user, verified_user

pytestmark = pytest.mark.django_db
ROMA = "058091"


def _api(user=None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


def test_the_read_carries_dates_state_counts_and_never_a_hidden_text():
    site, (first, second) = _competing()
    consultation = _open(site)
    shown = service.consultation_comment(actor=verified_user(), consultation_id=consultation.pk, proposal_id=first.pk,
                                         body="Quanti posti di lavoro?", kind="question")
    hidden = service.consultation_comment(actor=verified_user(), consultation_id=consultation.pk,
                                          proposal_id=second.pk, body="Testo offensivo")
    service.consultation_comment_hide(actor=staff_user(ROMA), comment_id=hidden.pk, reason="Offensivo")
    body = _api().get(f"/api/v1/sites/{site.pk}/consultation/").json()
    assert (body["id"], body["state"], body["comment_count"], body["hidden_count"]) == (consultation.pk, "open", 1, 1)
    assert dt.datetime.fromisoformat(body["closes_at"]) == consultation.closes_at
    assert {p["id"]: p["comment_count"] for p in body["proposals"]} == {first.pk: 1, second.pk: 0}
    by_id = {c["id"]: c for c in body["comments"]}
    assert by_id[shown.pk]["body"] == "Quanti posti di lavoro?" and by_id[shown.pk]["kind"] == "question"
    assert by_id[hidden.pk]["body"] is None and by_id[hidden.pk]["hidden_reason"] == "Offensivo"
    assert "Testo offensivo" not in str(body)
    assert _api().get(f"/api/v1/sites/{_competing()[0].pk}/consultation/").status_code == 404


def test_staff_open_and_citizens_comment_over_the_api():
    site, (first, _) = _competing()
    closes_at = (timezone.now() + dt.timedelta(days=10)).isoformat()
    response = _api(staff_user(ROMA)).post(f"/api/v1/sites/{site.pk}/consultation/",
                                           {"question": "Quale?", "closes_at": closes_at}, format="json")
    assert response.status_code == 201 and response.json()["state"] == "open"
    consultation_id = response.json()["id"]
    response = _api(verified_user()).post(f"/api/v1/consultations/{consultation_id}/comments/",
                                          {"proposal": first.pk, "body": "Mi piace"}, format="json")
    assert response.status_code == 201 and response.json()["kind"] == "comment"


def test_bad_input_answers_4xx_naming_the_field_and_writes_nothing(monkeypatch):
    site, (first, _) = _competing()
    _, (elsewhere, _) = _competing(title="Altro bene")
    staff = _api(staff_user(ROMA))
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    far = (timezone.now() + dt.timedelta(days=400)).isoformat()
    for closes_at, code in ((past, "in_past"), (far, "too_far")):
        errors = staff.post(f"/api/v1/sites/{site.pk}/consultation/", {"question": "Q", "closes_at": closes_at},
                            format="json").json()["errors"]
        assert (errors[0]["field"], errors[0]["code"]) == ("closes_at", code)
    consultation = _open(site, days=2)
    citizen, url = _api(verified_user()), f"/api/v1/consultations/{consultation.pk}/comments/"
    for body, field in (({"proposal": first.pk, "body": ""}, "body"),
                        ({"proposal": first.pk, "body": "x" * 5000}, "body"),
                        ({"proposal": elsewhere.pk, "body": "Altrove"}, "proposal")):
        response = citizen.post(url, body, format="json")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == field
    monkeypatch.setattr(timezone, "now", lambda: consultation.closes_at + dt.timedelta(seconds=1))
    response = citizen.post(url, {"proposal": first.pk, "body": "Tardi"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0] | {"message": ""} == {"field": "consultation", "code": "consultation_closed",
                                                              "message": ""}
    assert not ConsultationComment.objects.exists()


def test_the_per_person_limit_answers_429_with_retry_after():
    site, (first, _) = _competing()
    consultation = _open(site)
    citizen = _api(verified_user())
    url = f"/api/v1/consultations/{consultation.pk}/comments/"
    statuses = [citizen.post(url, {"proposal": first.pk, "body": f"Commento {i}"}, format="json")
                for i in range(service.COMMENTS_PER_HOUR + 1)]
    assert [r.status_code for r in statuses] == [201] * service.COMMENTS_PER_HOUR + [429]
    assert statuses[-1].json()["errors"][0]["code"] == "too_many_comments"
    assert 3500 <= int(statuses[-1]["Retry-After"]) <= 3600


def test_api_comments_count_against_the_write_throttles(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"write_burst": "2/min", "write_sustained": None}}
    site, (first, _) = _competing()
    consultation = _open(site)
    citizen = _api(verified_user())
    url = f"/api/v1/consultations/{consultation.pk}/comments/"
    statuses = [citizen.post(url, {"proposal": first.pk, "body": f"C {i}"}, format="json").status_code
                for i in range(3)]
    assert statuses == [201, 201, 429]


def test_a_comment_sent_twice_with_one_idempotency_key_is_written_once_and_a_429_is_not_replayed(monkeypatch):
    site, (first, _) = _competing()
    consultation = _open(site)
    citizen = _api(verified_user())
    url = f"/api/v1/consultations/{consultation.pk}/comments/"
    body = {"proposal": first.pk, "body": "Domanda una volta sola"}
    answers = [citizen.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1") for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201] and answers[1]["Idempotent-Replayed"] == "true"
    assert ConsultationComment.objects.count() == 1
    for i in range(service.COMMENTS_PER_HOUR - 1):
        citizen.post(url, {"proposal": first.pk, "body": f"Altro {i}"}, format="json")
    late = {"proposal": first.pk, "body": "Dopo l'attesa"}
    assert citizen.post(url, late, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 429
    later = timezone.now() + dt.timedelta(hours=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert citizen.post(url, late, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
