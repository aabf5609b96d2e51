import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from commons.errors import ConflictError, RegistryValidationError
from commons.models import Site, SiteNotice, SiteStatus
from commons.services.lifecycle import (
    site_archive, site_hide, site_mark_duplicate, site_reject, site_restore, site_start_reuse, site_verify,
)
from commons.timeline import site_timeline
from tests.factories import MILANO, SiteFactory, moderator_user, staff_user, verified_user

pytestmark = pytest.mark.django_db
ROMA_CODE, MILANO_CODE = "058091", "015146"


def test_staff_of_the_municipality_verifies_a_report_and_the_change_is_audited():
    site = SiteFactory()
    staff = staff_user(ROMA_CODE)
    site_verify(site_id=site.pk, actor=staff, reason="Sopralluogo del 3 marzo")
    site.refresh_from_db()
    assert (site.status, site.version) == (SiteStatus.VERIFIED, 2)
    event = site.events.select_related("pgh_context").latest("pgh_id")
    assert event.status == SiteStatus.VERIFIED
    assert event.pgh_context.metadata["actor"] == staff.pk
    assert event.pgh_context.metadata["action"] == "site.verify"
    assert event.pgh_context.metadata["reason"] == "Sopralluogo del 3 marzo"
    assert SiteNotice.objects.filter(site=site, kind="status").count() == 1


def test_staff_of_another_municipality_cannot_verify():
    site = SiteFactory()
    with pytest.raises(PermissionDenied):
        site_verify(site_id=site.pk, actor=staff_user(MILANO_CODE))
    site.refresh_from_db()
    assert site.status == SiteStatus.REPORTED
    assert not site.events.filter(status=SiteStatus.VERIFIED).exists()


def test_a_citizen_cannot_verify_or_hide():
    site = SiteFactory()
    citizen = verified_user()
    with pytest.raises(PermissionDenied):
        site_verify(site_id=site.pk, actor=citizen)
    with pytest.raises(PermissionDenied):
        site_hide(site_id=site.pk, actor=citizen, reason="spam")


def test_rejecting_needs_a_reason():
    site = SiteFactory()
    with pytest.raises(RegistryValidationError) as error:
        site_reject(site_id=site.pk, actor=staff_user(ROMA_CODE), reason="  ")
    assert (error.value.field, error.value.code) == ("reason", "required")


def test_impossible_transitions_are_conflicts():
    site = SiteFactory()
    staff = staff_user(ROMA_CODE)
    with pytest.raises(ConflictError) as error:
        site_start_reuse(site_id=site.pk, actor=staff)
    assert error.value.code == "invalid_transition"


def test_merge_a_duplicate_then_restore_it():
    moderator = moderator_user()
    survivor, duplicate = SiteFactory(), SiteFactory()
    site_verify(site_id=duplicate.pk, actor=moderator)
    site_mark_duplicate(site_id=duplicate.pk, survivor_id=survivor.pk, actor=moderator, reason="Stesso edificio")
    assert not Site.objects.visible().filter(pk=duplicate.pk).exists()
    assert Site.objects.get(pk=duplicate.pk).duplicate_of == survivor
    restored = site_restore(site_id=duplicate.pk, actor=moderator, reason="Errore")
    assert (restored.status, restored.duplicate_of) == (SiteStatus.VERIFIED, None)
    assert Site.objects.visible().filter(pk=duplicate.pk).exists()


def test_a_site_cannot_be_merged_into_itself():
    site = SiteFactory()
    with pytest.raises(RegistryValidationError):
        site_mark_duplicate(site_id=site.pk, survivor_id=site.pk, actor=moderator_user())


def test_hide_keeps_the_row_and_restore_brings_it_back():
    moderator = moderator_user()
    site = SiteFactory()
    site_hide(site_id=site.pk, actor=moderator, reason="Contenuto offensivo")
    assert Site.objects.filter(pk=site.pk).exists()
    assert not Site.objects.visible().filter(pk=site.pk).exists()
    site_restore(site_id=site.pk, actor=moderator)
    assert Site.objects.visible().filter(pk=site.pk).exists()


def test_bulk_updates_outside_services_are_audited_too():
    site = SiteFactory()
    Site.objects.filter(pk=site.pk).update(status=SiteStatus.ARCHIVED)
    assert site.events.filter(status=SiteStatus.ARCHIVED).exists()


def test_timeline_shows_status_changes_with_role_and_reason_but_no_private_data():
    staff = staff_user(ROMA_CODE, username="mario.rossi", email="mario.rossi@example.org")
    site = SiteFactory()
    site_verify(site_id=site.pk, actor=staff, reason="Sopralluogo")
    site_archive(site_id=site.pk, actor=staff, reason="Demolito")
    with translation.override("en"):
        timeline = site_timeline(site)
    assert [e.action for e in timeline] == ["site.create", "site.verify", "site.archive"]
    verify = timeline[1]
    assert verify.actor == "Municipality of Roma"
    assert verify.reason == "Sopralluogo"
    assert ("status", "Reported", "Verified") in verify.changes
    text = repr(timeline)
    assert "mario" not in text and "example.org" not in text


def test_moving_a_site_out_of_the_staff_territory_removes_their_power():
    from commons.services.sites import site_update
    from django.contrib.gis.geos import Point

    site = SiteFactory()
    site_update(actor=moderator_user(), site_id=site.pk, expected_version=1,
                changes={"location": Point(*MILANO, srid=4326)})
    with pytest.raises(PermissionDenied):
        site_verify(site_id=site.pk, actor=staff_user(ROMA_CODE))
