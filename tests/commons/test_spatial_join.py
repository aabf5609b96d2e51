import pytest
from django.contrib.gis.geos import Point

from commons.errors import RegistryValidationError
from commons.models import Municipality, Site
from commons.services.sites import site_report, site_update
from tests.factories import MILANO, NAPOLI, ROMA, square, verified_user

pytestmark = pytest.mark.django_db


def test_site_in_rome_lands_in_lazio_rome_rome():
    site = site_report(actor=verified_user(), title="Ex mercato", kind="building", location=Point(*ROMA, srid=4326))
    assert (site.region.name, site.province.name, site.municipality.name) == ("Lazio", "Roma", "Roma")
    assert (site.region_id, site.province_id, site.municipality_id) == ("12", "058", "058091")


def test_outline_decides_the_areas_through_its_point_on_surface():
    # The location says Milano, the drawn outline is in Napoli: the outline wins.
    site = site_report(
        actor=verified_user(), title="Ex fabbrica", kind="industrial",
        location=Point(*MILANO, srid=4326), outline=square(*NAPOLI),
    )
    assert site.municipality.name == "Napoli"
    assert site.region.name == "Campania"


def test_land_area_is_computed_from_the_outline_in_square_metres():
    site = site_report(actor=verified_user(), title="Terreno", kind="land", location=Point(*ROMA, srid=4326),
                       outline=square(*ROMA, half=0.0005))
    # 0.001° x 0.001° at 41.9°N is about 111 m x 83 m.
    assert 8500 < site.land_area_m2 < 9800


def test_a_point_outside_italy_is_refused_with_a_clear_error_and_nothing_is_written():
    with pytest.raises(RegistryValidationError) as error:
        site_report(actor=verified_user(), title="Parigi", kind="building", location=Point(2.35, 48.85, srid=4326))
    assert error.value.code == "out_of_bounds"
    assert error.value.field == "location"
    assert Site.objects.count() == 0


def test_a_point_in_the_sea_between_islands_is_refused():
    with pytest.raises(RegistryValidationError):
        site_report(actor=verified_user(), title="Mare", kind="other", location=Point(11.5, 39.5, srid=4326))


def test_a_point_on_a_simplified_coastline_still_finds_its_municipality():
    # A pier in Naples, a few hundred metres outside the simplified municipal polygon.
    pier = Point(14.2575, 40.8330, srid=4326)
    assert not Municipality.objects.filter(geom__intersects=pier).exists()
    site = site_report(actor=verified_user(), title="Molo", kind="infrastructure", location=pier)
    assert site.region.name == "Campania"


def test_moving_a_site_moves_its_areas_and_bumps_the_version():
    reporter = verified_user()
    site = site_report(actor=reporter, title="Ex cinema", kind="building", location=Point(*ROMA, srid=4326))
    moved = site_update(actor=reporter, site_id=site.pk, expected_version=1, changes={"location": Point(*MILANO, srid=4326)})
    assert (moved.region.name, moved.municipality.name, moved.version) == ("Lombardia", "Milano", 2)
