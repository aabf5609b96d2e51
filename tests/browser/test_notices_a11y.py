"""The notices (accessibility, privacy, cookies) and “Le mie segnalazioni” pass the same axe-core WCAG 2.1 AA scan
as the main pages, in both languages, on a desktop and on a phone."""

import pytest

from tests.browser.conftest import PHONE, axe_violations
from tests.factories import SiteFactory, verified_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGES = ["/dichiarazione-di-accessibilita/", "/privacy/", "/cookie/", "/le-mie-segnalazioni/"]


def test_the_notices_and_my_reports_have_no_serious_or_critical_accessibility_violation(make_page, live_server):
    user = verified_user()
    SiteFactory(title="Ex scuola Pascoli", reporter=user)
    found = {}
    for locale in ("it-IT", "en-GB"):
        for viewport in (None, PHONE):
            page = make_page(user=user, locale=locale, **({"viewport": viewport} if viewport else {}))
            for path in PAGES:
                page.goto(path, wait_until="load")
                assert page.get_attribute("html", "lang") == locale[:2]
                violations = axe_violations(page)
                if violations:
                    found[(path, locale, "phone" if viewport else "desktop")] = violations
            assert page.errors == []
    assert found == {}
