"""Nested assets: a part (a borgo's building) is attached to a parent whose outline contains it, refused otherwise
with the reason; `top_level` asks for sites that are no part of another; exports and tiles carry the parent id."""

import csv
import io

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from rest_framework.test import APIClient

from commons.models import Site
from tests.factories import ROMA, SiteFactory, square, verified_user
from tests.mapping.test_tiles import tile_of

pytestmark = pytest.mark.django_db
BORGO = square(*ROMA, half=0.002)  # about 440 × 330 m around the Colosseo


def _post(client, **body):
    return client.post("/api/v1/sites/", {"title": "Ex frantoio", "kind": "building", **body}, format="json")


@pytest.fixture
def client():
    client = APIClient()
    client.force_authenticate(verified_user())
    return client


def test_a_part_inside_its_parents_outline_is_attached_and_exported(client):
    borgo = SiteFactory(title="Borgo abbandonato", kind="village", outline=BORGO)
    inside = {"type": "Point", "coordinates": [ROMA[0] + 0.001, ROMA[1] + 0.001]}
    created = _post(client, location=inside, parent=borgo.pk)
    assert created.status_code == 201, created.content
    part = Site.objects.get(pk=created.json()["id"])
    assert part.parent_id == borgo.pk
    assert APIClient().get(f"/api/v1/sites/{part.pk}/").json()["properties"]["parent"] == borgo.pk
    export = APIClient().get("/api/v1/exports/sites.csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))}
    assert (rows[str(part.pk)]["parent"], rows[str(borgo.pk)]["parent"]) == (str(borgo.pk), "")
    top = APIClient().get("/api/v1/sites/?top_level=true").json()["features"]
    parts = APIClient().get("/api/v1/sites/?top_level=false").json()["features"]
    assert [f["id"] for f in top] == [borgo.pk] and [f["id"] for f in parts] == [part.pk]
    tile = Client().get("/tiles/sites/{}/{}/{}.pbf".format(*tile_of(*ROMA, 14)))
    features = mapbox_vector_tile.decode(tile.content)["sites"]["features"]
    assert {f["properties"].get("parent") for f in features} == {borgo.pk, None} or \
        sorted(str(f["properties"].get("parent")) for f in features) == sorted([str(borgo.pk), "None"])
    page = Client().get(f"/beni/{borgo.pk}/").content.decode()
    assert "Ex frantoio" in page and f"/beni/{part.pk}/" in page


@pytest.mark.parametrize("case, code", [("outside", "outside_parent"), ("no_outline", "parent_without_outline"),
                                        ("unknown", "not_found")])
def test_a_part_that_its_parent_does_not_contain_is_refused_with_the_reason(client, case, code):
    borgo = SiteFactory(title="Borgo abbandonato", kind="village", outline=BORGO)
    point_only = SiteFactory(title="Casale", location=Point(ROMA[0] + 0.01, ROMA[1], srid=4326))
    parent = {"outside": borgo.pk, "no_outline": point_only.pk, "unknown": 999_999}[case]
    outside = {"type": "Point", "coordinates": [ROMA[0] + 0.01, ROMA[1] + 0.0001]}
    before = Site.objects.count()
    response = _post(client, location=outside, parent=parent)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["field"], error["code"]) == ("parent", code) and error["message"]
    assert Site.objects.count() == before


def test_an_outline_reaching_out_of_the_parent_is_refused(client):
    borgo = SiteFactory(title="Borgo abbandonato", kind="village", outline=BORGO)
    overlapping = square(ROMA[0] + 0.002, ROMA[1], half=0.0005)  # half in, half out
    response = _post(client, outline=overlapping.geojson and {"type": "MultiPolygon", "coordinates": overlapping.coords},
                     parent=borgo.pk)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "outside_parent"


def test_a_site_cannot_become_part_of_its_own_part():
    from commons.errors import RegistryValidationError
    from commons.services.sites import site_update
    from tests.factories import moderator_user

    borgo = SiteFactory(title="Borgo", kind="village", outline=BORGO)
    part = SiteFactory(title="Chiesa", outline=square(*ROMA, half=0.0005), parent=borgo)
    with pytest.raises(RegistryValidationError) as refused:
        site_update(actor=moderator_user(), site_id=borgo.pk, expected_version=None, changes={"parent": part.pk})
    assert (refused.value.field, refused.value.code) == ("parent", "parent_cycle")
    borgo.refresh_from_db()
    assert borgo.parent_id is None


def test_a_proposal_on_a_borgo_names_the_parts_it_covers_and_only_those():
    from commons.models import Proposal
    from tests.factories import CooperativeFactory, coop_user, verified_site

    borgo = verified_site(title="Borgo", kind="village", outline=BORGO, ownership="municipality")
    church = SiteFactory(title="Chiesa del borgo", outline=square(*ROMA, half=0.0005), parent=borgo)
    elsewhere = SiteFactory(title="Altrove", location=Point(ROMA[0] + 0.01, ROMA[1], srid=4326))
    cooperative = CooperativeFactory()
    api = APIClient()
    api.force_authenticate(coop_user(cooperative, "admin"))
    body = {"cooperative": cooperative.pk, "title": "Albergo diffuso", "summary": "Ospitalità nelle case del borgo",
            "reuse_category": "tourism"}
    refused = api.post(f"/api/v1/sites/{borgo.pk}/proposals/", {**body, "covers": [church.pk, elsewhere.pk]},
                       format="json")
    assert refused.status_code == 400
    assert (refused.json()["errors"][0]["field"], refused.json()["errors"][0]["code"]) == ("covers", "not_a_part")
    assert not Proposal.objects.exists()
    created = api.post(f"/api/v1/sites/{borgo.pk}/proposals/", {**body, "covers": [church.pk]}, format="json")
    assert created.status_code == 201
    assert APIClient().get(f"/api/v1/proposals/{created.json()['id']}/").json()["covers"] == [church.pk]
    page = Client().get(f"/proposte/{created.json()['id']}/").content.decode()
    assert "Chiesa del borgo" in page
    member = Client()
    member.force_login(coop_user(cooperative))
    form = member.get(f"/beni/{borgo.pk}/proponi/").content.decode()
    assert f'value="{church.pk}"' in form
