"""A cooperative's admin draws the area it works in on the matching page (leaflet-geoman), saves it, and finds the
site inside it among the matches with the reason; the saved area comes back on the map and can be cleared.
Axe on desktop and phone; screenshots go to $REGISTRY_SCREENSHOTS (when set) to be looked at."""

import os
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from commons.models import Cooperative
from tests.browser.conftest import PHONE, axe_violations
from tests.factories import ROMA, CooperativeFactory, coop_user, verified_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("REGISTRY_SCREENSHOTS")
# At zoom 10 on the Colosseum, ±70 px is about ±8 km: a square of some 250 km² around it.
SQUARE = [(-70, -70), (70, -70), (70, 70), (-70, 70)]
REASON = "dentro l'area che avete disegnato sulla mappa"


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _open(page, url):
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#territory-map.leaflet-container")
    page.wait_for_load_state("load")


def _draw(page, offsets):
    page.click("#area-draw")
    page.locator("#territory-map").scroll_into_view_if_needed()
    box = page.locator("#territory-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in [*offsets, offsets[0]]:
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(120)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_an_admin_draws_the_area_saves_it_and_sees_the_site_inside_with_the_reason(make_page, viewport):
    cooperative = CooperativeFactory(sectors=[], interest_kinds=["building"])
    verified_site(title="Ex scuola al Colosseo", kind="building")
    verified_site(title="Ex caserma a Milano", kind="building", location=Point(9.19, 45.4642, srid=4326))
    page = make_page(user=coop_user(cooperative, "admin"), **({"viewport": viewport} if viewport else {}))
    url = f"/cooperative/{cooperative.slug}/beni/"
    _open(page, f"{url}#10/{ROMA[1]}/{ROMA[0]}")
    assert "Nessuna area disegnata" in page.inner_text("#area-status")
    assert page.locator("#matches").count() == 0

    _draw(page, SQUARE)
    page.wait_for_function("() => document.getElementById('area-status').textContent.startsWith('Aree disegnate')")
    assert "Aree disegnate: 1, 4 vertici in tutto." in page.inner_text("#area-status")
    assert page.get_attribute("#area-draw", "aria-pressed") == "false"
    assert '"MultiPolygon"' in page.input_value("#id_area")
    page.click("#interests-form button[type=submit]")
    page.wait_for_selector("#matches")

    matches = page.inner_text("#matches")
    assert "Ex scuola al Colosseo" in matches and REASON in matches and "Milano" not in matches
    area = Cooperative.objects.get(pk=cooperative.pk).territory_area
    assert area.num_coords == 5 and 200 < area.transform(32633, clone=True).area / 1e6 < 320
    # The saved area is drawn again on the map when the page comes back.
    page.wait_for_selector("#territory-map path.leaflet-interactive")
    assert "Aree disegnate: 1, 4 vertici in tutto." in page.inner_text("#area-status")
    assert axe_violations(page) == []
    _shot(page, f"cooperative-territory-{'phone' if viewport else 'desktop'}")

    page.click("#area-clear")
    assert page.input_value("#id_area") == "" and page.locator("#territory-map path.leaflet-interactive").count() == 0
    page.click("#interests-form button[type=submit]")
    page.wait_for_selector("#area-status:has-text('Nessuna area disegnata')")
    assert Cooperative.objects.get(pk=cooperative.pk).territory_area is None
    assert page.errors == []


def test_a_self_intersecting_area_comes_back_with_the_servers_reason_and_the_drawing_kept(make_page):
    cooperative = CooperativeFactory(sectors=[])
    page = make_page(user=coop_user(cooperative, "admin"))
    _open(page, f"/cooperative/{cooperative.slug}/beni/#10/{ROMA[1]}/{ROMA[0]}")
    _draw(page, [(-70, -70), (70, 70), (70, -70), (-70, 70)])
    page.wait_for_function("() => document.getElementById('area-status').textContent.startsWith('Aree disegnate')")
    page.click("#interests-form button[type=submit]")
    page.wait_for_selector("#error-area")
    assert "Il contorno si incrocia" in page.inner_text("#error-area")
    # The refused drawing is redrawn from the form's hidden field once the page's modules have run.
    page.wait_for_selector("#territory-map path.leaflet-interactive")
    assert page.locator("#territory-map path.leaflet-interactive").count() == 1
    assert Cooperative.objects.get(pk=cooperative.pk).territory_area is None
    assert axe_violations(page) == []
    _shot(page, "cooperative-territory-refused")
