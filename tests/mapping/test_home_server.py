"""The real server answers with real region names and demo sites."""

import html
import urllib.request

import pytest

from commons.models import Site
from commons.services.demo import seed_demo


@pytest.mark.django_db(transaction=True)
def test_the_live_server_lists_regions_and_demo_sites(live_server):
    seed_demo(sites=50, seed=11)
    with urllib.request.urlopen(live_server.url + "/") as response:
        assert response.status == 200
        page = html.unescape(response.read().decode())
    for region in ("Lazio", "Lombardia", "Sicilia", "Valle d'Aosta/Vallée d'Aoste"):
        assert region in page
    newest = Site.objects.visible().order_by("-created_at").first()
    assert newest.title in page
