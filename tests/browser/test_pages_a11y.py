"""Every main page passes an axe-core WCAG 2.1 AA scan (no serious or critical violation); language switch."""

import pytest

from commons.models import Cooperative, Proposal, ProposalStatus, Site
from commons.services.demo import seed_demo
from tests.browser.conftest import PHONE, axe_violations, wait_for_sites
from tests.factories import verified_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _main_pages():
    site = Site.objects.visible().filter(outline__isnull=False).first()
    proposal = Proposal.objects.filter(status=ProposalStatus.SUBMITTED).select_related("cooperative").first()
    return [
        "/", "/?region=12&kind=building,land", "/elenco/?sort=title", f"/beni/{site.pk}/", "/segnala/",
        "/cooperative/", f"/cooperative/{proposal.cooperative.slug}/", f"/proposte/{proposal.pk}/", "/cruscotto/",
    ]


def test_the_main_pages_have_no_serious_or_critical_accessibility_violation(make_page, live_server):
    seed_demo(sites=800, seed=8)
    assert Cooperative.objects.exists()
    user = verified_user()
    found = {}
    for viewport in (None, PHONE):
        page = make_page(user=user, **({"viewport": viewport} if viewport else {}))
        for path in _main_pages():
            page.goto(path, wait_until="domcontentloaded")
            if path.startswith("/?") or path == "/":
                wait_for_sites(page)
            page.wait_for_load_state("load")
            violations = axe_violations(page)
            if violations:
                found[(path, "phone" if viewport else "desktop")] = violations
        assert page.errors == []
    assert found == {}


def test_the_list_tab_is_checked_too(make_page, live_server):
    seed_demo(sites=100, seed=9)
    page = make_page()
    page.goto("/", wait_until="domcontentloaded")
    wait_for_sites(page)
    page.click("#tab-list")
    page.wait_for_selector("#results table")
    assert axe_violations(page) == []


def test_the_language_switch_changes_the_interface_and_keeps_the_filters(make_page, live_server):
    seed_demo(sites=50, seed=10)
    page = make_page()
    page.goto("/?region=12", wait_until="domcontentloaded")
    assert page.get_attribute("html", "lang") == "it"
    assert page.locator(".registry-nav a", has_text="Mappa").count() == 1
    assert page.inner_text("#filters-title") == "Filtri"
    page.click(".registry-lang button[value=en]")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert page.locator(".registry-nav a", has_text="Map").count() == 1
    assert page.inner_text("#filters-title") == "Filters"
    assert "region=12" in page.url and page.input_value("#id_region") == "12"
    page.click(".registry-lang button[value=it]")
    page.wait_for_function("() => document.documentElement.lang === 'it'")
    assert page.inner_text("#filters-title") == "Filtri"
