"""Pathways over the API: listed with their steps, filtered to those fitting a site, chosen when proposing (a pathway
not fitting the site is a 400 naming `pathway`, nothing written); proposals and exports carry pathway and step."""

import csv
import datetime as dt
import io

import pytest
from rest_framework.test import APIClient

from commons.models import Proposal
from commons.services.milestones import milestone_record
from commons.services.proposals import proposal_accept, proposal_create
from tests.factories import CooperativeFactory, coop_user, moderator_user, verified_site

pytestmark = pytest.mark.django_db
FIELDS = {"title": "Orto sociale", "summary": "Orti e formazione", "reuse_category": "agriculture"}


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_pathways_fitting_a_site_come_with_their_steps_in_order(pathways, api_client):
    site = verified_site(ownership="confiscated")
    every = api_client.get("/api/v1/pathways/").json()
    assert every["count"] == 8
    fitting = api_client.get(f"/api/v1/pathways/?site={site.pk}").json()["results"]
    assert [p["slug"] for p in fitting] == ["confiscati-art-48"]
    art48 = fitting[0]
    assert art48["legal_basis_url"].endswith("decreto.legislativo:2011-09-06;159~art48")
    assert [s["position"] for s in art48["steps"]] == [1, 2, 3, 4, 5, 6]
    assert art48["instrument"] == "confiscated" and art48["steps"][0]["typical_days"] == 30
    english = api_client.get("/api/v1/pathways/confiscati-art-48/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["title"].startswith("Assignment of a property confiscated")
    assert api_client.get("/api/v1/pathways/?site=x").status_code == 400


def test_proposing_under_a_pathway_that_does_not_fit_is_a_400_naming_the_field(pathways):
    site = verified_site(ownership="confiscated")
    cooperative = CooperativeFactory()
    client = _client(coop_user(cooperative, "admin"))
    url = f"/api/v1/sites/{site.pk}/proposals/"
    refused = client.post(url, {"cooperative": cooperative.pk, "pathway": "patto-di-collaborazione", **FIELDS},
                          format="json")
    assert refused.status_code == 400
    error = refused.json()["errors"][0]
    assert (error["field"], error["code"]) == ("pathway", "pathway_not_fitting") and error["message"]
    assert not Proposal.objects.filter(site=site).exists()
    created = client.post(url, {"cooperative": cooperative.pk, "pathway": "confiscati-art-48", **FIELDS}, format="json")
    assert created.status_code == 201
    proposal = APIClient().get(f"/api/v1/proposals/{created.json()['id']}/").json()
    assert proposal["pathway"] == "confiscati-art-48" and len(proposal["milestones"]) == 6
    assert proposal["current_step"]["position"] == 1 and proposal["support_count"] == 0


def test_the_site_detail_and_the_csv_export_carry_the_pathway_and_the_current_step(pathways, api_client):
    site = verified_site(ownership="confiscated")
    cooperative = CooperativeFactory()
    member = coop_user(cooperative)
    proposal = proposal_create(actor=member, site_id=site.pk, cooperative_id=cooperative.pk,
                               pathway="confiscati-art-48", **FIELDS)
    assert api_client.get(f"/api/v1/sites/{site.pk}/").json()["properties"]["pathway"] is None  # not accepted yet
    proposal_accept(proposal_id=proposal.pk, actor=moderator_user(), legal_instrument="confiscated",
                    instrument_start=dt.date.today())
    milestone_record(actor=member, proposal_id=proposal.pk, position=1, actual_date=dt.date.today())
    properties = api_client.get(f"/api/v1/sites/{site.pk}/").json()["properties"]
    assert (properties["pathway"], properties["current_step"]) == (
        "confiscati-art-48", "Manifestazione di interesse o domanda all'avviso")
    export = api_client.get("/api/v1/exports/sites.csv?status=assigned")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    row = next(r for r in rows if r["id"] == str(site.pk))
    assert (row["pathway"], row["current_step"]) == ("confiscati-art-48",
                                                     "Manifestazione di interesse o domanda all'avviso")
