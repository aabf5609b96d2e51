"""The cooperative's matching form with its drawn area: saved through the service, refused with the reason on the
field, cleared by the checkbox (no JavaScript needed), kept when the form is sent back unchanged; and the API."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from commons.models import Cooperative
from tests.factories import CooperativeFactory, coop_user, verified_site

pytestmark = pytest.mark.django_db

ROMA_AREA = {"type": "Polygon", "coordinates": [[[12.45, 41.86], [12.55, 41.86], [12.55, 41.92], [12.45, 41.92],
                                                 [12.45, 41.86]]]}
BOW_TIE = {"type": "Polygon", "coordinates": [[[12.45, 41.86], [12.55, 41.92], [12.55, 41.86], [12.45, 41.92],
                                               [12.45, 41.86]]]}


@pytest.fixture
def admin_client():
    cooperative = CooperativeFactory(sectors=[])
    client = Client()
    client.force_login(coop_user(cooperative, "admin"))
    return client, cooperative, f"/cooperative/{cooperative.slug}/beni/"


def _area(cooperative):
    return Cooperative.objects.get(pk=cooperative.pk).territory_area


def test_a_drawn_area_is_saved_and_the_site_inside_is_listed_with_the_reason(admin_client):
    client, cooperative, url = admin_client
    verified_site(title="Ex scuola nell'area", kind="building")
    answer = client.post(url, {"kinds": ["building"], "area": json.dumps(ROMA_AREA)})
    assert answer.status_code == 302
    assert _area(cooperative).num_coords == 5
    page = client.get(url).content.decode()
    assert "Ex scuola nell&#x27;area" in page and "dentro l&#x27;area che avete disegnato sulla mappa" in page
    # The saved area is in the hidden field the map reads, and the checkbox to remove it is offered.
    assert 'name="area"' in page and "12.45" in page and 'name="clear_area"' in page


def test_a_self_intersecting_area_is_a_400_with_the_reason_on_the_map_field_and_nothing_written(admin_client):
    client, cooperative, url = admin_client
    answer = client.post(url, {"regions": ["12"], "area": json.dumps(BOW_TIE)})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'id="error-area"' in page and "Il contorno si incrocia vicino a 12.500000, 41.890000" in page
    cooperative.refresh_from_db()
    assert cooperative.territory_area is None and cooperative.territory_regions == []


def test_without_javascript_the_area_is_kept_when_sent_back_and_removed_by_the_checkbox(admin_client):
    client, cooperative, url = admin_client
    client.post(url, {"area": json.dumps(ROMA_AREA)})
    saved = _area(cooperative).geojson
    assert client.post(url, {"regions": ["12"], "area": saved}).status_code == 302
    assert _area(cooperative).equals(Cooperative.objects.get(pk=cooperative.pk).territory_area)
    assert _area(cooperative).num_coords == 5
    assert client.post(url, {"regions": ["12"], "area": saved, "clear_area": "on"}).status_code == 302
    assert _area(cooperative) is None and Cooperative.objects.get(pk=cooperative.pk).territory_regions == ["12"]


def test_the_api_refuses_an_area_too_large_with_its_code_and_clears_it_with_null(admin_client):
    _client, cooperative, _url = admin_client
    api = APIClient()
    api.force_authenticate(cooperative.memberships.get().user)
    url = f"/api/v1/cooperatives/{cooperative.slug}/interests/"
    giant = {"type": "Polygon", "coordinates": [[[8, 40], [16, 40], [16, 45], [8, 45], [8, 40]]]}
    refused = api.put(url, {"area": giant}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "area" and refused.json()["errors"][0]["code"] == "area_too_large"
    assert api.put(url, {"area": ROMA_AREA}, format="json").json()["area"]["type"] == "MultiPolygon"
    assert api.put(url, {"area": None}, format="json").json()["area"] is None
