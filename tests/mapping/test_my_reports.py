"""“Le mie segnalazioni”: a signed-in person sees the sites they reported (and only those), with status, date and
link, next to the empty container where the offline script lists the drafts still on the device."""

import html
import re

import pytest
from django.utils import timezone
from django.test import Client

from commons.services.lifecycle import site_hide, site_mark_duplicate, site_verify
from tests.factories import SiteFactory, moderator_user, verified_user

pytestmark = pytest.mark.django_db
URL = "/le-mie-segnalazioni/"


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_page_lists_my_reports_with_status_date_and_link_and_not_other_peoples():
    me, someone = verified_user(), verified_user()
    moderator = moderator_user()
    school = SiteFactory(title="Ex scuola Pascoli", reporter=me)
    barracks = SiteFactory(title="Ex caserma Rossi", reporter=me)
    site_verify(site_id=barracks.pk, actor=moderator)
    SiteFactory(title="Ex mercato di altri", reporter=someone)
    response = signed_in(me).get(URL)
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Ex scuola Pascoli" in page and "Ex caserma Rossi" in page and "Ex mercato di altri" not in page
    assert f'href="/beni/{school.pk}/"' in page and f'href="/beni/{barracks.pk}/"' in page
    assert "Segnalato" in page and "Verificato" in page  # statuses, in Italian by default
    assert page.index("Ex caserma Rossi") < page.index("Ex scuola Pascoli")  # newest first
    assert re.search(rf'<time datetime="{timezone.localtime(school.created_at):%Y-%m-%d}">', page)


def test_hidden_and_merged_reports_stay_listed_and_say_what_happened():
    me, moderator = verified_user(), moderator_user()
    hidden = SiteFactory(title="Segnalazione nascosta", reporter=me)
    site_hide(site_id=hidden.pk, actor=moderator, reason="Spam")
    survivor = SiteFactory(title="Bene principale")
    merged = SiteFactory(title="Doppione", reporter=me)
    site_mark_duplicate(site_id=merged.pk, survivor_id=survivor.pk, actor=moderator, reason="Stesso edificio")
    page = html.unescape(signed_in(me).get(URL).content.decode())
    assert "Segnalazione nascosta" in page and f'href="/beni/{hidden.pk}/"' not in page  # no link to a 404
    assert "nascosta dalla moderazione" in page
    assert "unita a un'altra segnalazione" in page and f'href="/beni/{merged.pk}/"' in page  # redirects to survivor


def test_an_empty_container_is_left_for_the_offline_drafts():
    page = signed_in(verified_user()).get(URL).content.decode()
    assert re.search(r'<div id="offline-drafts"[^>]*></div>', page)
    assert "Non hai ancora inviato segnalazioni." in page


def test_it_is_for_signed_in_people_and_linked_from_the_account_menu():
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    account = signed_in(verified_user()).get("/").content.decode()
    menu = re.search(r'<div class="registry-account">(.*?)</div>', account, re.S).group(1)
    assert f'href="{URL}"' in menu and "Le mie segnalazioni" in menu
    english = signed_in(verified_user()).get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>My reports</h1>" in english and "Drafts on this device" in english
