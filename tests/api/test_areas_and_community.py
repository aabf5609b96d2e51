"""Areas with site counts, cooperatives, proposals, and token authentication for scripts."""

import pytest
from django.contrib.gis.geos import Point
from rest_framework.authtoken.models import Token

from commons.models import Proposal, ProposalStatus
from tests.factories import verified_user, MILANO, ROMA, CooperativeFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_regions_list_their_counts_of_visible_sites(api_client):
    SiteFactory(location=Point(*ROMA, srid=4326))
    SiteFactory(location=Point(*ROMA, srid=4326))
    SiteFactory(location=Point(*ROMA, srid=4326), hidden=True)
    SiteFactory(location=Point(*MILANO, srid=4326))
    page = api_client.get("/api/v1/areas/regions/").json()
    assert page["count"] == 20
    counts = {row["code"]: row["site_count"] for row in page["results"]}
    assert counts["12"] == 2 and counts["03"] == 1 and counts["01"] == 0


def test_provinces_and_municipalities_filter_by_parent_and_name(api_client):
    SiteFactory(location=Point(*ROMA, srid=4326))
    provinces = api_client.get("/api/v1/areas/provinces/?region=12").json()
    assert {row["code"] for row in provinces["results"]} == {"056", "057", "058", "059", "060"}
    assert next(row for row in provinces["results"] if row["code"] == "058")["site_count"] == 1
    towns = api_client.get("/api/v1/areas/municipalities/?province=058&q=Rom").json()
    assert [(row["code"], row["name"], row["site_count"]) for row in towns["results"]] == [("058091", "Roma", 1)]
    inner = api_client.get("/api/v1/areas/municipalities/?region=12&inner=aree_interne&limit=1000").json()
    assert inner["count"] > 50 and {row["inner_area_class"] for row in inner["results"]} <= {"D", "E", "F"}


def test_an_area_detail_has_its_boundary(api_client):
    roma = api_client.get("/api/v1/areas/municipalities/058091/").json()
    assert roma["name"] == "Roma" and roma["geometry"]["type"] == "MultiPolygon"
    assert api_client.get("/api/v1/areas/regions/99/").status_code == 404


@pytest.mark.parametrize("url, field, code", [
    ("/api/v1/areas/provinces/?region=xx", "region", "invalid_code"),
    ("/api/v1/areas/municipalities/?q=R", "q", "invalid_length"),
    ("/api/v1/areas/municipalities/?inner=Q", "inner", "invalid_choice"),
    ("/api/v1/areas/regions/?province=058", "province", "unknown_parameter"),
    ("/api/v1/cooperatives/?sector=mining", "sector", "invalid_choice"),
    ("/api/v1/proposals/?status=draft", "status", "invalid_choice"),
    ("/api/v1/proposals/?site=abc", "site", "invalid_number"),
])
def test_bad_list_parameters_are_named(api_client, url, field, code):
    response = api_client.get(url)
    assert response.status_code == 400
    assert (field, code) in {(e["field"], e["code"]) for e in response.json()["errors"]}


def test_only_verified_cooperatives_are_listed_without_their_members(api_client):
    shown = CooperativeFactory(sectors=["culture"])
    CooperativeFactory(verified=False)
    shown.memberships.create(user=UserFactory(email="member@example.org"))
    response = api_client.get("/api/v1/cooperatives/")
    assert [row["slug"] for row in response.json()["results"]] == [shown.slug]
    assert "member@example.org" not in response.content.decode()
    assert api_client.get(f"/api/v1/cooperatives/{shown.slug}/").json()["name"] == shown.name
    assert api_client.get("/api/v1/cooperatives/?sector=energy").json()["count"] == 0


def test_draft_proposals_and_proposals_on_hidden_sites_are_not_public(api_client):
    site = SiteFactory()
    submitted = Proposal.objects.create(site=site, cooperative=CooperativeFactory(), title="Casa", summary="S",
                                        reuse_category="welfare", status=ProposalStatus.SUBMITTED,
                                        submitted_by=UserFactory(email="author@example.org"))
    Proposal.objects.create(site=site, cooperative=CooperativeFactory(), title="Bozza", summary="S",
                            reuse_category="welfare", status=ProposalStatus.DRAFT)
    Proposal.objects.create(site=SiteFactory(hidden=True), cooperative=CooperativeFactory(), title="Nascosto",
                            summary="S", reuse_category="welfare", status=ProposalStatus.SUBMITTED)
    response = api_client.get("/api/v1/proposals/")
    assert [row["id"] for row in response.json()["results"]] == [submitted.pk]
    assert "author@example.org" not in response.content.decode()
    assert api_client.get(f"/api/v1/proposals/?site={site.pk}&status=submitted").json()["count"] == 1
    assert api_client.get(f"/api/v1/proposals/{submitted.pk}/").json()["site_title"] == site.title


def test_scripts_get_a_token_and_write_with_it(api_client):
    user = verified_user(username="script")
    response = api_client.post("/api/v1/auth/token/", {"username": "script", "password": "pw-Secret-123"},
                               format="json")
    assert response.status_code == 200 and response.json()["token"] == Token.objects.get(user=user).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    created = api_client.post("/api/v1/sites/", {"title": "Casello", "kind": "infrastructure", "location": {
        "type": "Point", "coordinates": list(ROMA)}}, format="json")
    assert created.status_code == 201
    wrong = api_client.post("/api/v1/auth/token/", {"username": "script", "password": "nope"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["code"] == "authorization"


def test_session_authentication_works_for_the_web(client):
    user = verified_user()
    client.force_login(user)
    response = client.post("/api/v1/sites/", {"title": "Casello", "kind": "infrastructure", "location": {
        "type": "Point", "coordinates": list(ROMA)}}, content_type="application/json")
    assert response.status_code == 201
