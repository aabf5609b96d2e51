"""Proposed changes from the ground: accepted or declined by the municipality's staff (moderators anywhere), with
a reason, audited, on the public timeline; nobody else decides."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from commons.errors import ConflictError, RegistryValidationError
from commons.freshness import freshness_of
from commons.models import (
    Answer, ChangeStatus, Confirmation, Freshness, Photo, Site, SiteStatus,
)
from commons.services.confirmations import change_accept, change_decline, site_confirm, sites_confirm_bulk
from commons.timeline import site_timeline
from tests.commons.test_site_confirm import LONG_AGO, jpeg, stale_site
from tests.factories import coop_user, CooperativeFactory, moderator_user, staff_user, verified_user

pytestmark = pytest.mark.django_db
ROMA, MILANO = "058091", "015146"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def proposed(answer=Answer.WORKS_STARTED, **site_fields):
    site = stale_site(**site_fields)
    confirmation = site_confirm(actor=verified_user(), site_id=site.pk, answer=answer, note="Visto oggi",
                                image=jpeg())
    return site, confirmation


def test_accepting_works_started_puts_the_site_in_reuse_confirms_it_and_shows_the_photo():
    site, confirmation = proposed()
    staff = staff_user(ROMA)
    change_accept(actor=staff, confirmation_id=confirmation.pk, reason="Verificato: lavori in corso")
    site.refresh_from_db()
    confirmation.refresh_from_db()
    assert site.status == SiteStatus.IN_REUSE and site.version == 2
    assert freshness_of(site.last_confirmed_at) == Freshness.FRESH and site.last_confirmed_by == "citizen"
    assert (confirmation.change_status, confirmation.decided_by, confirmation.decision_reason) == (
        ChangeStatus.ACCEPTED, staff, "Verificato: lavori in corso")
    assert not Photo.objects.get(pk=confirmation.photo_id).hidden
    event = site.events.order_by("-pgh_id").first()  # the status change is in the site's audit trail
    assert event.status == SiteStatus.IN_REUSE
    assert event.pgh_context.metadata["action"] == "site.change_accept"
    assert event.pgh_context.metadata["actor"] == staff.pk


@pytest.mark.parametrize("answer, field, value", [
    (Answer.REUSED, "status", SiteStatus.IN_REUSE), (Answer.DEMOLISHED, "status", SiteStatus.ARCHIVED),
    (Answer.SOLD, "ownership", "private"), (Answer.UNSAFE, "condition", "ruin"), (Answer.OTHER, "status", "reported"),
])
def test_each_change_has_one_effect_when_accepted(answer, field, value):
    site, confirmation = proposed(answer)
    change_accept(actor=moderator_user(), confirmation_id=confirmation.pk)
    assert getattr(Site.objects.get(pk=site.pk), field) == value


def test_declining_needs_a_reason_and_leaves_the_site_as_it_was():
    site, confirmation = proposed()
    staff = staff_user(ROMA)
    with pytest.raises(RegistryValidationError):
        change_decline(actor=staff, confirmation_id=confirmation.pk, reason=" ")
    change_decline(actor=staff, confirmation_id=confirmation.pk, reason="È l'edificio accanto")
    site.refresh_from_db()
    assert site.status == SiteStatus.REPORTED and freshness_of(site.last_confirmed_at) == Freshness.STALE
    assert Photo.objects.get(pk=confirmation.photo_id).hidden
    event = confirmation.events.order_by("-pgh_id").first()
    assert (event.change_status, event.pgh_context.metadata["reason"]) == ("declined", "È l'edificio accanto")


@pytest.mark.parametrize("who", [
    lambda: staff_user(MILANO), verified_user, lambda: coop_user(CooperativeFactory(), "admin"),
])
def test_only_the_municipality_s_staff_and_moderators_decide(who):
    site, confirmation = proposed()
    with pytest.raises(PermissionDenied):
        change_accept(actor=who(), confirmation_id=confirmation.pk)
    with pytest.raises(PermissionDenied):
        change_decline(actor=who(), confirmation_id=confirmation.pk, reason="No")
    confirmation.refresh_from_db()
    assert confirmation.change_status == ChangeStatus.PROPOSED


def test_a_change_is_decided_once():
    _site, confirmation = proposed()
    change_accept(actor=staff_user(ROMA), confirmation_id=confirmation.pk)
    with pytest.raises(ConflictError) as caught:
        change_decline(actor=moderator_user(), confirmation_id=confirmation.pk, reason="Tardi")
    assert caught.value.code == "already_decided"


def test_the_public_timeline_shows_answers_and_decisions_by_role_never_by_name():
    site, confirmation = proposed()
    other = site_confirm(actor=verified_user(), site_id=site.pk, answer=Answer.SOLD)
    change_decline(actor=staff_user(ROMA), confirmation_id=other.pk, reason="Ancora comunale")
    change_accept(actor=staff_user(ROMA), confirmation_id=confirmation.pk, reason="Cantiere aperto")
    with translation.override("en"):
        entries = [(e.action, e.actor, e.reason, e.status) for e in site_timeline(site)]
    assert ("confirmation.change", "a citizen", "Works started", "") in entries
    assert ("confirmation.declined", "Municipality of Roma", "Ancora comunale", "") in entries
    assert ("site.change_accept", "Municipality of Roma", "Cantiere aperto", "in_reuse") in entries
    assert not any(e[0] == "confirmation.accepted" for e in entries)  # shown once, by the site's own entry
    assert all("@" not in str(e[1]) for e in entries)


def test_staff_confirm_many_sites_at_once_each_audited_and_only_their_own():
    mine = [stale_site() for _ in range(3)]
    staff = staff_user(ROMA)
    assert sites_confirm_bulk(actor=staff, site_ids=[s.pk for s in mine]) == (3, 0)
    assert sites_confirm_bulk(actor=staff, site_ids=[mine[0].pk]) == (0, 1)  # once a month
    for site in mine:
        site.refresh_from_db()
        assert freshness_of(site.last_confirmed_at) == Freshness.FRESH and site.last_confirmed_by == "municipality"
        event = Confirmation.objects.get(site=site).events.get()
        assert event.pgh_context.metadata["actor"] == staff.pk
    with pytest.raises(PermissionDenied):
        sites_confirm_bulk(actor=staff_user(MILANO), site_ids=[stale_site().pk])
    with pytest.raises(PermissionDenied):
        sites_confirm_bulk(actor=verified_user(), site_ids=[stale_site().pk])
    assert Site.objects.filter(last_confirmed_at__lt=timezone.now() - LONG_AGO / 2).count() == 2
