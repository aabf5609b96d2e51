"""Re-check requests (commons.services.rechecks, `send_rechecks`): who is asked about what, once per period; one
e-mail per person, never twice even with two runners; signed, single-use, expiring links; unsubscribe."""

import re
import threading
import time

import pytest
from django.contrib.gis.geos import Point
from django.core import mail, signing
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from commons.errors import ConflictError, RegistryValidationError
from commons.models import Answer, Confirmation, RecheckOptOut, RecheckRequest, Site, SiteStatus, SubscriptionKind
from commons.services.confirmations import site_confirm
from commons.services.rechecks import (
    answer_token, read_answer_token, recheck_answer, recheck_deliver, recheck_enqueue, recheck_unsubscribe,
    unsubscribe_token,
)
from commons.services.subscriptions import subscription_create
from tests.factories import MILANO, SiteFactory, UserFactory, staff_user, verified_user

pytestmark = pytest.mark.django_db
DAYS = timezone.timedelta


def aged(site, days):
    Site.objects.filter(pk=site.pk).update(last_confirmed_at=timezone.now() - DAYS(days=days))
    site.refresh_from_db()
    return site


def follow(user, site):
    subscription_create(user=user, kind=SubscriptionKind.SITE, site=site)


def asked():
    return sorted((r.site_id, r.user.email, r.band, r.reason) for r in RecheckRequest.objects.select_related("user"))


def test_the_reporter_followers_and_staff_are_asked_once_about_an_ageing_site():
    reporter, follower, staff = verified_user(email="r@example.org"), verified_user(email="f@example.org"), \
        staff_user("058091", email="s@example.org")
    site = aged(SiteFactory(reporter=reporter), 400)
    follow(follower, site)
    follow(reporter, site)  # a reporter who also follows is asked once, as the reporter
    unverified = UserFactory(email="u@example.org")
    from commons.models import Subscription
    Subscription.objects.create(user=unverified, kind=SubscriptionKind.SITE, site=site)
    opted_out = verified_user(email="o@example.org")
    follow(opted_out, site)
    RecheckOptOut.objects.create(user=opted_out)
    subscription_create(user=verified_user(email="area@example.org"), kind=SubscriptionKind.REGION, area_code="12")
    staff_user("015146", email="milano@example.org")
    assert recheck_enqueue() == 3
    assert asked() == [(site.pk, "f@example.org", "ageing", "follower"),
                       (site.pk, "r@example.org", "ageing", "reporter"), (site.pk, "s@example.org", "ageing", "staff")]
    assert recheck_enqueue() == 0  # once per period


def test_people_following_its_municipality_or_a_drawn_area_around_it_are_asked_too():
    from django.contrib.gis.geos import MultiPolygon, Polygon

    site = aged(SiteFactory(), 400)  # Roma
    around = MultiPolygon(Polygon.from_bbox((12.4, 41.8, 12.6, 42.0)), srid=4326)
    elsewhere = MultiPolygon(Polygon.from_bbox((9.1, 45.4, 9.3, 45.5)), srid=4326)
    subscription_create(user=verified_user(email="comune@example.org"), kind=SubscriptionKind.MUNICIPALITY,
                        area_code="058091")
    subscription_create(user=verified_user(email="zona@example.org"), kind=SubscriptionKind.POLYGON, polygon=around)
    subscription_create(user=verified_user(email="milano@example.org"), kind=SubscriptionKind.POLYGON,
                        polygon=elsewhere)
    both = verified_user(email="both@example.org")
    follow(both, site)
    subscription_create(user=both, kind=SubscriptionKind.MUNICIPALITY, area_code="058091")
    subscription_create(user=verified_user(email="lazio@example.org"), kind=SubscriptionKind.REGION, area_code="12")
    assert recheck_enqueue() == 3
    assert asked() == [(site.pk, "both@example.org", "ageing", "follower"),
                       (site.pk, "comune@example.org", "ageing", "area"),
                       (site.pk, "zona@example.org", "ageing", "area")]
    assert recheck_enqueue() == 0


def test_the_stale_period_asks_again_and_a_confirmation_starts_a_new_cycle():
    follower = verified_user()
    site = aged(SiteFactory(), 400)
    follow(follower, site)
    assert recheck_enqueue() == 1
    Site.objects.filter(pk=site.pk).update(last_confirmed_at=site.last_confirmed_at - DAYS(days=380))
    assert recheck_enqueue() == 1  # now stale: asked once more
    assert recheck_enqueue() == 0
    site_confirm(actor=verified_user(), site_id=site.pk, answer=Answer.STILL_DORMANT)
    assert recheck_enqueue() == 0  # fresh again
    aged(site, 400)
    assert recheck_enqueue() == 1  # a new cycle
    assert RecheckRequest.objects.filter(site=site).count() == 3


def test_fresh_closed_reused_and_pending_sites_are_not_asked_about():
    follower = verified_user()
    fresh = SiteFactory()
    reused = aged(SiteFactory(status=SiteStatus.IN_REUSE), 800)
    archived = aged(SiteFactory(status=SiteStatus.ARCHIVED), 800)
    pending = aged(SiteFactory(), 800)
    for site in (fresh, reused, archived, pending):
        follow(follower, site)
    site_confirm(actor=verified_user(), site_id=pending.pk, answer=Answer.REUSED)
    assert recheck_enqueue() == 0


def _links(body):
    return re.findall(r"https?://\S+/conferma/[^/\s]+/", body)


def test_one_e_mail_per_person_with_one_click_answers_and_an_unsubscribe_link_never_sent_twice():
    follower = verified_user(email="f@example.org")
    sites = [aged(SiteFactory(title=f"Ex scuola {i}"), 500) for i in range(3)]
    for site in sites:
        follow(follower, site)
    recheck_enqueue()
    assert recheck_deliver() == (1, 1)
    assert recheck_deliver() == (0, 0)
    [message] = mail.outbox
    assert message.to == ["f@example.org"] and "3" in message.subject
    answers = [link for link in _links(message.body) if "disiscriviti" not in link]
    assert len(answers) == 3 * len(Answer)
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "/conferma/disiscriviti/" in message.body


@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_send_each_request_once(monkeypatch):
    """Two send_rechecks running together (threads, own connections): SKIP LOCKED gives each person to one."""
    people = [verified_user() for _ in range(6)]
    for person in people:
        follow(person, aged(SiteFactory(), 500))
    recheck_enqueue()
    send = mail.EmailMessage.send

    def slow_send(message, *args, **kwargs):
        time.sleep(0.2)  # both runners are inside their transactions at the same time
        return send(message, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", slow_send)
    results = []

    def runner():
        try:
            results.append(recheck_deliver())
        finally:
            connection.close()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert sum(sent for _people, sent in results) == 6 and all(sent for _people, sent in results)


def test_a_link_names_its_request_and_answer_and_is_single_use():
    follower = verified_user()
    site = aged(SiteFactory(), 500)
    follow(follower, site)
    recheck_enqueue()
    request = RecheckRequest.objects.get()
    token = answer_token(request, Answer.WORKS_STARTED)
    assert read_answer_token(token) == (request, Answer.WORKS_STARTED)
    confirmation = recheck_answer(token=token, answer=Answer.WORKS_STARTED, note="Gru in cantiere")
    assert (confirmation.user, confirmation.via, confirmation.change_status) == (follower, "email", "proposed")
    with pytest.raises(ConflictError) as caught:
        recheck_answer(token=token, answer=Answer.STILL_DORMANT)
    assert caught.value.code == "link_used"
    assert Confirmation.objects.count() == 1


def test_forged_and_expired_links_are_refused(monkeypatch, settings):
    follower = verified_user()
    site = aged(SiteFactory(), 500)
    follow(follower, site)
    recheck_enqueue()
    request = RecheckRequest.objects.get()
    token = answer_token(request, Answer.STILL_DORMANT)
    for forged in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense",
                   signing.dumps({"r": request.pk, "a": "still_dormant"}, salt="another.salt"),
                   signing.dumps({"r": request.pk, "a": "castle"}, salt="commons.recheck.answer"),
                   unsubscribe_token(follower)):
        with pytest.raises(RegistryValidationError) as caught:
            read_answer_token(forged)
        assert caught.value.code == "invalid_link"
    old = signing.time.time() - (settings.REGISTRY_RECHECK_LINK_DAYS + 1) * 86400
    monkeypatch.setattr(signing.time, "time", lambda: old)
    expired = answer_token(request, Answer.STILL_DORMANT)
    monkeypatch.undo()
    with pytest.raises(RegistryValidationError) as caught:
        recheck_answer(token=expired, answer=Answer.STILL_DORMANT)
    assert caught.value.code == "link_expired"
    assert not Confirmation.objects.exists()


def test_unsubscribing_stops_the_requests_of_that_person_only():
    leaving, staying = verified_user(), verified_user()
    site = aged(SiteFactory(location=Point(*MILANO, srid=4326)), 500)
    follow(leaving, site), follow(staying, site)
    recheck_enqueue()
    recheck_unsubscribe(token=unsubscribe_token(leaving))
    recheck_unsubscribe(token=unsubscribe_token(leaving))  # twice is fine
    assert list(RecheckRequest.objects.values_list("user", flat=True)) == [staying.pk]
    call_command("send_rechecks", verbosity=0)
    assert [m.to for m in mail.outbox] == [[staying.email]]


def test_the_command_refreshes_the_bands_then_asks_then_sends():
    follower = verified_user()
    follow(follower, aged(SiteFactory(), 500))
    call_command("send_rechecks", verbosity=0)
    call_command("send_rechecks", verbosity=0)
    assert len(mail.outbox) == 1 and RecheckRequest.objects.filter(sent_at__isnull=False).count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT as_of = (now() AT TIME ZONE 'UTC')::date FROM commons_freshnessclock")
        assert cursor.fetchone()[0]
