"""The report flow in Chromium: draw an outline with leaflet-geoman, add a photo, see nearby sites, save."""

import pytest
from django.contrib.gis.geos import Point

from commons.models import Photo, Site, SiteSource
from tests.browser.conftest import PHONE
from tests.browser.reporting import (
    BOW_TIE,
    SQUARE,
    draw,
    jpeg,
    next_step,
    open_report,
    send,
    wait_for_receipt,
    walk_to,
)
from tests.factories import ROMA, SiteFactory, verified_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_report(make_page, viewport=None):
    user = verified_user()
    page = make_page(user=user, **({"viewport": viewport} if viewport else {}))
    return open_report(page), user


def _open_receipt_link(page):
    page.wait_for_selector("#receipt-link:not([hidden])", timeout=20_000)
    page.click("#receipt-link")
    page.wait_for_url("**/beni/*/", timeout=20_000)


def test_a_citizen_reports_an_outline_with_a_photo_after_a_duplicate_hint(make_page, live_server, tmp_path):
    existing = SiteFactory(title="Ex scuola già segnalata", location=Point(ROMA[0] + 0.0004, ROMA[1], srid=4326))
    page, user = _open_report(make_page)
    draw(page, SQUARE)
    page.wait_for_function("() => document.getElementById('geometry-status').textContent.includes('4')")
    page.wait_for_selector("#duplicates:not([hidden])")
    hint = page.locator("#duplicate-list a")
    assert hint.first.inner_text() == existing.title
    assert hint.first.get_attribute("href") == f"/beni/{existing.pk}/"

    # Going on without answering the hint is refused on the form.
    page.click("#step-next")
    page.wait_for_selector("#error-not_duplicate:not([hidden])")
    page.click("label[for=not-duplicate]")
    next_step(page)
    page.fill("#id_title", "Ex deposito del tram")
    page.select_option("#id_kind", "infrastructure")
    page.fill("#id_description", "Deposito chiuso da vent'anni.")
    next_step(page)
    page.set_input_files("#id_photos", str(jpeg(tmp_path / "deposito.jpg")))
    page.fill("#id_caption", "La facciata")
    next_step(page)
    assert "Ex deposito del tram" in page.inner_text("#report-summary")
    page.click("#report-submit")
    page.wait_for_selector("#report-receipt:not([hidden])", timeout=20_000)
    assert "Segnalazione inviata" in page.inner_text("#receipt-title")
    _open_receipt_link(page)

    site = Site.objects.get(title="Ex deposito del tram")
    assert site.reporter == user and site.source == SiteSource.CITIZEN
    assert site.outline is not None and site.outline.num_coords == 5
    assert site.municipality.name == "Roma" and site.land_area_m2 > 0
    assert page.url.endswith(f"/beni/{site.pk}/")
    assert page.locator("h1").inner_text() == "Ex deposito del tram"
    photo = Photo.objects.get(site=site)
    assert photo.caption == "La facciata"
    assert page.locator(f"img[src='{photo.image.url}']").count() == 1
    assert page.errors == []


def test_a_bad_outline_shows_the_servers_message_on_the_form(make_page, live_server):
    page, _user = _open_report(make_page, viewport=PHONE)
    draw(page, BOW_TIE)
    next_step(page)
    page.fill("#id_title", "Area incolta")
    page.select_option("#id_kind", "land")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/sites/") and r.request.method == "POST") as answer:
        send(page)
    errors = answer.value.json()["errors"]
    assert answer.value.status == 400 and errors[0]["field"] == "outline" and errors[0]["code"] == "self_intersection"
    page.wait_for_selector("#error-geometry:not([hidden])")
    assert errors[0]["message"] in page.inner_text("#error-geometry")
    assert errors[0]["message"] in page.inner_text("#report-errors")
    assert "incrocia" in errors[0]["message"] or "crosses" in errors[0]["message"]
    assert page.evaluate("document.activeElement.id") == "report-errors"
    # Back on the step where the outline is, with the map.
    assert page.get_attribute(".registry-step.is-current", "data-step") == "where"
    # The outline turns red and the crossing the server located is circled on the map.
    assert page.locator("#report-map path[stroke='#b30000']").count() == 2
    assert not Site.objects.filter(title="Area incolta").exists()


def test_an_outline_can_only_be_started_once_zoomed_in_enough_to_see_buildings(make_page, live_server):
    user = verified_user()
    page = make_page(user=user)
    open_report(page, f"/segnala/#13/{ROMA[1]}/{ROMA[0]}")
    hint = page.locator("#outline-zoom-hint")
    assert hint.is_visible() and "ingrandisci la mappa" in hint.inner_text()
    assert page.get_attribute("#mode-outline", "aria-disabled") == "true"
    # At zoom 13 the button only says why (aria-disabled: Playwright needs force to click it); the clicks on the
    # map keep placing a point, no outline starts.
    page.click("#mode-outline", force=True)
    assert page.inner_text("#geometry-status") == hint.inner_text()
    box = page.locator("#report-map").bounding_box()
    for dx, dy in [*SQUARE, SQUARE[0]]:
        page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
        page.wait_for_timeout(120)
    assert hint.is_visible()
    assert page.get_attribute("#mode-outline", "aria-pressed") == "false"
    assert page.locator("#report-map path.leaflet-interactive").count() == 0
    assert page.locator("#report-map .leaflet-marker-icon").count() == 1
    assert page.inner_text("#geometry-status").startswith("Punto")

    page.click("#clear-geometry")
    page.click("#report-map .leaflet-control-zoom-in")
    page.wait_for_selector("#outline-zoom-hint", state="hidden")
    assert page.get_attribute("#mode-outline", "aria-disabled") == "false"
    draw(page, SQUARE)
    page.wait_for_function("() => document.getElementById('geometry-status').textContent.startsWith('Contorno')")
    assert "4 vertici" in page.inner_text("#geometry-status")
    assert page.errors == []


TYPED = {"#id_title": "Ex lavatoio", "#id_description": "Chiuso dal 1990.", "#id_dormant_since": "1990",
         "#id_address": "Via dei Fori Imperiali 1"}


def _fill_a_report(page):
    page.click("#place-centre")
    walk_to(page, "what")
    for selector, value in TYPED.items():
        page.fill(selector, value)
    page.select_option("#id_kind", "building")
    walk_to(page, "summary")


def _answer_the_next_report_post(page, answer):
    """Let `answer(route)` handle the next POST of a report; every other request goes through as usual."""
    calls = []

    def handle(route):
        if route.request.method != "POST" or calls:
            route.fallback()
            return
        calls.append(route.request.url)
        answer(route)

    page.route(lambda url: url.endswith("/api/v1/sites/"), handle)
    return calls


def _typed_values(page):
    return {selector: page.input_value(selector) for selector in TYPED} | {"kind": page.input_value("#id_kind")}


def test_a_server_failure_says_so_and_keeps_the_report_on_the_page_to_send_again(make_page, live_server):
    page, _user = _open_report(make_page)
    _fill_a_report(page)
    typed = _typed_values(page)
    calls = _answer_the_next_report_post(
        page, lambda route: route.fulfill(status=500, content_type="text/html", body="<h1>Server Error (500)</h1>"))
    page.click("#report-submit")
    page.wait_for_selector("#report-errors:not([hidden])")
    assert len(calls) == 1
    assert "Il server ha avuto un problema" in page.inner_text("#report-errors")
    assert "connessione" not in page.inner_text("#report-errors")
    assert _typed_values(page) == typed and page.is_enabled("#report-submit")
    assert not Site.objects.filter(title="Ex lavatoio").exists()

    page.click("#report-submit")  # the next attempt reaches the real server
    _open_receipt_link(page)
    assert Site.objects.get(title="Ex lavatoio").address == "Via dei Fori Imperiali 1"
    assert page.errors == []


def test_a_lost_connection_says_so_keeps_what_was_typed_and_sends_it_once(make_page, live_server):
    page, _user = _open_report(make_page)
    _fill_a_report(page)
    typed = _typed_values(page)
    calls = _answer_the_next_report_post(page, lambda route: route.abort("internetdisconnected"))
    page.click("#report-submit")
    page.wait_for_selector("#report-errors:not([hidden])")
    assert len(calls) == 1
    assert "La connessione con il server si è interrotta" in page.inner_text("#report-errors")
    assert "Il server ha avuto un problema" not in page.inner_text("#report-errors")
    assert _typed_values(page) == typed and page.is_enabled("#report-submit")
    assert page.inner_text("#geometry-status").startswith("Punto")
    # Kept on this device, it goes out as soon as the connection allows: here at once (the browser's Background
    # Sync, or the second try below, whichever comes first), and only once.
    page.click("#report-submit")
    wait_for_receipt(page)
    assert Site.objects.filter(title="Ex lavatoio").count() == 1
    assert page.errors == []


def test_a_browser_without_service_worker_or_indexeddb_still_reports_a_site_with_its_photo(browser, live_server,
                                                                                        tmp_path):
    from tests.browser.conftest import DESKTOP, _only_loopback, login

    user = verified_user()
    context = browser.new_context(viewport=DESKTOP, locale="it-IT", base_url=live_server.url,
                                  service_workers="block")
    try:
        context.route("**/*", _only_loopback)
        context.add_init_script("Object.defineProperty(window, 'indexedDB', { value: undefined });")
        login(context, user, live_server.url)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        open_report(page)
        assert page.evaluate("() => typeof indexedDB === 'undefined' && !navigator.serviceWorker?.controller")
        draw(page, SQUARE)
        page.wait_for_function("() => document.getElementById('geometry-status').textContent.includes('4')")
        next_step(page)
        page.fill("#id_title", "Ex casello ferroviario")
        page.select_option("#id_kind", "building")
        next_step(page)
        page.set_input_files("#id_photos", str(jpeg(tmp_path / "casello.jpg")))
        send(page)
        assert "Segnalazione inviata" in wait_for_receipt(page)
        site = Site.objects.get(title="Ex casello ferroviario")
        assert site.reporter == user and Photo.objects.filter(site=site).count() == 1
        assert errors == []
    finally:
        context.close()


def test_a_building_is_reported_as_part_of_the_borgo_drawn_around_it(make_page, live_server):
    from tests.factories import square

    borgo = SiteFactory(title="Borgo di Roma vecchia", kind="village", outline=square(*ROMA, half=0.002),
                        location=Point(ROMA[0] + 0.0015, ROMA[1] + 0.0015, srid=4326))
    page, _user = _open_report(make_page)
    page.click("#place-centre")
    page.wait_for_selector("#duplicates:not([hidden])")
    page.wait_for_function(f"() => [...document.getElementById('id_parent').options].some((o) => o.value === '{borgo.pk}')")
    page.click("label[for=not-duplicate]")
    walk_to(page, "what")
    page.fill("#id_title", "Ex frantoio del borgo")
    page.select_option("#id_kind", "building")
    page.select_option("#id_parent", str(borgo.pk))
    walk_to(page, "summary")
    assert "Borgo di Roma vecchia" in page.inner_text("#report-summary")
    page.click("#report-submit")
    wait_for_receipt(page)
    assert Site.objects.get(title="Ex frantoio del borgo").parent_id == borgo.pk
    assert page.errors == []
