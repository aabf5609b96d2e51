"""Screenshots of the main pages at desktop (1366×900) and phone (390×844) sizes, and the map's time to first sites.

Run against a served registry (not collected by pytest):

    .venv/bin/python tests/browser/screenshots.py http://127.0.0.1:8000 /tmp/screens [--user NAME] [--timing-only]

With --user, a session for that (existing) user is created in the database the settings point at, so the
report page can be shown. The timing is the median over 5 cold page loads of performance.now() when the
first tile with sites is drawn (window.registryFirstSitesAt), measured from navigation start.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
# Before the test helpers are imported: tests/conftest.py imports models, which need the app registry.
django.setup()

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.conftest import DESKTOP, PHONE  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PAGES = [
    ("home", "/"), ("home-lazio", "/?region=12&kind=building,land"), ("home-zoom", "/#15/41.8948/12.4853"),
    ("list", "/elenco/?sort=title"), ("cooperatives", "/cooperative/"), ("dashboard", "/cruscotto/"),
]
# Zoomed in, where an outline can be drawn, and at the whole of Italy, where the page asks to zoom in first.
REPORT_PAGES = [("report", "/segnala/#16/40.6664/16.6043"), ("report-italy", "/segnala/")]


def session_cookie(username):
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def first_site_pages():
    from commons.models import Proposal, ProposalStatus, Site

    site = Site.objects.visible().filter(outline__isnull=False).order_by("id").first()
    proposal = Proposal.objects.filter(status=ProposalStatus.SUBMITTED).select_related("cooperative").first()
    pages = [("site", f"/beni/{site.pk}/")]
    if proposal:
        pages += [("cooperative", f"/cooperative/{proposal.cooperative.slug}/"), ("proposal", f"/proposte/{proposal.pk}/")]
    return pages


def new_page(browser, base, viewport, cookie=None):
    context = browser.new_context(viewport=viewport, locale="it-IT", base_url=base)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
    if cookie:
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
    return context, context.new_page()


def time_to_first_sites(browser, base, runs=5):
    figures = []
    for _ in range(runs):
        context, page = new_page(browser, base, DESKTOP)
        page.goto("/", wait_until="domcontentloaded")
        page.wait_for_function("() => window.registryFirstSitesAt", timeout=30_000)
        figures.append(page.evaluate("window.registryFirstSitesAt"))
        context.close()
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("out", type=Path)
    parser.add_argument("--user")
    parser.add_argument("--timing-only", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        figures = time_to_first_sites(browser, args.base)
        print(f"first sites drawn (ms): {[round(f) for f in figures]}; median {statistics.median(figures):.0f}")
        if args.timing_only:
            return
        cookie = session_cookie(args.user) if args.user else None
        pages = PAGES + first_site_pages() + (REPORT_PAGES if cookie else [])
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            context, page = new_page(browser, args.base, viewport, cookie)
            for name, path in pages:
                page.goto(path, wait_until="domcontentloaded")
                page.wait_for_load_state("load")
                page.wait_for_timeout(1500)
                page.screenshot(path=str(args.out / f"{name}-{size}.png"), full_page=name not in ("home", "home-lazio", "home-zoom"))
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
