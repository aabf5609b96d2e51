"""Confirming a site on the ground (commons.services.confirmations.site_confirm): who, once a month, what it
changes (only "still dormant" confirms at once), and every bad input refused with nothing written."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from commons.errors import ConflictError, RegistryValidationError
from commons.models import (
    Answer, ChangeStatus, Confirmation, ConfirmerRole, Freshness, Photo, Site, SiteNotice, SiteStatus,
)
from commons.freshness import freshness_of
from commons.services.confirmations import site_confirm
from commons.services.lifecycle import site_archive, site_hide, site_mark_duplicate
from commons.services.sites import site_report
from tests.factories import SiteFactory, UserFactory, moderator_user, staff_user, verified_user

pytestmark = pytest.mark.django_db
LONG_AGO = dt.timedelta(days=800)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg(name="cantiere.jpg"):
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    Image.new("RGB", (40, 30), "orange").save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue())


def stale_site(**fields):
    site = SiteFactory(**fields)
    Site.objects.filter(pk=site.pk).update(last_confirmed_at=timezone.now() - LONG_AGO, last_confirmed_by="dataset")
    site.refresh_from_db()
    return site


def test_still_dormant_confirms_the_site_at_once_with_the_role_of_who_confirmed():
    site = stale_site()
    assert freshness_of(site.last_confirmed_at) == Freshness.STALE
    citizen = verified_user()
    confirmation = site_confirm(actor=citizen, site_id=site.pk, answer=Answer.STILL_DORMANT, note="Chiuso, erba alta")
    site.refresh_from_db()
    assert confirmation.role == ConfirmerRole.CITIZEN and confirmation.change_status == ""
    assert site.last_confirmed_by == ConfirmerRole.CITIZEN
    assert freshness_of(site.last_confirmed_at) == Freshness.FRESH
    assert site.version == 1 and site.status == SiteStatus.REPORTED  # nothing else moves


@pytest.mark.parametrize("who, role", [
    (lambda site: staff_user("058091"), ConfirmerRole.MUNICIPALITY),
    (lambda site: moderator_user(), ConfirmerRole.MODERATOR),
    (lambda site: site.reporter, ConfirmerRole.REPORTER),
    (lambda site: staff_user("015146"), ConfirmerRole.CITIZEN),  # another municipality's staff: a citizen here
])
def test_the_public_role_is_the_closest_one_to_the_site(who, role):
    site = stale_site(reporter=verified_user())
    site_confirm(actor=who(site), site_id=site.pk, answer=Answer.STILL_DORMANT)
    site.refresh_from_db()
    assert site.last_confirmed_by == role


def test_a_report_is_a_confirmation_by_its_reporter_or_the_municipality():
    point = SiteFactory.build().location
    by_citizen = site_report(actor=verified_user(), title="Ex cinema", kind="building", location=point)
    by_staff = site_report(actor=staff_user("058091"), title="Ex mattatoio", kind="building", location=point)
    assert (by_citizen.last_confirmed_by, by_staff.last_confirmed_by) == (ConfirmerRole.REPORTER,
                                                                           ConfirmerRole.MUNICIPALITY)
    assert freshness_of(by_citizen.last_confirmed_at) == Freshness.FRESH


def test_a_change_is_never_applied_directly_it_waits_as_a_proposal():
    site = stale_site()
    before = (site.status, site.last_confirmed_at, site.version)
    confirmation = site_confirm(actor=verified_user(), site_id=site.pk, answer=Answer.WORKS_STARTED,
                                note="Ponteggi e cartello di cantiere", image=jpeg())
    site.refresh_from_db()
    assert (site.status, site.last_confirmed_at, site.version) == before
    assert confirmation.change_status == ChangeStatus.PROPOSED
    photo = Photo.objects.get(pk=confirmation.photo_id)
    assert photo.hidden and photo.site_id == site.pk  # shown only once the change is accepted
    assert b"SpyCam" not in photo.image.read()  # the same clean re-encode as every photo
    assert SiteNotice.objects.filter(site=site, title__contains=str(Answer.WORKS_STARTED.label)).exists()


def test_one_confirmation_per_person_site_and_month_and_the_database_enforces_it():
    site, citizen = stale_site(), verified_user()
    site_confirm(actor=citizen, site_id=site.pk, answer=Answer.STILL_DORMANT)
    with pytest.raises(ConflictError) as caught:
        site_confirm(actor=citizen, site_id=site.pk, answer=Answer.REUSED)
    assert caught.value.code == "already_confirmed"
    with pytest.raises(IntegrityError), transaction.atomic():  # even written around the service
        Confirmation.objects.create(site=site, user=citizen, role="citizen", answer=Answer.STILL_DORMANT)
    assert Confirmation.objects.filter(site=site).count() == 1
    site_confirm(actor=verified_user(), site_id=site.pk, answer=Answer.STILL_DORMANT)  # someone else may
    assert Confirmation.objects.filter(site=site).count() == 2


def _refused(site_id, actor=None, **kwargs):
    counts = (Confirmation.objects.count(), Photo.objects.count())
    with pytest.raises((RegistryValidationError, ConflictError, PermissionDenied)) as caught:
        site_confirm(actor=actor or verified_user(), site_id=site_id, **{"answer": Answer.STILL_DORMANT, **kwargs})
    assert (Confirmation.objects.count(), Photo.objects.count()) == counts
    return getattr(caught.value, "code", "permission_denied")


def test_hidden_merged_archived_and_unknown_sites_cannot_be_confirmed():
    moderator = moderator_user()
    hidden, merged, archived, survivor = stale_site(), stale_site(), stale_site(), stale_site()
    site_hide(site_id=hidden.pk, actor=moderator, reason="Spam")
    site_mark_duplicate(site_id=merged.pk, survivor_id=survivor.pk, actor=moderator)
    site_archive(site_id=archived.pk, actor=moderator, reason="Crollato")
    assert _refused(hidden.pk) == "not_found"
    assert _refused(merged.pk) == "merged"
    assert _refused(archived.pk) == "not_confirmable"
    assert _refused(10**9) == "not_found"


def test_bad_answers_notes_photos_and_people_are_refused_with_nothing_written():
    site = stale_site()
    assert _refused(site.pk, answer="castle") == "invalid_choice"
    assert _refused(site.pk, note="x" * 1001) == "too_long"
    assert _refused(site.pk, answer=Answer.SOLD, image=SimpleUploadedFile("a.jpg", b"<svg/>")) == "invalid_image"
    assert _refused(site.pk, actor=UserFactory()) == "permission_denied"  # e-mail not verified
    site.refresh_from_db()
    assert freshness_of(site.last_confirmed_at) == Freshness.STALE


def test_a_confirmation_is_stored_with_its_calendar_month():
    confirmation = site_confirm(actor=verified_user(), site_id=stale_site().pk, answer=Answer.STILL_DORMANT)
    confirmation.refresh_from_db()
    assert confirmation.month == timezone.localdate().replace(day=1)
