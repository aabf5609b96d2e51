"""The consultation on the web, without JavaScript: staff open it from site management, signed-in people comment
while it is open (4xx naming the problem, nothing written, otherwise), hidden comments show only their reason,
the outcome is recorded and the decision page shows it beside the decision."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from commons.models import Consultation, ConsultationComment
from commons.services import consultations as service
from commons.services.proposals import proposal_accept
from tests.commons.test_consultations import _competing, _open
from tests.factories import moderator_user, staff_user, verified_user

pytestmark = pytest.mark.django_db
ROMA = "058091"


def _client(user=None, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user:
        client.force_login(user)
    return client


def _post_comment(client, site, proposal, body="When will it open?", kind="question"):
    return client.post(f"/beni/{site.pk}/consultazione/commenta/", {
        "proposal": proposal.pk, f"p{proposal.pk}-proposal": proposal.pk, f"p{proposal.pk}-kind": kind,
        f"p{proposal.pk}-body": body})


def test_staff_open_the_consultation_from_site_management_and_the_site_page_links_it():
    site, _ = _competing()
    staff = _client(staff_user(ROMA))
    page = staff.get(f"/lavoro/siti/{site.pk}/").content.decode()
    assert f'action="/lavoro/siti/{site.pk}/consultazione/apri/"' in page
    closes_on = timezone.localdate() + dt.timedelta(days=14)
    response = staff.post(f"/lavoro/siti/{site.pk}/consultazione/apri/",
                          {"closes_on": closes_on.isoformat(), "question": "Which project do you prefer?"})
    assert response.status_code == 302 and response["Location"] == f"/beni/{site.pk}/consultazione/"
    consultation = Consultation.objects.get(site=site)
    assert timezone.localtime(consultation.closes_at).date() == closes_on + dt.timedelta(days=1)
    assert timezone.localtime(consultation.closes_at).time() == dt.time.min
    public = _client().get(f"/beni/{site.pk}/").content.decode()
    assert 'id="consultation-banner"' in public and f'href="/beni/{site.pk}/consultazione/"' in public


def test_a_closing_date_in_the_past_opens_nothing():
    site, _ = _competing()
    staff = _client(staff_user(ROMA))
    response = staff.post(f"/lavoro/siti/{site.pk}/consultazione/apri/",
                          {"closes_on": "2020-01-01", "question": "Too late"}, follow=True)
    assert "The closing date must be in the future." in response.content.decode()
    assert not Consultation.objects.exists()


def test_a_citizen_comments_while_it_is_open_and_reads_it_in_italian():
    site, (first, second) = _competing()
    _open(site)
    citizen = _client(verified_user(), language="it")
    response = _post_comment(citizen, site, first)
    assert response.status_code == 302 and response["Location"].endswith(f"#proposal-{first.pk}")
    page = _client(language="it").get(f"/beni/{site.pk}/consultazione/").content.decode()
    assert "Consultazione pubblica" in page and "When will it open?" in page and "1 domanda o commento" in page
    assert 'name="p%d-body"' % first.pk not in page  # anonymous: no form, a login link
    assert "Accedi per commentare" in page
    assert ConsultationComment.objects.get().proposal_id == first.pk


def test_commenting_after_the_closing_date_is_refused_on_the_page_and_nothing_is_written(monkeypatch):
    site, (first, _) = _competing()
    consultation = _open(site, days=2)
    monkeypatch.setattr(timezone, "now", lambda: consultation.closes_at)
    response = _post_comment(_client(verified_user()), site, first)
    assert response.status_code == 400
    assert "The consultation is closed" in response.content.decode()
    assert not ConsultationComment.objects.exists()


def test_empty_or_huge_comments_and_proposals_of_another_site_are_refused():
    site, (first, _) = _competing()
    _, (elsewhere, _) = _competing(title="Altro bene")
    _open(site)
    citizen = _client(verified_user())
    assert _post_comment(citizen, site, first, body="").status_code == 400
    assert _post_comment(citizen, site, first, body="x" * (service.BODY_MAX + 1)).status_code == 400
    response = _post_comment(citizen, site, elsewhere)
    assert response.status_code == 400 and "not one of this consultation" in response.content.decode()
    assert not ConsultationComment.objects.exists()


def test_web_comments_count_against_the_api_s_write_limits(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"write_burst": "2/min", "write_sustained": None}}
    site, (first, _) = _competing()
    _open(site)
    citizen = _client(verified_user())
    statuses = [_post_comment(citizen, site, first, body=f"Commento {i}").status_code for i in range(3)]
    assert statuses == [302, 302, 429]
    assert ConsultationComment.objects.count() == 2


def test_a_hidden_comment_shows_its_reason_never_its_text():
    site, (first, _) = _competing()
    consultation = _open(site)
    comment = service.consultation_comment(actor=verified_user(), consultation_id=consultation.pk,
                                           proposal_id=first.pk, body="Parole offensive")
    staff = _client(staff_user(ROMA))
    assert f'action="/lavoro/commenti/{comment.pk}/nascondi/"' in staff.get(f"/beni/{site.pk}/consultazione/").content.decode()
    assert staff.post(f"/lavoro/commenti/{comment.pk}/nascondi/", {"reason": ""}).status_code == 302
    assert not ConsultationComment.objects.get(pk=comment.pk).hidden  # no reason: nothing hidden
    citizen = _client(verified_user())
    citizen.post(f"/lavoro/commenti/{comment.pk}/nascondi/", {"reason": "Non mi piace"})
    assert not ConsultationComment.objects.get(pk=comment.pk).hidden  # not the citizen's to hide
    staff.post(f"/lavoro/commenti/{comment.pk}/nascondi/", {"reason": "Offensive language"})
    page = _client().get(f"/beni/{site.pk}/consultazione/").content.decode()
    assert "Hidden by the moderators: Offensive language" in page and "Parole offensive" not in page
    assert ConsultationComment.objects.get(pk=comment.pk).body == "Parole offensive"  # kept, never deleted


def test_the_decision_page_shows_the_consultation_outcome_beside_the_decision():
    site, (first, second) = _competing()
    consultation = _open(site)
    moderator = _client(moderator_user())
    response = moderator.post(f"/lavoro/consultazioni/{consultation.pk}/esito/",
                              {"outcome": "Most comments favour the first project."})
    assert response.status_code == 302
    proposal_accept(proposal_id=first.pk, actor=staff_user(ROMA), legal_instrument="patto",
                    instrument_start=dt.date(2027, 1, 1), reason="Chosen after the consultation")
    page = _client().get(f"/proposte/{first.pk}/").content.decode()
    decision, outcome = page.index('id="decision-title"'), page.index('id="consultation-outcome"')
    assert decision < outcome and "Most comments favour the first project." in page
    assert "Most comments favour the first project." in _client().get(f"/proposte/{second.pk}/").content.decode()
    timeline = _client().get(f"/beni/{site.pk}/").content.decode().split('class="registry-timeline', 1)[1]
    assert timeline.index("Public consultation opened") < timeline.index("Outcome of the public consultation")


def test_the_work_queue_lists_the_consultations_awaiting_an_outcome(monkeypatch):
    site, _ = _competing()
    consultation = _open(site, days=2)
    staff = _client(staff_user(ROMA))
    assert "open until" in staff.get("/lavoro/").content.decode().split('id="q-consultations"', 1)[1]
    monkeypatch.setattr(timezone, "now", lambda: consultation.closes_at)
    queue = staff.get("/lavoro/").content.decode().split('id="q-consultations"', 1)[1].split("</section>", 1)[0]
    assert f'href="/beni/{site.pk}/consultazione/"' in queue and "closed, awaiting the outcome" in queue
