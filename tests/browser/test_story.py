"""The whole story in Chromium: a citizen reports, the municipality verifies, two cooperatives propose, the
municipality accepts one with a ten-year comodato; the site page shows the timeline, the follower got the
e-mails and the area's Atom feed lists the change."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from commons.models import Proposal, ProposalStatus, Site, SiteStatus, SubscriptionKind
from commons.services.subscriptions import subscription_create
from tests.browser.reporting import SQUARE, draw, open_report, send, walk_to
from tests.factories import CooperativeFactory, coop_user, staff_user, verified_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROMA = "058091"


def _report(make_page):
    citizen = verified_user()
    page = make_page(user=citizen, locale="en-US")
    open_report(page)
    draw(page, SQUARE)
    page.wait_for_function("() => document.getElementById('geometry-status').textContent.includes('4')")
    walk_to(page, "what")
    page.fill("#id_title", "Ex mercato rionale")
    page.select_option("#id_kind", "building")
    page.select_option("#id_ownership", "municipality")  # a public site: its municipality decides
    send(page)
    page.click("#receipt-link")  # the receipt links to the new site's page
    page.wait_for_url("**/beni/*/", timeout=20_000)
    return Site.objects.get(title="Ex mercato rionale")


def _propose(make_page, site, name):
    cooperative = CooperativeFactory(name=name)
    page = make_page(user=coop_user(cooperative, "admin"), locale="en-US")
    page.goto(f"/beni/{site.pk}/proponi/")
    page.fill("#id_title", f"Progetto {name}")
    page.fill("#id_summary", "Un mercato di comunità con orti e servizi.")
    page.select_option("#id_reuse_category", "crafts")
    page.click("#main form[method=post] button[type=submit]")
    page.wait_for_url("**/proposte/*/")
    return Proposal.objects.get(cooperative=cooperative)


def test_report_verify_propose_accept_and_follow(make_page, live_server):
    follower = verified_user(email="follower@example.org")
    subscription_create(user=follower, kind=SubscriptionKind.MUNICIPALITY, area_code=ROMA)

    site = _report(make_page)
    assert site.status == SiteStatus.REPORTED and site.municipality_id == ROMA

    staff = make_page(user=staff_user(ROMA), locale="en-US")
    staff.goto("/lavoro/")
    staff.click(f"a[href='/lavoro/siti/{site.pk}/']")
    staff.fill("#reason-verify", "Sopralluogo del 12 novembre")
    staff.click("button[data-action=verify]")
    staff.wait_for_selector(".alert-success")
    site.refresh_from_db()
    assert site.status == SiteStatus.VERIFIED

    chosen = _propose(make_page, site, "Cooperativa Il Mercato")
    other = _propose(make_page, site, "Cooperativa Orti Uniti")

    start = dt.date.today()
    staff.goto(f"/lavoro/siti/{site.pk}/")
    staff.select_option(f"#instr-{chosen.pk}", "comodato")
    staff.fill(f"#start-{chosen.pk}", start.isoformat())
    staff.fill(f"#end-{chosen.pk}", start.replace(year=start.year + 10).isoformat())
    staff.fill(f"#why-{chosen.pk}", "Progetto più radicato nel quartiere")
    staff.click(f"form[action='/lavoro/proposte/{chosen.pk}/accept/'] button[type=submit]")
    staff.wait_for_selector(".alert-success")
    chosen.refresh_from_db()
    other.refresh_from_db()
    site.refresh_from_db()
    assert chosen.status == ProposalStatus.ACCEPTED and chosen.legal_instrument == "comodato"
    assert (chosen.instrument_end - chosen.instrument_start).days >= 3652
    assert other.status == ProposalStatus.DECLINED
    assert site.status == SiteStatus.ASSIGNED

    visitor = make_page(locale="en-US")
    visitor.goto(f"/beni/{site.pk}/")
    timeline = visitor.locator(".registry-timeline").inner_text()
    for step in ("Added to the registry", "Verified by the municipality", "Assigned to a cooperative"):
        assert step in timeline
    assert "Municipality of Roma" in timeline
    assert "Sopralluogo del 12 novembre" in timeline

    call_command("send_notifications", verbosity=0)
    subjects = [m.subject for m in mail.outbox if m.to == [follower.email]]
    assert any("Ex mercato rionale" in s and "Roma" in s for s in subjects)  # the new report
    assert any("Cooperativa Il Mercato" in s for s in subjects)  # the decision
    assert len(subjects) >= 4  # new site, verified, two proposals, decision

    feed = visitor.request.get(f"{live_server.url}/feed/comune/{ROMA}/").text()
    assert "Ex mercato rionale" in feed and "Cooperativa Il Mercato" in feed
