"""Site notices reach followers by e-mail once (commons.services.notifications, `send_notifications`)."""

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core import mail
from django.core.management import call_command

from commons.models import Delivery, SiteNotice, SubscriptionKind
from commons.services.lifecycle import site_verify
from commons.services.notifications import deliver_pending
from commons.services.proposals import proposal_accept, proposal_create
from commons.services.subscriptions import subscription_create, warn_expiring
from tests.factories import CooperativeFactory, SiteFactory, coop_user, moderator_user, staff_user, verified_user

pytestmark = pytest.mark.django_db


def test_followers_of_the_site_the_area_a_polygon_and_a_saved_search_get_one_e_mail_each():
    site = SiteFactory(kind="building")
    by_site, by_region, by_polygon, by_search, elsewhere = (verified_user() for _ in range(5))
    subscription_create(user=by_site, kind=SubscriptionKind.SITE, site=site)
    subscription_create(user=by_region, kind=SubscriptionKind.REGION, area_code="12")
    subscription_create(user=by_polygon, kind=SubscriptionKind.POLYGON,
                        polygon=MultiPolygon(Polygon.from_bbox((12.4, 41.8, 12.6, 41.95)), srid=4326))
    subscription_create(user=by_search, kind=SubscriptionKind.SEARCH, query="region=12&kind=building")
    subscription_create(user=elsewhere, kind=SubscriptionKind.REGION, area_code="03")
    site_verify(site_id=site.pk, actor=staff_user("058091"), reason="Sopralluogo")
    processed, sent = deliver_pending()
    assert (processed, sent) == (1, 4)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in (by_site, by_region, by_polygon, by_search))
    assert "Verified" in mail.outbox[0].subject or "Verificato" in mail.outbox[0].subject
    assert deliver_pending() == (0, 0)  # nothing is sent twice
    assert Delivery.objects.count() == 4


def test_a_saved_search_that_does_not_match_sends_nothing():
    site = SiteFactory(kind="building")
    subscription_create(user=verified_user(), kind=SubscriptionKind.SEARCH, query="kind=land")
    site_verify(site_id=site.pk, actor=moderator_user())
    assert deliver_pending() == (1, 0)


def test_expiry_warnings_at_90_and_30_days_reach_the_cooperative_once():
    cooperative = CooperativeFactory()
    member = coop_user(cooperative, "admin")
    site = SiteFactory(ownership="municipality")
    site_verify(site_id=site.pk, actor=moderator_user())
    proposal = proposal_create(actor=member, site_id=site.pk, cooperative_id=cooperative.pk,
                               title="Ostello", summary="Ostello", reuse_category="tourism")
    start = dt.date(2020, 1, 1)
    proposal_accept(proposal_id=proposal.pk, actor=moderator_user(), legal_instrument="concessione",
                    instrument_start=start, instrument_end=dt.date(2027, 1, 1))
    deliver_pending()
    mail.outbox.clear()
    assert warn_expiring(today=dt.date(2026, 9, 1)) == 0  # 122 days left
    assert warn_expiring(today=dt.date(2026, 10, 10)) == 1  # 83 days: the 90-day warning
    assert warn_expiring(today=dt.date(2026, 10, 20)) == 0
    assert warn_expiring(today=dt.date(2026, 12, 5)) == 1  # 27 days: the 30-day warning
    call_command("send_notifications", verbosity=0)
    assert [m.to[0] for m in mail.outbox] == [member.email, member.email]
    assert SiteNotice.objects.filter(kind="expiry").count() == 2
