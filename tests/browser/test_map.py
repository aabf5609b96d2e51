"""The map page in Chromium: sites drawn, filters shared by map, count and table, state in the URL."""

import re
from urllib.parse import parse_qs, urlparse

import pytest

from commons.models import Site
from commons.services.demo import seed_demo
from tests.browser.conftest import PHONE, wait_for_sites

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LAZIO = "12"


def _count_on_page(page):
    return int(re.sub(r"\D", "", page.inner_text("[data-count-number]")))


def _settled_url(page):
    """The URL once the map has stopped moving (fitting the region animates the view)."""
    previous = None
    while page.url != previous:
        previous = page.url
        page.wait_for_timeout(400)
    return previous


def test_the_map_loads_and_draws_sites_without_its_base_map(make_page, live_server):
    seed_demo(sites=600, seed=3)
    page = make_page()
    tiles = []
    page.on("response", lambda r: tiles.append(r.status) if "/tiles/sites/" in r.url else None)
    page.goto("/", wait_until="domcontentloaded")
    wait_for_sites(page)
    assert tiles and all(status == 200 for status in tiles)
    assert page.locator(".leaflet-pane canvas").count() >= 2  # boundaries + at least one tile of sites
    # The OpenStreetMap tiles are unreachable here: the page says so and keeps working.
    page.wait_for_selector("#map-status:not([hidden])")
    assert _count_on_page(page) == Site.objects.visible().count()
    assert page.errors == []


def test_choosing_a_region_filters_map_count_and_table_and_the_link_reproduces_it(make_page, live_server):
    seed_demo(sites=600, seed=4)
    lazio = Site.objects.visible().filter(region_id=LAZIO)
    page = make_page()
    page.goto("/", wait_until="domcontentloaded")
    wait_for_sites(page)
    tile_queries = []
    page.on("request", lambda r: tile_queries.append(urlparse(r.url).query) if "/tiles/sites/" in r.url else None)

    page.select_option("#id_region", LAZIO)
    page.wait_for_function("() => new URL(location.href).searchParams.get('region') === '12'")
    wait_for_sites(page, query="region=12")
    page.wait_for_function(f"() => document.querySelector('[data-count-number]').textContent.replace(/\\D/g, '') === '{lazio.count()}'")
    assert tile_queries and all(parse_qs(query).get("region") == [LAZIO] for query in tile_queries)
    assert page.locator("#id_province option", has_text="Roma").count() == 1

    page.click("#tab-list")
    rows = page.locator("#results tbody tr")
    assert rows.count() == min(25, lazio.count())
    shown = set(rows.locator("th a").all_inner_texts())
    assert shown <= set(lazio.values_list("title", flat=True))

    shared = _settled_url(page)
    other = make_page()
    other.goto(shared, wait_until="domcontentloaded")
    wait_for_sites(other, query="region=12")
    assert other.input_value("#id_region") == LAZIO
    assert _count_on_page(other) == lazio.count()
    centre = other.evaluate("() => location.hash")
    assert centre == "#" + urlparse(shared).fragment != "#"  # the same view (zoom/centre) as the first page
    other_titles = set(other.locator("#results tbody tr th a").all_inner_texts())
    assert other_titles == shown


def test_the_phone_layout_opens_the_filters_over_the_map(make_page, live_server):
    seed_demo(sites=200, seed=6)
    page = make_page(viewport=PHONE)
    page.goto("/", wait_until="domcontentloaded")
    wait_for_sites(page)
    assert not page.is_visible("#id_region")
    page.click("#filters-toggle")
    page.wait_for_selector("#id_region", state="visible")
    page.select_option("#id_region", LAZIO)
    page.wait_for_function("() => document.getElementById('filters-active').textContent === '1'")
    page.keyboard.press("Escape")
    page.wait_for_selector("#id_region", state="hidden")


@pytest.mark.parametrize("zoom", [16, 11])  # below z13 the tiles carry no titles: the popup asks the API
def test_clicking_a_site_opens_a_popup_linking_to_its_page(make_page, live_server, zoom):
    from django.contrib.gis.geos import Point

    from tests.factories import ROMA, SiteFactory

    site = SiteFactory(title="Ex cinema Colosseo", location=Point(*ROMA, srid=4326))
    page = make_page()
    page.goto(f"/#{zoom}/{ROMA[1]}/{ROMA[0]}", wait_until="domcontentloaded")
    wait_for_sites(page)
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    link = page.locator(".leaflet-popup a.registry-popup-title")
    link.wait_for()
    page.wait_for_function("() => document.querySelector('.leaflet-popup a.registry-popup-title')"
                           ".textContent === 'Ex cinema Colosseo'", timeout=5000)
    assert link.inner_text() == "Ex cinema Colosseo"
    assert link.get_attribute("href") == f"/beni/{site.pk}/"


def test_the_filters_and_tabs_work_from_the_keyboard(make_page, live_server):
    seed_demo(sites=300, seed=7)
    page = make_page()
    page.goto("/", wait_until="domcontentloaded")
    wait_for_sites(page)
    page.focus("#id_region")
    page.keyboard.press("ArrowDown")  # the first region in alphabetical order: Abruzzo (13)
    page.wait_for_function("() => new URL(location.href).searchParams.get('region') === '13'")
    wait_for_sites(page, query="region=13")
    page.focus("#tab-map")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-list"
    assert page.get_attribute("#tab-list", "aria-selected") == "true"
    assert page.is_visible("#results table") and not page.is_visible("#map")
    page.keyboard.press("ArrowLeft")
    assert page.is_visible("#map")
