"""Reporting from where the signal is weak, in Chromium with Playwright's offline emulation: the service worker
serves the report page offline, the report and its photo wait on the device as a draft, and go out exactly once
when the connection returns, even when an answer is lost on the way.

Screenshots of the steps and of the drafts list (phone size) are written to $REGISTRY_SCREENSHOTS when set.
"""

import os
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from PIL import Image

from commons.models import Photo, Site
from tests.browser.conftest import PHONE, axe_violations, login
from tests.browser.conftest import _only_loopback as only_loopback
from tests.browser.reporting import (
    BOW_TIE,
    SQUARE,
    STEPS,
    current_step,
    draw,
    jpeg,
    next_step,
    open_report,
    send,
    wait_for_receipt,
    walk_to,
)
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import ROMA, SiteFactory, verified_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("REGISTRY_SCREENSHOTS")


def shoot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def wait_until_kept_offline(page):
    """The service worker controls the page and holds its copy of the report page."""
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
    for _ in range(100):  # wait_for_function does not await a promise: poll
        if page.evaluate("caches.match('/segnala/').then(Boolean)"):
            return
        page.wait_for_timeout(200)
    raise AssertionError("the report page was not kept for offline use")


def go_offline_and_reload(page):
    page.context.set_offline(True)
    response = page.reload(wait_until="domcontentloaded")
    assert response.status == 200 and response.from_service_worker
    page.wait_for_selector("#report-map.leaflet-container", state="attached")
    page.wait_for_load_state("load")
    assert page.is_visible("#offline-note")


def fill_what(page, title, kind="building"):
    walk_to(page, "what")
    page.fill("#id_title", title)
    page.select_option("#id_kind", kind)
    page.fill("#id_description", "Chiuso da anni, segnalato senza rete.")


def drafts(page, state=None):
    selector = "#offline-drafts .registry-draft" + (f"[data-state={state}]" if state else "")
    return page.locator(selector)


def queue_outline_with_photo(page, tmp_path, title, outline=SQUARE, shots=False):
    """Offline: draw an outline (zoomed in already), add a large photo, send → a waiting draft."""
    walk_to(page, "where")
    if shots:
        shoot(page, "step-2-where")
    draw(page, outline)
    page.wait_for_function("() => document.getElementById('geometry-status').textContent.startsWith('Contorno')")
    fill_what(page, title)
    if shots:
        shoot(page, "step-3-what")
    next_step(page)
    page.set_input_files("#id_photos", str(jpeg(tmp_path / "grande.jpg", size=(4000, 3000))))
    if shots:
        shoot(page, "step-4-photos")
    next_step(page)
    if shots:
        shoot(page, "step-5-summary")
    page.click("#report-submit")
    assert "Segnalazione salvata su questo dispositivo" in wait_for_receipt(page)
    drafts(page, "waiting").first.wait_for()


def stored_photo_size(page):
    return page.evaluate("""async () => {
        const { listDrafts } = await import('/static/js/offline/store.js');
        const config = JSON.parse(document.getElementById('registry-session').textContent);
        const [draft] = await listDrafts(config.user);
        const bitmap = await createImageBitmap(draft.photos[0].blob);
        return [bitmap.width, bitmap.height, draft.photos[0].blob.type, draft.key !== draft.photos[0].key];
    }""")


def test_a_report_made_offline_waits_as_a_draft_and_is_sent_once_when_the_connection_returns(make_page, tmp_path):
    user = verified_user()
    page = make_page(user=user, viewport=PHONE)
    open_report(page, step="privacy")
    wait_until_kept_offline(page)
    go_offline_and_reload(page)
    shoot(page, "step-1-privacy")
    queue_outline_with_photo(page, tmp_path, "Ex caserma senza rete", shots=True)
    shoot(page, "receipt-kept")
    # Made smaller on the phone before it was kept: longest side 2048 px, JPEG; its own Idempotency-Key.
    assert stored_photo_size(page) == [2048, 1536, "image/jpeg", True]
    assert not Site.objects.filter(title="Ex caserma senza rete").exists()

    page.context.set_offline(False)
    drafts(page, "sent").first.wait_for(timeout=20_000)
    assert "Segnalazione inviata" in page.inner_text("#receipt-title")
    shoot(page, "drafts-sent")
    site = Site.objects.get(title="Ex caserma senza rete")
    assert site.reporter == user and site.outline.num_coords == 5
    photo = Photo.objects.get(site=site)
    assert (photo.image.width, photo.image.height) == (2048, 1536)
    assert page.get_attribute("#receipt-link", "href") == f"/beni/{site.pk}/"
    assert str(site.pk) in page.inner_text("#receipt-facts")
    # "Le mie segnalazioni" lists the same draft from the device, next to the server's list.
    page.goto("/le-mie-segnalazioni/", wait_until="load")
    mine = drafts(page, "sent").first
    mine.wait_for()
    assert mine.get_by_role("link", name="Apri questo bene").get_attribute("href") == f"/beni/{site.pk}/"
    shoot(page, "my-reports")
    assert axe_violations(page) == []
    assert page.errors == []


def _cut_off_first_answers(context, calls):
    """The first site POST and the first photo POST reach the server, but their answers never come back."""
    def handle(route):
        request = route.request
        kind = "photo" if request.url.endswith("/photos/") else "site"
        if request.method != "POST" or kind in calls:
            route.fallback()
            return
        calls[kind] = route.fetch().status  # the server did the work
        route.abort("connectionreset")  # ... and the answer is lost

    context.route(lambda url: url.endswith(("/api/v1/sites/", "/photos/")), handle)


def test_an_answer_lost_after_the_server_got_the_report_never_makes_a_second_site(make_page, tmp_path):
    user = verified_user()
    page = make_page(user=user, viewport=PHONE)
    open_report(page)
    wait_until_kept_offline(page)
    go_offline_and_reload(page)
    queue_outline_with_photo(page, tmp_path, "Ex mercato coperto")
    calls = {}
    _cut_off_first_answers(page.context, calls)

    page.context.set_offline(False)
    for _ in range(100):
        if "site" in calls:
            break
        page.wait_for_timeout(200)
    assert calls["site"] == 201 and Site.objects.filter(title="Ex mercato coperto").count() == 1
    # Sent again (by the page or the worker, or at the next visit below) under the same keys: the server
    # replays its first answers.
    page.reload(wait_until="load")
    drafts(page, "sent").first.wait_for(timeout=20_000)
    assert calls == {"site": 201, "photo": 201}
    site = Site.objects.get(title="Ex mercato coperto")
    assert Photo.objects.filter(site=site).count() == 1
    assert drafts(page, "sent").first.locator("a").get_attribute("href") == f"/beni/{site.pk}/"
    assert page.errors == []


def test_a_queued_outline_the_server_refuses_comes_back_with_the_error_on_the_draft(make_page, tmp_path):
    page = make_page(user=verified_user(), viewport=PHONE)
    open_report(page)
    wait_until_kept_offline(page)
    go_offline_and_reload(page)
    queue_outline_with_photo(page, tmp_path, "Campo a farfalla", outline=BOW_TIE)

    page.context.set_offline(False)
    refused = drafts(page, "fix").first
    refused.wait_for(timeout=20_000)
    assert "incrocia" in refused.inner_text()
    assert "risposta" in page.inner_text("#receipt-title")
    shoot(page, "drafts-fix")
    refused.get_by_role("link", name="Apri e correggi").click()
    page.wait_for_selector("#error-geometry:not([hidden])")
    assert current_step(page) == "where" and "incrocia" in page.inner_text("#error-geometry")
    assert page.input_value("#id_title") == "Campo a farfalla"
    assert page.evaluate("document.getElementById('id_photos').files.length") == 1
    shoot(page, "draft-opened-to-fix")

    # Corrected (a square instead of the bow tie) and sent again: under a new key, one site.
    page.click("#clear-geometry")
    draw(page, SQUARE)
    send(page)
    assert "Segnalazione inviata" in wait_for_receipt(page)
    assert Site.objects.filter(title="Campo a farfalla").count() == 1
    assert not Site.objects.filter(title="Campo a farfalla", outline__isnull=True).exists()
    assert page.errors == []


def test_nearby_sites_are_checked_when_back_online_before_the_draft_is_sent(make_page):
    existing = SiteFactory(title="Ex scuola elementare", location=Point(ROMA[0] + 0.0004, ROMA[1], srid=4326))
    page = make_page(user=verified_user(), viewport=PHONE)
    open_report(page)
    wait_until_kept_offline(page)
    go_offline_and_reload(page)
    walk_to(page, "where")
    page.click("#place-centre")
    fill_what(page, "Scuola chiusa")
    send(page)
    wait_for_receipt(page)

    page.context.set_offline(False)
    held = drafts(page, "duplicates").first
    held.wait_for(timeout=20_000)
    assert held.get_by_role("link", name=existing.title).get_attribute("href") == f"/beni/{existing.pk}/"
    assert not Site.objects.filter(title="Scuola chiusa").exists()
    shoot(page, "drafts-duplicates")
    held.get_by_role("button", name="Inviala comunque").click()
    drafts(page, "sent").first.wait_for(timeout=20_000)
    assert Site.objects.filter(title="Scuola chiusa").count() == 1
    assert page.errors == []


def test_each_step_and_the_offline_page_have_no_serious_accessibility_violation(make_page, live_server):
    page = make_page(user=verified_user(), viewport=PHONE)
    open_report(page, step="privacy")  # the notice is accepted on the way
    found = {"privacy": axe_violations(page)}
    for step in STEPS[1:]:
        next_step(page)
        assert page.evaluate("document.activeElement.closest('.registry-step').dataset.step") == step
        if step == "where":
            page.click("#place-centre")
        if step == "what":
            page.fill("#id_title", "Ex cinema")
            page.select_option("#id_kind", "building")
        found[step] = axe_violations(page)
    page.goto("/senza-connessione/", wait_until="load")
    found["offline"] = axe_violations(page)
    assert {step: problems for step, problems in found.items() if problems} == {}
    assert page.errors == []


def test_the_web_app_passes_chromiums_installability_check(browser, live_server, tmp_path):
    # A persistent profile: Chromium never offers to install from an incognito-like context.
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, base_url=live_server.url)
    try:
        context.route("**/*", only_loopback)
        login(context, verified_user(), live_server.url)
        page = context.pages[0] if context.pages else context.new_page()
        page.goto("/", wait_until="load")
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
        manifest = page.evaluate("fetch('/manifest.webmanifest').then(r => r.json())")
        assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
        assert {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]} == {
            ("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}
        for icon in manifest["icons"]:
            path = Path(__file__).resolve().parents[2] / "static" / icon["src"].removeprefix("/static/")
            assert Image.open(path).size == tuple(int(n) for n in icon["sizes"].split("x"))
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
    finally:
        context.close()


def test_the_service_worker_is_served_from_the_root_and_leaves_the_base_map_alone(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/" and "no-cache" in response["Cache-Control"]
    source = response.content.decode()
    assert "/static/js/offline/worker.js" in source and "/segnala/" in source
    assert "tile.openstreetmap" not in source
    worker = (Path(__file__).resolve().parents[2] / "static" / "js" / "offline" / "worker.js").read_text()
    assert "url.origin !== self.location.origin" in worker  # other origins (the base map) are never handled
