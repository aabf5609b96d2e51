"""The database itself refuses bad rows, even from the shell."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import DatabaseError, IntegrityError, connection, transaction

from commons.models import ProposalStatus, Site
from tests.factories import ROMA, SAN_MARINO_DOGANA, SLOVENIA_CIRCLE, VATICAN, ProposalFactory, SiteFactory

pytestmark = pytest.mark.django_db


def _bowtie():
    return MultiPolygon(Polygon(((12.49, 41.89), (12.50, 41.90), (12.50, 41.89), (12.49, 41.90), (12.49, 41.89))), srid=4326)


def test_an_invalid_outline_is_refused_by_the_database():
    site = SiteFactory()
    with pytest.raises(IntegrityError, match="site_outline_valid"), transaction.atomic():
        Site.objects.filter(pk=site.pk).update(outline=_bowtie())


def test_a_self_intersecting_outline_is_refused_from_raw_sql_too():
    site = SiteFactory()
    with pytest.raises(IntegrityError, match="site_outline_valid"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE commons_site SET outline = ST_GeomFromText('MULTIPOLYGON(((12.49 41.89,12.5 41.9,12.5 41.89,"
            "12.49 41.9,12.49 41.89)))', 4326) WHERE id = %s", [site.pk]
        )


@pytest.mark.parametrize("lon, lat", [(41.8902, 12.4922), (200, 41.9), (12.49, -95), (2.35, 48.85)])
def test_a_location_outside_the_valid_range_is_refused_by_the_database(lon, lat):
    site = SiteFactory()
    # Latitudes beyond ±90 are already refused by the Web Mercator transform of the generated column.
    with pytest.raises(DatabaseError, match="site_location_in_italy|Invalid coordinate"), transaction.atomic():
        Site.objects.filter(pk=site.pk).update(location=Point(lon, lat, srid=4326))


def test_the_same_source_id_cannot_be_imported_twice():
    SiteFactory(source="anbsc", source_id="I-NA-89-S")
    with pytest.raises(IntegrityError, match="site_source_id_unique"), transaction.atomic():
        SiteFactory(source="anbsc", source_id="I-NA-89-S")


def test_citizen_reports_without_source_id_do_not_collide():
    SiteFactory(source="citizen", source_id="")
    SiteFactory(source="citizen", source_id="")
    assert Site.objects.filter(source="citizen").count() == 2


def test_at_most_one_accepted_proposal_per_site():
    site = SiteFactory(location=Point(*ROMA, srid=4326))
    ProposalFactory(site=site, status=ProposalStatus.ACCEPTED)
    ProposalFactory(site=site, status=ProposalStatus.SUBMITTED)
    with pytest.raises(IntegrityError, match="proposal_one_accepted_per_site"), transaction.atomic():
        ProposalFactory(site=site, status=ProposalStatus.ACCEPTED)


def test_a_completed_proposal_also_counts_as_the_accepted_one():
    site = SiteFactory()
    ProposalFactory(site=site, status=ProposalStatus.COMPLETED)
    with pytest.raises(IntegrityError, match="proposal_one_accepted_per_site"), transaction.atomic():
        ProposalFactory(site=site, status=ProposalStatus.ACCEPTED)


def test_web_mercator_copy_is_kept_by_the_database():
    site = SiteFactory()
    site.refresh_from_db()
    assert site.location_3857.srid == 3857
    assert site.location_3857.x == pytest.approx(12.4922 * 20037508.34 / 180, abs=0.01)


@pytest.mark.parametrize("lon, lat", [VATICAN, SAN_MARINO_DOGANA, (11.5, 39.5)])
def test_a_location_outside_italys_territory_is_refused_by_the_database(lon, lat):
    site = SiteFactory()
    # Inside the CHECK's box and within the coast tolerance of a municipality (but the sea): a trigger's work.
    with pytest.raises(IntegrityError, match="site_in_territory"), transaction.atomic():
        Site.objects.filter(pk=site.pk).update(location=Point(lon, lat, srid=4326))


def test_an_outline_reaching_into_slovenia_is_refused_from_raw_sql_too():
    site = SiteFactory()
    outline = MultiPolygon(Polygon(SLOVENIA_CIRCLE), srid=4326)
    with pytest.raises(IntegrityError, match="site_in_territory"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE commons_site SET outline = ST_GeomFromEWKB(%s) WHERE id = %s",
                       [bytes(outline.ewkb), site.pk])


def test_an_insert_that_skips_the_services_is_checked_too():
    placed = SiteFactory()
    stray = Site(title="Basilica", kind="cultural", location=Point(*VATICAN, srid=4326), region=placed.region,
                 province=placed.province, municipality=placed.municipality)
    with pytest.raises(IntegrityError, match="site_in_territory"), transaction.atomic():
        stray.save()


def test_an_edit_that_leaves_the_geometry_alone_does_not_pay_for_the_territory_check():
    site = SiteFactory()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname LIKE 'site_in_territory%%'")
        triggers = dict(cursor.fetchall())
    assert "UPDATE OF location, outline" in triggers["site_in_territory_update"]
    assert "IS DISTINCT FROM" in triggers["site_in_territory_update"]
    Site.objects.filter(pk=site.pk).update(title="Rinominato")


def test_a_land_area_beyond_32_bits_fits_the_column():
    site = SiteFactory()
    Site.objects.filter(pk=site.pk).update(land_area_m2=60_000_000_000)  # 60,000 km²: once integer out of range
    site.refresh_from_db()
    assert site.land_area_m2 == 60_000_000_000
    assert site.events.order_by("pgh_id").last().land_area_m2 == 60_000_000_000  # the audit copy too
