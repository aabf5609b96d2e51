"""Ground truth on the web: the site page's block, the re-check e-mail's landing page (GET never writes), the
unsubscribe page and the work queue's tabs (to re-check with bulk confirm, reported changes) — without JavaScript."""

import re

import pytest
from django.core import mail, signing
from django.test import Client

from commons.models import (
    Answer, ChangeStatus, Confirmation, RecheckOptOut, RecheckRequest, Site, SiteStatus, SubscriptionKind,
)
from commons.services.confirmations import site_confirm
from commons.services.lifecycle import site_archive, site_hide
from commons.services.rechecks import answer_token, recheck_deliver, recheck_enqueue, unsubscribe_token
from commons.services.subscriptions import subscription_create
from tests.commons.test_site_confirm import jpeg, stale_site
from tests.factories import moderator_user, staff_user, verified_user

pytestmark = pytest.mark.django_db
ROMA = "058091"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _client(user=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user:
        client.force_login(user)
    return client


def test_the_site_page_says_when_and_by_whom_a_site_was_last_confirmed_and_offers_to_confirm():
    site = stale_site()
    page = _client(verified_user()).get(f"/beni/{site.pk}/").content.decode()
    assert 'id="ground-truth"' in page and "freshness-stale" in page and "the source dataset" in page
    assert f'action="/beni/{site.pk}/conferma/"' in page and 'value="works_started"' in page
    anonymous = _client().get(f"/beni/{site.pk}/").content.decode()
    assert "Log in to confirm it on the ground" in anonymous and 'id="confirm-form"' not in anonymous


def test_confirming_from_the_site_page_then_a_second_time_in_the_month():
    site, citizen = stale_site(), verified_user()
    client = _client(citizen)
    response = client.post(f"/beni/{site.pk}/conferma/", {"answer": "still_dormant", "note": "Tutto chiuso"})
    assert response.status_code == 302 and response["Location"] == f"/beni/{site.pk}/"
    site.refresh_from_db()
    assert site.last_confirmed_by == "citizen"
    page = client.get(f"/beni/{site.pk}/").content.decode()
    assert "freshness-fresh" in page and 'id="confirm-done"' in page
    again = client.post(f"/beni/{site.pk}/conferma/", {"answer": "reused"})
    assert again.status_code == 409 and "already confirmed" in again.content.decode()
    assert Confirmation.objects.count() == 1


@pytest.mark.parametrize("data, status", [
    ({"answer": "castle"}, 400), ({"answer": "other", "note": "x" * 1001}, 400), ({}, 400),
])
def test_bad_answers_from_the_site_page_are_4xx_and_write_nothing(data, status):
    site = stale_site()
    response = _client(verified_user()).post(f"/beni/{site.pk}/conferma/", data)
    assert response.status_code == status
    assert not Confirmation.objects.exists()


def test_hidden_and_archived_sites_cannot_be_confirmed_from_the_web():
    moderator = moderator_user()
    hidden, archived = stale_site(), stale_site()
    site_hide(site_id=hidden.pk, actor=moderator, reason="Spam")
    site_archive(site_id=archived.pk, actor=moderator, reason="Demolito")
    client = _client(verified_user())
    assert client.post(f"/beni/{hidden.pk}/conferma/", {"answer": "still_dormant"}).status_code == 404
    assert client.post(f"/beni/{archived.pk}/conferma/", {"answer": "still_dormant"}).status_code == 409
    assert client.get(f"/beni/{archived.pk}/conferma/").status_code == 405  # never a write on GET
    assert not Confirmation.objects.exists()


def _emailed_link(follower, site, answer="works_started"):
    subscription_create(user=follower, kind=SubscriptionKind.SITE, site=site)
    recheck_enqueue()
    recheck_deliver()
    links = re.findall(r"https?://[^/\s]+(/conferma/[^/\s]+/)", mail.outbox[-1].body)
    request = RecheckRequest.objects.get(user=follower)
    return next(link for link in links if link == f"/conferma/{answer_token(request, answer)}/")


def test_the_e_mail_link_shows_a_form_on_get_and_answers_on_post_once():
    follower, site = verified_user(), stale_site()
    link = _emailed_link(follower, site)
    visitor = _client()  # not signed in: the link stands for its person
    page = visitor.get(link)
    assert page.status_code == 200
    assert re.search(r'value="works_started" id="[^"]+" checked', page.content.decode())
    assert not Confirmation.objects.exists() and RecheckRequest.objects.get().answered_at is None
    response = visitor.post(link, {"answer": "works_started", "note": "Ponteggi", "image": jpeg()})
    assert response.status_code == 302
    confirmation = Confirmation.objects.get()
    assert (confirmation.user, confirmation.via, confirmation.change_status) == (follower, "email", "proposed")
    assert confirmation.photo is not None
    assert visitor.post(link, {"answer": "still_dormant"}).status_code == 409
    assert visitor.get(link).status_code == 409


def test_forged_and_expired_links_answer_4xx(monkeypatch, settings):
    follower, site = verified_user(), stale_site()
    link = _emailed_link(follower, site)
    client = _client()
    assert client.get(link[:-3] + "xx/").status_code == 400
    assert client.post("/conferma/qualcosa/", {"answer": "still_dormant"}).status_code == 400
    old = signing.time.time() - (settings.REGISTRY_RECHECK_LINK_DAYS + 1) * 86400
    monkeypatch.setattr(signing.time, "time", lambda: old)
    expired = f"/conferma/{answer_token(RecheckRequest.objects.get(), 'still_dormant')}/"
    monkeypatch.undo()
    assert client.get(expired).status_code == 410
    assert client.post(expired, {"answer": "still_dormant"}).status_code == 410
    assert not Confirmation.objects.exists()


def test_the_unsubscribe_link_asks_on_get_and_stops_the_e_mails_on_post():
    follower = verified_user()
    url = f"/conferma/disiscriviti/{unsubscribe_token(follower)}/"
    client = _client()
    assert client.get(url).status_code == 200 and not RecheckOptOut.objects.exists()
    assert client.post(url).status_code == 200 and RecheckOptOut.objects.filter(user=follower).exists()
    assert client.post("/conferma/disiscriviti/falso/").status_code == 400


def test_web_answers_count_against_the_api_s_write_limits(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"write_burst": "2/min", "write_sustained": None}}
    client = _client(verified_user())
    statuses = [client.post(f"/beni/{stale_site().pk}/conferma/", {"answer": "still_dormant"}).status_code
                for _ in range(3)]
    assert statuses[:2] == [302, 302] and statuses[2] == 429


def test_the_to_re_check_tab_lists_old_confirmations_and_confirms_the_ticked_ones():
    mine = [stale_site(title=f"Ex casello {i}") for i in range(3)]
    staff = _client(staff_user(ROMA))
    page = staff.get("/lavoro/?tab=recheck").content.decode()
    assert all(f'name="sites" value="{site.pk}"' in page for site in mine) and 'aria-current="page"' in page
    response = staff.post("/lavoro/riconferma/", {"sites": [mine[0].pk, mine[1].pk]})
    assert response.status_code == 302
    assert [Site.objects.get(pk=s.pk).last_confirmed_by for s in mine] == ["municipality", "municipality", "dataset"]
    assert f'value="{mine[0].pk}"' not in staff.get("/lavoro/?tab=recheck").content.decode()
    outsider = _client(staff_user("015146"))
    outsider.post("/lavoro/riconferma/", {"sites": [mine[2].pk]})
    assert Site.objects.get(pk=mine[2].pk).last_confirmed_by == "dataset"


def test_reported_changes_are_decided_in_the_work_queue_of_the_municipality_or_of_moderators():
    site = stale_site()
    change = site_confirm(actor=verified_user(), site_id=site.pk, answer=Answer.WORKS_STARTED, image=jpeg())
    moderator = _client(moderator_user())
    staff = _client(staff_user(ROMA))
    assert f'id="change-{change.pk}"' in staff.get("/lavoro/?tab=changes").content.decode()
    assert f'id="change-{change.pk}"' not in moderator.get("/lavoro/?tab=changes").content.decode()  # Roma has staff
    _client(staff_user("015146")).post(f"/lavoro/modifiche/{change.pk}/accept/", {"reason": "No"})
    change.refresh_from_db()
    assert change.change_status == ChangeStatus.PROPOSED
    staff.post(f"/lavoro/modifiche/{change.pk}/accept/", {"reason": "Cantiere visto"})
    site.refresh_from_db()
    assert site.status == SiteStatus.IN_REUSE
    page = _client().get(f"/beni/{site.pk}/").content.decode()
    assert "Cantiere visto" in page and "Reported change accepted" in page


def test_moderators_decide_for_municipalities_without_staff_and_see_sites_no_longer_in_their_source():
    site = stale_site()
    change = site_confirm(actor=verified_user(), site_id=site.pk, answer=Answer.DEMOLISHED)
    Site.objects.filter(pk=site.pk).update(missing_from_source_at=site.last_confirmed_at)
    moderator = _client(moderator_user())
    assert f'id="change-{change.pk}"' in moderator.get("/lavoro/?tab=changes").content.decode()
    assert site.title in moderator.get("/lavoro/?tab=sources").content.decode()
    response = moderator.post(f"/lavoro/modifiche/{change.pk}/decline/", {"reason": ""})
    assert response.status_code == 302 and Confirmation.objects.get().change_status == ChangeStatus.PROPOSED
    moderator.post(f"/lavoro/modifiche/{change.pk}/decline/", {"reason": "Ancora in piedi"})
    assert Confirmation.objects.get().change_status == ChangeStatus.DECLINED
