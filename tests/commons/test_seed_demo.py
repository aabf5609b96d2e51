import pytest
from django.core.management import call_command

from commons.models import Cooperative, Proposal, ProposalStatus, Site, SiteKind, SiteStatus
from commons.services.demo import seed_demo

pytestmark = pytest.mark.django_db


def _snapshot():
    return list(Site.objects.order_by("source_id").values_list("source_id", "title", "kind", "status", "location", "municipality_id"))


def test_the_same_seed_gives_the_same_sites():
    seed_demo(sites=300, seed=7)
    first = [(a, b, c, d, e.wkt, f) for a, b, c, d, e, f in _snapshot()]
    seed_demo(sites=300, seed=7, reset=True)
    second = [(a, b, c, d, e.wkt, f) for a, b, c, d, e, f in _snapshot()]
    assert first == second
    seed_demo(sites=300, seed=8, reset=True)
    assert [(a, b) for a, b, *_ in _snapshot()] != [(a, b) for a, b, *_ in first]


def test_demo_sites_lie_inside_their_municipality_and_cover_kinds_and_statuses():
    seed_demo(sites=1500, seed=1)
    assert Site.objects.count() == 1500
    outside = Site.objects.raw(
        "SELECT s.id FROM commons_site s JOIN commons_municipality m ON m.code = s.municipality_id "
        "WHERE NOT ST_Intersects(m.geom, s.location)"
    )
    assert len(list(outside)) == 0
    assert set(Site.objects.values_list("kind", flat=True)) == set(SiteKind.values)
    assert set(Site.objects.values_list("status", flat=True)) == set(SiteStatus.values) - {"duplicate"}
    share = Site.objects.filter(outline__isnull=False).count() / 1500
    assert 0.12 < share < 0.3
    assert Site.objects.filter(outline__isnull=False, land_area_m2__isnull=True).count() == 0


def test_demo_has_cooperatives_and_proposals_respecting_the_lifecycle():
    seed_demo(sites=2000, seed=3)
    assert Cooperative.objects.count() == 12
    assert Proposal.objects.filter(status=ProposalStatus.SUBMITTED, site__status=SiteStatus.VERIFIED).exists()
    accepted = Proposal.objects.filter(status=ProposalStatus.ACCEPTED)
    assert accepted.exists()
    assert not accepted.exclude(site__status__in=[SiteStatus.ASSIGNED, SiteStatus.IN_REUSE]).exists()
    assert not accepted.filter(instrument_end__isnull=True).exists()


def test_seeding_twice_without_reset_changes_nothing(capsys):
    call_command("seed_demo", sites=200, seed=5, verbosity=0)
    call_command("seed_demo", sites=200, seed=5)
    assert "nothing to do" in capsys.readouterr().out
    assert Site.objects.count() == 200
