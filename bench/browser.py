"""The map page in headless Chromium (Debian's /usr/bin/chromium through Playwright): time from navigation start
to the first tile that drew sites (the page sets window.registryFirstSitesAt, see static/js/layers.js)."""

import statistics
import time

CHROMIUM = "/usr/bin/chromium"
# ../shared/ENVIRONMENT.md: as root Chromium needs these, and the networking flags keep it off the internet.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


def first_features(base_url, runs=3, path="/", timeout_ms=60_000):
    """Median and each run of: first features drawn, DOMContentLoaded and the HTML response, in ms."""
    from playwright.sync_api import sync_playwright

    samples = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            for _ in range(runs + 1):  # the first run warms the server's caches and is not counted
                samples.append(_one_run(browser, base_url, path, timeout_ms))
        finally:
            browser.close()
    counted = samples[1:]
    return {
        "first_features_ms": round(statistics.median(s["first_features_ms"] for s in counted)),
        "html_ms": round(statistics.median(s["html_ms"] for s in counted)),
        "dom_content_loaded_ms": round(statistics.median(s["dom_content_loaded_ms"] for s in counted)),
        "tile_requests": counted[-1]["tile_requests"],
        "runs": counted,
    }


def _one_run(browser, base_url, path, timeout_ms):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="it-IT")
    tiles = []
    try:
        page = context.new_page()
        # Only the server under test: the base map's tile servers are on the internet, unreachable here.
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url)
                   else route.abort())
        page.on("request", lambda request: tiles.append(request.url) if "/tiles/sites/" in request.url else None)
        page.goto(base_url + path, wait_until="domcontentloaded", timeout=timeout_ms)
        _wait_for_first_sites(page, timeout_ms)
        timings = page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return {first: window.registryFirstSitesAt, html: n.responseEnd, dom: n.domContentLoadedEventEnd}; }")
        return {"first_features_ms": round(timings["first"]), "html_ms": round(timings["html"]),
                "dom_content_loaded_ms": round(timings["dom"]), "tile_requests": len(tiles),
                "zoom": sorted({url.split("/tiles/sites/")[1].split("/")[0] for url in tiles})}
    finally:
        context.close()


def _wait_for_first_sites(page, timeout_ms):
    """Poll from Python: the page's CSP forbids eval, which wait_for_function's string predicates need. The
    time measured is the page's own timestamp, so the polling interval does not affect it."""
    deadline = time.monotonic() + timeout_ms / 1000
    while page.evaluate("() => window.registryFirstSitesAt === undefined"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no sites drawn within {timeout_ms} ms")
        page.wait_for_timeout(20)
