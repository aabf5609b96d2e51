"""site_report and site_update called directly: they check the policy table themselves and place an outline
sent alone at a point inside it, whatever face calls them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied

from commons.models import Site
from commons.services.sites import site_report, site_update
from tests.factories import MILANO, NAPOLI, ROMA, SiteFactory, UserFactory, square, staff_user, verified_user

pytestmark = pytest.mark.django_db
ROMA_CODE, MILANO_CODE = "058091", "015146"


@pytest.mark.parametrize("actor", [None, AnonymousUser, UserFactory], ids=["none", "anonymous", "unverified_e_mail"])
def test_site_report_refuses_an_actor_who_is_not_a_citizen(actor):
    with pytest.raises(PermissionDenied):
        site_report(actor=actor() if actor else None, title="Ex scuola", kind="building",
                    location=Point(*ROMA, srid=4326))
    assert not Site.objects.exists()


@pytest.mark.parametrize("actor", [verified_user, lambda: staff_user(MILANO_CODE), UserFactory],
                         ids=["another_citizen", "staff_outside", "unverified_e_mail"])
def test_site_update_refuses_an_actor_without_the_edit_role(actor):
    site = SiteFactory(reporter=verified_user(), title="Ex scuola")
    with pytest.raises(PermissionDenied):
        site_update(actor=actor(), site_id=site.pk, expected_version=1, changes={"title": "Altro"})
    site.refresh_from_db()
    assert (site.title, site.version) == ("Ex scuola", 1)


def test_the_reporter_and_the_municipality_may_edit():
    reporter = verified_user()
    site = site_report(actor=reporter, title="Ex scuola", kind="building", location=Point(*ROMA, srid=4326))
    assert site.reporter == reporter
    site = site_update(actor=reporter, site_id=site.pk, expected_version=1, changes={"title": "Ex scuola media"})
    site = site_update(actor=staff_user(ROMA_CODE), site_id=site.pk, expected_version=2, changes={"address": "Via X"})
    assert (site.title, site.address, site.version) == ("Ex scuola media", "Via X", 3)


def test_an_outline_reported_alone_is_placed_at_a_point_inside_it():
    outline = square(*NAPOLI)
    site = site_report(actor=verified_user(), title="Terreno", kind="land", outline=outline)
    assert site.outline.contains(site.location) and site.location.srid == 4326
    assert site.municipality.name == "Napoli" and site.land_area_m2 > 0


def test_an_outline_edited_alone_moves_the_point_inside_it():
    reporter = verified_user()
    site = site_report(actor=reporter, title="Terreno", kind="land", location=Point(*ROMA, srid=4326))
    moved = site_update(actor=reporter, site_id=site.pk, expected_version=1, changes={"outline": square(*MILANO)})
    assert moved.outline.contains(moved.location) and moved.municipality.name == "Milano"


def test_a_location_sent_with_the_outline_is_kept():
    point = Point(NAPOLI[0] + 0.0001, NAPOLI[1], srid=4326)
    site = site_report(actor=verified_user(), title="Terreno", kind="land", location=point, outline=square(*NAPOLI))
    assert site.location.coords == pytest.approx(point.coords)


def test_report_and_edit_are_audited_with_the_actor():
    reporter = verified_user()
    site = site_report(actor=reporter, title="Ex scuola", kind="building", location=Point(*ROMA, srid=4326))
    site_update(actor=reporter, site_id=site.pk, expected_version=1, changes={"title": "Ex scuola media"})
    events = list(site.events.select_related("pgh_context").order_by("pgh_id"))
    assert [(e.pgh_label, e.pgh_context.metadata["action"], e.pgh_context.metadata["actor"]) for e in events] == [
        ("site.create", "site.create", reporter.pk), ("site.update", "site.update", reporter.pk)]
