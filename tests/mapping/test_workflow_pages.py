import pytest
from django.test import Client

from commons.models import ProposalStatus, SiteStatus, Subscription
from commons.services.lifecycle import site_verify
from commons.services.proposals import proposal_create
from tests.factories import CooperativeFactory, SiteFactory, coop_user, moderator_user, staff_user, verified_user

pytestmark = pytest.mark.django_db
ROMA = "058091"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_work_queue_lists_reports_of_the_staff_territory_only():
    inside = SiteFactory(title="Ex mattatoio di Roma")
    client = _client(staff_user(ROMA))
    page = client.get("/lavoro/").content.decode()
    assert "Ex mattatoio di Roma" in page
    milan_staff = _client(staff_user("015146"))
    assert "Ex mattatoio di Roma" not in milan_staff.get("/lavoro/").content.decode()
    assert inside.status == SiteStatus.REPORTED


def test_a_citizen_has_no_work_queue():
    assert _client(verified_user()).get("/lavoro/").status_code == 403
    assert Client().get("/lavoro/").status_code == 302  # to the login page


def test_staff_verify_and_accept_from_the_manage_page():
    site = SiteFactory(ownership="municipality")
    staff = _client(staff_user(ROMA))
    assert staff.get(f"/lavoro/siti/{site.pk}/").status_code == 200
    staff.post(f"/lavoro/siti/{site.pk}/verify/", {"reason": "Sopralluogo"})
    site.refresh_from_db()
    assert site.status == SiteStatus.VERIFIED
    cooperative = CooperativeFactory()
    proposal = proposal_create(actor=coop_user(cooperative), site_id=site.pk, cooperative_id=cooperative.pk,
                               title="Ostello", summary="Ostello per giovani", reuse_category="tourism")
    response = staff.post(f"/lavoro/proposte/{proposal.pk}/accept/", {
        "legal_instrument": "comodato", "instrument_start": "2026-01-01", "instrument_end": "2036-01-01", "reason": "Ok"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED


def test_a_bad_decision_is_shown_as_a_message_and_changes_nothing():
    site = SiteFactory(ownership="municipality")
    site_verify(site_id=site.pk, actor=moderator_user())
    cooperative = CooperativeFactory()
    proposal = proposal_create(actor=coop_user(cooperative), site_id=site.pk, cooperative_id=cooperative.pk,
                               title="Ostello", summary="Ostello", reuse_category="tourism")
    staff = _client(staff_user(ROMA))
    response = staff.post(f"/lavoro/proposte/{proposal.pk}/accept/", {"legal_instrument": "", "instrument_start": ""},
                          follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


def test_staff_of_another_town_cannot_manage_or_act():
    site = SiteFactory()
    other = _client(staff_user("015146"))
    assert other.get(f"/lavoro/siti/{site.pk}/").status_code == 403
    assert other.post(f"/lavoro/siti/{site.pk}/verify/", {"reason": "x"}).status_code == 403
    site.refresh_from_db()
    assert site.status == SiteStatus.REPORTED


def test_following_a_site_and_an_area_from_the_web():
    site = SiteFactory()
    user = verified_user()
    client = _client(user)
    client.post(f"/segui/sito/{site.pk}/")
    client.post("/segui/", {"kind": "municipality", "area_code": ROMA})
    client.post("/segui/", {"kind": "region", "area_code": "99"})  # unknown: refused with a message
    assert sorted(Subscription.objects.filter(user=user).values_list("kind", flat=True)) == ["municipality", "site"]
    page = client.get("/profilo/").content.decode()
    assert "/feed/comune/058091/" in page
