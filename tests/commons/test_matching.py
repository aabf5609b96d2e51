"""Matching: the sites that fit a cooperative, in a fixed case whose order is known, with the reasons shown."""

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from commons.errors import RegistryValidationError
from commons.matching import ranked
from commons.models import Site, SiteStatus
from commons.services.matching import cooperative_interests_set
from tests.factories import CooperativeFactory, SiteFactory, coop_user, square, verified_site

pytestmark = pytest.mark.django_db
COLOSSEO = (12.4922, 41.8902)


def _at(dlon, **fields):
    return verified_site(location=Point(COLOSSEO[0] + dlon, COLOSSEO[1], srid=4326), **fields)


@pytest.fixture
def cooperative():
    cooperative = CooperativeFactory(name="Cooperativa Orti di Roma", sectors=["agriculture"],
                                     headquarters=Point(*COLOSSEO, srid=4326))
    cooperative_interests_set(actor=coop_user(cooperative, "admin"), cooperative_id=cooperative.pk, regions=["12"],
                              kinds=["land"], categories=["environment"])
    cooperative.refresh_from_db()
    return cooperative


def test_a_fixed_case_ranks_in_the_known_order_with_its_reasons(cooperative):
    # 1 km away, land (kind + category), fresh: 29.4 + 25 + 20 + 10 = 84
    near_land = _at(0.012, title="Terreno vicino", kind="land")
    # 10 km away, land: 24 + 25 + 20 + 10 = 79
    far_land = _at(0.12, title="Terreno lontano", kind="land")
    # 1 km away, a building (neither kind nor category): 29.4 + 10 = 39
    _at(-0.012, title="Edificio vicino", kind="building")
    # 30 km away in Poli (SNAI class D), natural (category only, through environment/agriculture), stale:
    # 12 + 20 + 10 + 0 = 42
    stale = _at(0.36, title="Bosco", kind="natural")
    Site.objects.filter(pk=stale.pk).update(last_confirmed_at=timezone.now().replace(year=timezone.now().year - 3))
    # Not in the territory (Milano), not verified, hidden: never listed
    verified_site(location=Point(9.19, 45.4642, srid=4326), title="Fuori territorio", kind="land")
    SiteFactory(location=Point(COLOSSEO[0] + 0.01, COLOSSEO[1], srid=4326), title="Solo segnalato", kind="land")
    _at(0.02, title="Nascosto", kind="land").__class__.objects.filter(title="Nascosto").update(hidden=True)
    matches = ranked(cooperative)
    assert [m.site.title for m in matches] == ["Terreno vicino", "Terreno lontano", "Bosco", "Edificio vicino"]
    assert [m.score for m in matches] == [84, 79, 42, 39]
    assert matches[0].reasons == ["a 1,0 km dalla vostra sede", "un tipo di bene che cercate (terreno)",
                                  "adatto a ciò che fate: agricoltura, ambiente", "confermato sul posto di recente"]
    assert matches[2].reasons == ["adatto a ciò che fate: agricoltura, ambiente", "a 29,9 km dalla vostra sede",
                                  "in un'area interna (classe SNAI D)"]
    assert far_land.status == SiteStatus.VERIFIED and near_land.pk != far_land.pk


def test_inner_areas_count_and_a_drawn_area_is_a_territory():
    cooperative = CooperativeFactory(sectors=[])
    area = square(*COLOSSEO, half=0.05)
    cooperative_interests_set(actor=coop_user(cooperative, "admin"), cooperative_id=cooperative.pk, area=area,
                              kinds=["building"])
    cooperative.refresh_from_db()
    inside = _at(0.01, title="Dentro")
    _at(0.2, title="Fuori")
    matches = ranked(cooperative)
    assert [m.site.title for m in matches] == ["Dentro"] and matches[0].score == 35  # kind 25 + fresh 10


def test_no_territory_no_matches_and_only_admins_declare_it():
    cooperative = CooperativeFactory()
    assert ranked(cooperative) == []
    with pytest.raises(PermissionDenied):
        cooperative_interests_set(actor=coop_user(cooperative, "member"), cooperative_id=cooperative.pk, regions=["12"])
    with pytest.raises(RegistryValidationError) as refused:
        cooperative_interests_set(actor=coop_user(cooperative, "admin"), cooperative_id=cooperative.pk,
                                  regions=["99"])
    assert (refused.value.field, refused.value.code) == ("regions", "invalid_choice")


def test_the_page_and_the_api_show_the_ranking_to_members_only(cooperative):
    from django.test import Client
    from rest_framework.test import APIClient

    from tests.factories import verified_user

    _at(0.012, title="Terreno vicino", kind="land")
    member = cooperative.memberships.first().user
    client = Client()
    client.force_login(member)
    page = client.get(f"/cooperative/{cooperative.slug}/beni/").content.decode()
    assert "Beni per la vostra cooperativa" in page and "Terreno vicino" in page and "dalla vostra sede" in page
    outsider = Client()
    outsider.force_login(verified_user())
    assert outsider.get(f"/cooperative/{cooperative.slug}/beni/").status_code == 403
    api = APIClient()
    api.force_authenticate(member)
    matches = api.get(f"/api/v1/cooperatives/{cooperative.slug}/matches/").json()
    assert matches[0]["title"] == "Terreno vicino" and matches[0]["score"] == 84
    changed = api.put(f"/api/v1/cooperatives/{cooperative.slug}/interests/",
                      {"regions": ["03"], "kinds": ["castle"]}, format="json")
    assert changed.status_code == 400 and changed.json()["errors"][0]["field"].startswith("kinds")
    moved = api.put(f"/api/v1/cooperatives/{cooperative.slug}/interests/", {"regions": ["03"]}, format="json")
    assert moved.status_code == 200 and api.get(f"/api/v1/cooperatives/{cooperative.slug}/matches/").json() == []
    form = client.post(f"/cooperative/{cooperative.slug}/beni/", {"regions": ["12"], "kinds": ["land"]})
    assert form.status_code == 302
    cooperative.refresh_from_db()
    assert cooperative.territory_regions == ["12"] and cooperative.interest_kinds == ["land"]


def _verify_now(site):
    from commons.services.lifecycle import site_verify
    from tests.factories import moderator_user

    site_verify(site_id=site.pk, actor=moderator_user())
    return site


def test_the_weekly_digest_lists_newly_verified_fitting_sites_once_per_week(cooperative):
    import datetime as dt

    from django.core import mail

    from commons.models import CooperativeDigest
    from commons.services.matching import send_digests

    _verify_now(SiteFactory(location=Point(COLOSSEO[0] + 0.012, COLOSSEO[1], srid=4326), title="Orto nuovo",
                            kind="land"))
    _verify_now(SiteFactory(location=Point(9.19, 45.4642, srid=4326), title="Campo a Milano", kind="land"))
    today = timezone.localdate()
    recorded, sent = send_digests(today=today)
    assert sent == 1 and recorded >= 1
    message = mail.outbox[-1]
    assert "Orto nuovo" in message.body and "Campo a Milano" not in message.body
    assert "dalla vostra sede" in message.body and message.to == [cooperative.memberships.first().user.email]
    assert send_digests(today=today) == (0, 0)  # once per cooperative and week
    assert CooperativeDigest.objects.filter(cooperative=cooperative).count() == 1
    next_week = send_digests(today=today + dt.timedelta(days=7))
    assert next_week[0] >= 1 and CooperativeDigest.objects.filter(cooperative=cooperative).count() == 2


def test_two_digest_runners_at_once_send_one_digest(cooperative):
    from django.db import IntegrityError

    from commons.models import CooperativeDigest

    CooperativeDigest.objects.create(cooperative=cooperative, period="2026-W01")
    with pytest.raises(IntegrityError):
        CooperativeDigest.objects.create(cooperative=cooperative, period="2026-W01")


def test_the_site_page_shows_fitting_cooperatives_and_staff_invite_one(cooperative, django_capture_on_commit_callbacks):
    from django.core import mail
    from django.test import Client

    from commons.models import CooperativeInvitation
    from tests.factories import staff_user

    site = _at(0.012, title="Terreno vicino", kind="land")
    CooperativeFactory(name="Cooperativa Edile", sectors=["construction"], territory_regions=["12"])  # no fit
    page = Client().get(f"/beni/{site.pk}/").content.decode()
    assert "Cooperative attive qui" in page and "Cooperativa Orti di Roma" in page and "Cooperativa Edile" not in page
    staff = Client()
    staff.force_login(staff_user("058091"))
    assert "Invita a proporre" in staff.get(f"/beni/{site.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/lavoro/siti/{site.pk}/invita/{cooperative.pk}/")
    assert CooperativeInvitation.objects.filter(site=site, cooperative=cooperative).count() == 1
    invitation = CooperativeInvitation.objects.get()
    assert invitation.events.first().pgh_context.metadata["action"] == "cooperative.invite"
    assert any("Invito a proporre" in m.subject for m in mail.outbox)


def test_inviting_twice_or_an_unverified_cooperative_is_a_400_naming_the_field(cooperative):
    from rest_framework.test import APIClient

    from commons.models import CooperativeInvitation
    from tests.factories import staff_user

    site = _at(0.012, title="Terreno vicino", kind="land")
    client = APIClient()
    client.force_authenticate(staff_user("058091"))
    url = f"/api/v1/sites/{site.pk}/invitations/"
    assert client.post(url, {"cooperative": cooperative.pk}, format="json").status_code == 201
    again = client.post(url, {"cooperative": cooperative.pk}, format="json")
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "already_invited"
    unverified = CooperativeFactory(verified=False)
    refused = client.post(url, {"cooperative": unverified.pk}, format="json")
    assert refused.status_code == 400
    assert (refused.json()["errors"][0]["field"], refused.json()["errors"][0]["code"]) == (
        "cooperative", "cooperative_not_verified")
    outside = APIClient()
    outside.force_authenticate(staff_user("015146"))
    assert outside.post(url, {"cooperative": CooperativeFactory().pk}, format="json").status_code == 403
    assert CooperativeInvitation.objects.count() == 1
