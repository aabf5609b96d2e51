"""Atom feeds of site notices, per area and per saved search (mapping.web.feeds)."""

import xml.etree.ElementTree as ET

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from commons.models import SubscriptionKind
from commons.services.lifecycle import site_verify
from commons.services.subscriptions import subscription_create
from tests.factories import MILANO, SiteFactory, moderator_user, verified_user

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_area_atom_feed_lists_changes_in_the_area_only():
    rome = SiteFactory(title="Ex caserma romana")
    milan = SiteFactory(title="Ex fabbrica milanese", location=Point(*MILANO, srid=4326))
    moderator = moderator_user()
    site_verify(site_id=rome.pk, actor=moderator)
    site_verify(site_id=milan.pk, actor=moderator)
    response = Client().get("/feed/regione/12/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    titles = [e.findtext(f"{ATOM}title") for e in ET.fromstring(response.content).iter(f"{ATOM}entry")]
    assert any("Ex caserma romana" in t for t in titles)
    assert not any("milanese" in t for t in titles)
    assert Client().get("/feed/regione/99/").status_code == 404
    assert Client().get("/feed/pianeta/12/").status_code == 404


def test_saved_search_feed_by_its_token():
    user = verified_user()
    subscription = subscription_create(user=user, kind=SubscriptionKind.SEARCH, query="kind=land", name="Terreni")
    land, building = SiteFactory(kind="land", title="Terreno incolto"), SiteFactory(kind="building", title="Ex scuola")
    for site in (land, building):
        site_verify(site_id=site.pk, actor=moderator_user())
    response = Client().get(f"/feed/ricerca/{subscription.feed_token}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Terreno incolto" in body and "Ex scuola" not in body
