"""The notices of a public service: accessibility statement, privacy notice, cookie information, in Italian and in
English, linked from every page's footer, stating what the code really does."""

import html
import re

import pytest
from django.test import Client

from tests.factories import verified_user

pytestmark = pytest.mark.django_db
PAGES = {
    "/dichiarazione-di-accessibilita/": ("Dichiarazione di accessibilità", "Accessibility statement"),
    "/privacy/": ("Informativa sulla privacy", "Privacy notice"),
    "/cookie/": ("Informativa sui cookie", "Cookie information"),
}


def _get(path, language):
    response = Client().get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("path", list(PAGES))
def test_each_notice_renders_in_italian_and_in_english(path):
    italian, english = PAGES[path]
    page_it, page_en = _get(path, "it"), _get(path, "en")
    assert f"<h1>{italian}</h1>" in page_it and '<html lang="it">' in page_it
    assert f"<h1>{english}</h1>" in page_en and '<html lang="en">' in page_en


@pytest.mark.parametrize("language, labels", [
    ("it", ["Dichiarazione di accessibilità", "Informativa sulla privacy", "Cookie"]),
    ("en", ["Accessibility statement", "Privacy notice", "Cookies"]),
])
def test_every_page_links_the_notices_from_its_footer_and_the_map_from_its_panel(language, labels):
    for path in ("/elenco/", "/cooperative/", "/cruscotto/", *PAGES):
        footer = _get(path, language).split("<footer", 1)[1]
        for url, label in zip(PAGES, labels):
            assert f'<a href="{url}">{label}</a>' in footer, (path, url)
    panel = _get("/", language).split('id="filter-panel"', 1)[1].split("</aside>", 1)[0]  # full screen, no footer
    for url, label in zip(PAGES, labels):
        assert f'<a href="{url}">{label}</a>' in panel, url


def test_the_accessibility_statement_gives_status_feedback_address_and_agid_procedure(settings):
    settings.REGISTRY_ACCESSIBILITY_EMAIL = "a11y@comune.example"
    page = _get("/dichiarazione-di-accessibilita/", "it")
    assert "parzialmente conforme" in page and "WCAG 2.1" in page
    assert 'href="mailto:a11y@comune.example"' in page
    assert f'href="{settings.REGISTRY_ACCESSIBILITY_ENFORCEMENT_URL}"' in page and "Difensore civico" in page
    assert 'href="/elenco/"' in page  # the accessible alternative to the map


def test_the_privacy_notice_states_the_real_retention_exif_removal_and_that_reporters_stay_private(settings):
    settings.REGISTRY_PRIVACY_EMAIL = "dpo@beco.example"
    settings.REGISTRY_LOG_RETENTION_DAYS = 21
    page = _get("/privacy/", "it")
    assert 'href="mailto:dpo@beco.example"' in page
    assert "EXIF" in page and "GPS" in page and "4.096 pixel" in page
    assert "Mai pubblico" in page and "chi ha fatto la segnalazione" in page
    assert "21 giorni" in page and f"{settings.SESSION_COOKIE_AGE // 86400} giorni" in page
    assert f"{settings.REGISTRY_IDEMPOTENCY_HOURS} ore" in page
    assert "tile.openstreetmap.org" in page  # the third party the browser talks to


def test_the_cookie_page_names_every_cookie_the_app_sets_and_only_technical_ones():
    """Walk through what people do (read, switch language, sign in, see a notice), collect every cookie set."""
    client = Client()
    seen = set()
    user = verified_user()
    for response in (
        client.get("/"),
        client.get("/elenco/"),
        client.post("/i18n/setlang/", {"language": "en", "next": "/"}),
        client.post("/accounts/login/", {"login": user.email, "password": "pw-Secret-123"}, follow=True),
        client.get("/segnala/"),
        client.get("/le-mie-segnalazioni/"),
        client.post("/accounts/logout/", follow=True),
    ):
        assert response.status_code in (200, 302)
        seen |= set(client.cookies)  # every cookie any response set, kept even once deleted
    print("cookies set:", sorted(seen))
    assert {"sessionid", "csrftoken", "django_language"} <= seen
    page = _get("/cookie/", "it")
    listed = set(re.findall(r"<th scope=\"row\"><code>([^<]+)</code></th>", page))
    assert seen <= listed, seen - listed
    assert "cookie tecnici" in page and "profilazione" in page
