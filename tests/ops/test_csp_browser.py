"""The production Content-Security-Policy keeps every page working: Chromium loads the pages from gunicorn with
production settings and reports no CSP violation, no script error, and the maps draw their sites."""

import os

import pytest

from commons.models import Site
from commons.services.demo import seed_demo
from tests.ops.conftest import production_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
WATCH = """document.addEventListener("securitypolicyviolation", e => {
  (window.__csp = window.__csp || []).push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});"""


@pytest.fixture
def chromium(browser):
    return browser  # the session's one Chromium (tests/conftest.py)


def open_context(browser, url):
    context = browser.new_context(base_url=url)
    # Only the app itself: the OpenStreetMap basemap is not reachable from here (and must not be needed).
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        (url, "data:", "blob:")) else route.abort())
    context.add_init_script(WATCH)
    return context


def visit(page, path, ready=None):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    response = page.goto(path, wait_until="load")
    assert response.status == 200 and page.url.endswith(path), f"{path}: {response.status} at {page.url}"
    assert "script-src" in response.headers["content-security-policy"]
    if ready:
        page.wait_for_selector(ready, state="attached", timeout=20_000)
    page.wait_for_timeout(300)
    return problems + page.evaluate("window.__csp || []")


def test_pages_work_under_the_production_csp(prod_server, chromium):
    seed_demo(sites=200, seed=21)
    site = Site.objects.visible().order_by("id").first()
    user = production_user("pw-Browser-123")
    server = prod_server(workers=2, DJANGO_SECURE_SSL_REDIRECT=0)
    # Chromium keeps Secure cookies over plain HTTP only for localhost, which it treats as a secure context.
    context = open_context(chromium, server.url.replace("127.0.0.1", "localhost"))
    page = context.new_page()
    pages = {
        "/": "#map[data-sites-drawn=true]",
        "/elenco/": None,
        f"/beni/{site.pk}/": ".leaflet-container",
        "/cruscotto/": "canvas",
        "/cooperative/": None,
        "/api/v1/docs/": ".swagger-ui",
        "/admin/login/": None,
    }
    problems = {path: visit(page, path, ready) for path, ready in pages.items()}

    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", "pw-Browser-123")
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    problems["/segnala/"] = visit(page, "/segnala/", "#report-map.leaflet-container")
    assert page.evaluate("typeof L.PM") == "object"  # the drawing tools (Geoman) loaded
    # The service worker (worker-src) installs, with its app shell of fingerprinted files, and the manifest
    # (manifest-src, from default-src) is read by the browser.
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.state)") == "activated"
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
    cdp = context.new_cdp_session(page)
    assert cdp.send("Page.getAppManifest")["errors"] == []
    problems["/segnala/"] += page.evaluate("window.__csp || []")
    context.close()
    found = {path: items for path, items in problems.items() if items}
    print(f"CSP: {len(problems)} pages in Chromium under the production policy, pages with problems: {len(found)}")
    assert found == {}
