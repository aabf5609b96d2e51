"""Ground truth, the whole story in Chromium: a stale site's follower gets the re-check e-mail, follows its "works
started" link, answers with a photo; the municipality's staff accept it in the work queue; the site's status,
timeline, map style and dashboard follow. Screenshots go to $SCREENSHOTS_DIR (default /tmp/beco-ground-truth)."""

import io
import math
import os
import re
from pathlib import Path

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from commons.models import Confirmation, Photo, Site, SiteStatus, SubscriptionKind
from commons.services.lifecycle import site_verify
from commons.services.subscriptions import subscription_create
from tests.browser.conftest import wait_for_sites
from tests.factories import SiteFactory, moderator_user, staff_user, verified_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROMA = "058091"
CENTRE = (12.4853, 41.8948)
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp/beco-ground-truth"))


def _site(i, days, title, **fields):
    site = SiteFactory(title=title, location=Point(CENTRE[0] + (i % 4) * 0.0022, CENTRE[1] + (i // 4) * 0.0016,
                                                   srid=4326), **fields)
    Site.objects.filter(pk=site.pk).update(last_confirmed_at=timezone.now() - timezone.timedelta(days=days),
                                           last_confirmed_by="dataset")
    return site


def _neighbourhood():
    """Rome's centre: fresh, ageing and stale sites (the map's three styles) around the story's site."""
    moderator = moderator_user()
    for i, days in enumerate([20, 60, 450, 500, 800, 900, 1000]):
        site = _site(i + 1, days, f"Ex edificio {i + 1}", kind="building")
        site_verify(site_id=site.pk, actor=moderator)
    story = _site(0, 820, "Ex mercato coperto", kind="building", ownership="municipality")
    site_verify(site_id=story.pk, actor=moderator)
    return Site.objects.get(pk=story.pk)


def _photo(tmp_path):
    path = tmp_path / "cantiere.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _works_started_link(follower):
    [message] = [m for m in mail.outbox if m.to == [follower.email]]
    assert "Ex mercato coperto" in message.body
    links = re.findall(r"https?://[^/\s]+(/conferma/[^/\s]+/)", message.body)
    line = next(line for line in message.body.splitlines() if "Lavori iniziati" in line or "Works started" in line)
    return next(link for link in links if link in line)


def _tile_freshness(site):
    z = 15
    n = 2**z
    lon, lat = site.location.x, site.location.y
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    layers = mapbox_vector_tile.decode(Client().get(f"/tiles/sites/{z}/{x}/{y}.pbf").content)
    feature = next(f for f in layers["sites"]["features"] if f["id"] == site.pk)
    return feature["properties"]["status"], feature["properties"]["freshness"]


def _dashboard_lazio(page):
    page.goto("/cruscotto/?region=12")
    row = page.locator("#table-freshness tbody tr", has_text="Lazio")
    return [int(re.sub(r"\D", "", cell)) for cell in row.locator("td").all_inner_texts()[:3]]


def _map_shot(make_page, name):
    page = make_page()  # a new browser context each time: tiles are cacheable for 5 minutes
    page.goto(f"/#16/{CENTRE[1] + 0.0016:.5f}/{CENTRE[0] + 0.0033:.5f}", wait_until="domcontentloaded")
    wait_for_sites(page)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / name))
    assert page.locator("#legend-freshness .freshness-stale").count() == 1 and page.errors == []


def _answer_from_the_e_mail(make_page, follower, site, tmp_path):
    answer = make_page()  # not signed in: the signed link stands for the follower
    answer.goto(_works_started_link(follower))
    assert answer.locator("input[value=works_started]").is_checked()
    assert not Confirmation.objects.exists()  # GET never writes
    answer.set_input_files("#id_image", str(_photo(tmp_path)))
    answer.fill("#id_note", "Ponteggi e cartello di cantiere sul lato di via Nazionale")
    answer.screenshot(path=str(SHOTS / "email-landing.png"), full_page=True)
    answer.click("#confirm-submit")
    answer.wait_for_url(f"**/beni/{site.pk}/")
    answer.wait_for_selector(".registry-messages")
    assert answer.errors == []
    change = Confirmation.objects.get()
    assert (change.user, change.answer, change.change_status) == (follower, "works_started", "proposed")
    assert Site.objects.get(pk=site.pk).status == SiteStatus.VERIFIED  # never applied directly
    assert Photo.objects.get(pk=change.photo_id).hidden
    return change


def _accept_in_the_work_queue(make_page, staff, change):
    queue = make_page(user=staff)
    queue.goto("/lavoro/?tab=recheck")
    assert queue.locator("#recheck-table tbody tr").count() >= 4
    queue.screenshot(path=str(SHOTS / "work-queue-recheck.png"), full_page=True)
    queue.goto("/lavoro/?tab=changes")
    queue.locator(f"#change-{change.pk}").wait_for()
    queue.screenshot(path=str(SHOTS / "work-queue-changes.png"), full_page=True)
    queue.fill(f"#accept-{change.pk}", "Sopralluogo: cantiere aperto")
    queue.click(f"button[data-accept='{change.pk}']")
    queue.wait_for_selector(".registry-messages")
    assert queue.errors == []


def _the_site_page_tells_it(make_page, site):
    visitor = make_page()
    visitor.goto(f"/beni/{site.pk}/")
    timeline = visitor.locator(".registry-timeline").inner_text()
    assert "Sopralluogo: cantiere aperto" in timeline and "Comune di Roma" in timeline
    assert visitor.locator(".registry-timeline .registry-status").last.inner_text().strip() == "In riuso"
    assert visitor.locator("#ground-truth .freshness-fresh").count() == 1
    assert visitor.locator(".registry-photos img").count() == 1
    citizen = make_page(user=verified_user())
    citizen.goto(f"/beni/{Site.objects.get(title='Ex edificio 5').pk}/")
    citizen.locator("#ground-truth").screenshot(path=str(SHOTS / "site-confirm-block.png"))
    assert citizen.locator("#confirm-form").is_visible()


def test_a_follower_answers_works_started_from_the_e_mail_and_the_municipality_accepts(make_page, live_server,
                                                                                        tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    site = _neighbourhood()
    follower = verified_user(email="follower@example.org")
    subscription_create(user=follower, kind=SubscriptionKind.SITE, site=site)
    staff = staff_user(ROMA, email="staff@example.org")
    assert _tile_freshness(site) == (SiteStatus.VERIFIED, "stale")
    board = make_page(user=staff)
    before = _dashboard_lazio(board)
    _map_shot(make_page, "map-freshness-before.png")

    call_command("send_rechecks", verbosity=0)
    change = _answer_from_the_e_mail(make_page, follower, site, tmp_path)
    _accept_in_the_work_queue(make_page, staff, change)

    site.refresh_from_db()
    assert site.status == SiteStatus.IN_REUSE and site.last_confirmed_by == "citizen"
    assert _tile_freshness(site) == (SiteStatus.IN_REUSE, "fresh")  # the map draws it green and solid now
    assert not Photo.objects.get(pk=change.photo_id).hidden
    _the_site_page_tells_it(make_page, site)
    _map_shot(make_page, "map-freshness-after.png")
    after = _dashboard_lazio(board)
    assert after[0] == before[0] + 1 and after[2] == before[2] - 1  # one more fresh, one fewer stale
    board.locator("#freshness-section").screenshot(path=str(SHOTS / "dashboard-freshness.png"))
    assert board.errors == []


def test_the_ground_truth_pages_have_no_serious_or_critical_accessibility_violation(make_page, live_server):
    from commons.models import RecheckRequest
    from commons.services.confirmations import site_confirm
    from commons.services.rechecks import answer_token, recheck_enqueue
    from tests.browser.conftest import axe_violations

    site = _neighbourhood()
    follower = verified_user()
    subscription_create(user=follower, kind=SubscriptionKind.SITE, site=site)
    recheck_enqueue()
    site_confirm(actor=verified_user(), site_id=Site.objects.get(title="Ex edificio 6").pk, answer="sold")
    token = answer_token(RecheckRequest.objects.get(user=follower), "still_dormant")
    staff = staff_user(ROMA)
    found = {}
    for user, path in ((staff, "/lavoro/?tab=recheck"), (staff, "/lavoro/?tab=changes"), (None, f"/conferma/{token}/"),
                       (follower, f"/beni/{site.pk}/")):
        page = make_page(user=user)
        page.goto(path, wait_until="load")
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}
