"""The OGC face's HTML pages (what a person opening /ogc/ in a browser sees) pass the same axe-core WCAG 2.1 AA
scan as the main pages: no serious or critical violation."""

import pytest

from commons.models import Site
from commons.services.demo import seed_demo
from mapping.read.features import forget_extents
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ogc_pages_have_no_serious_or_critical_accessibility_violation(make_page, live_server):
    seed_demo(sites=60, seed=6)
    forget_extents()
    site = Site.objects.visible().first()
    page = make_page()
    found = {}
    for path in ("/ogc/", "/ogc/conformance", "/ogc/collections", "/ogc/collections/sites",
                 "/ogc/collections/sites/queryables", "/ogc/collections/sites/items?limit=20",
                 f"/ogc/collections/sites/items/{site.pk}", "/ogc/collections/municipalities/items?limit=5",
                 "/ogc/openapi"):
        page.goto(path, wait_until="load")
        assert page.locator("h1").count() == 1, path
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert page.errors == []
    assert found == {}
