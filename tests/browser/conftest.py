"""Playwright against Debian's Chromium (never a downloaded browser) and pytest-django's live server.

Only the live server is reachable: every other request (the OpenStreetMap base map) is aborted, which is also
how the tests check that the map stays usable when its base tiles cannot load.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


def _only_loopback(route):
    url = route.request.url
    if url.startswith(("http://localhost", "http://127.0.0.1", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def make_page(browser, live_server):
    """make_page(user=None, viewport=DESKTOP, locale="it-IT") -> a page logged in as `user`, if given."""
    contexts = []

    def make(user=None, viewport=DESKTOP, locale="it-IT"):
        context = browser.new_context(viewport=viewport, locale=locale, base_url=live_server.url)
        contexts.append(context)
        context.route("**/*", _only_loopback)
        if user is not None:
            login(context, user, live_server.url)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def login(context, user, url):
    """Log in without the login page: a test client session, its cookie copied into the browser."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": url}])


def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core (from npm) on the page for WCAG 2.1 A/AA; return the serious and critical violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "targets": [node["target"] for node in v["nodes"][:5]]}
        for v in result["violations"] if v["impact"] in impacts
    ]


def wait_for_sites(page, query=None):
    """Wait until the map has drawn a tile with sites for the current filters (or for `query`)."""
    selector = "#map[data-sites-drawn=true]"
    page.wait_for_selector(selector, state="attached")
    if query is not None:
        page.wait_for_function("q => document.getElementById('map').dataset.sitesQuery === q", arg=query)
