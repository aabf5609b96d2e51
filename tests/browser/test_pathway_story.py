"""The pathway story in Chromium: a cooperative finds a confiscated property in its weekly digest, opens it, reads the
art. 48 pathway, proposes under it; citizens support it; another cooperative competes, so the municipality opens a
consultation, a citizen asks a question there, the municipality records the outcome and accepts the proposal, whose
decision page shows the outcome beside the decision; the cooperative records the milestones (with a PDF) until the
site is in reuse. Each page is scanned with axe on desktop and phone; screenshots go to
$REGISTRY_SCREENSHOTS (when set) to be looked at."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.core import mail

from commons.models import Consultation, ConsultationComment, Proposal, ProposalStatus, ProposalSupport, SiteStatus
from commons.pathways import seed_pathways
from tests.browser.conftest import PHONE, axe_violations
from tests.commons.test_milestone_documents import PDF, documents_dir  # noqa: F401 - a fixture
from commons.services.matching import cooperative_interests_set, send_digests
from commons.services.proposals import proposal_create
from tests.factories import CooperativeFactory, coop_user, staff_user, verified_site, verified_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROMA = "058091"
SHOTS = os.environ.get("REGISTRY_SCREENSHOTS")


def _checked(page, name, found):
    page.wait_for_load_state("load")
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    violations = axe_violations(page)
    if violations:
        found[name] = violations
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_propose_under_art_48_support_accept_and_record_milestones_to_reuse(make_page, live_server, documents_dir):
    seed_pathways()
    site = verified_site(ownership="confiscated", title="Villa confiscata di Torre Spaccata")
    cooperative = CooperativeFactory(name="Cooperativa Terre Libere")
    member = coop_user(cooperative, "admin")
    cooperative_interests_set(actor=member, cooperative_id=cooperative.pk, regions=["12"], kinds=[site.kind])
    found = {}

    # The weekly digest names the newly verified property that fits the cooperative (Lazio, its kind) and links it.
    assert send_digests() == (1, 1)
    digest = mail.outbox[-1]
    assert digest.to == [member.email] and site.title in digest.body
    link = re.search(rf"https?://[^/\s]+(/beni/{site.pk}/)\s", digest.body).group(1)
    coop = make_page(user=member)
    coop.goto(link)
    assert coop.inner_text("#pathways-title") == "Come può tornare a vivere"
    coop.click("#pathway-confiscati-art-48 summary")
    assert "D.Lgs. 6 settembre 2011, n. 159" in coop.inner_text("#pathway-confiscati-art-48")
    _checked(coop, "site-desktop", found)
    coop.goto(f"/beni/{site.pk}/proponi/")
    assert coop.input_value("#id_pathway") == "confiscati-art-48"  # the only one fitting: chosen already
    coop.fill("#id_title", "Agricoltura sociale a Torre Spaccata")
    coop.fill("#id_summary", "Orti, formazione e inserimento lavorativo.")
    coop.select_option("#id_reuse_category", "agriculture")
    coop.click("#main form[method=post] button[type=submit]")
    coop.wait_for_url("**/proposte/*/")
    proposal = Proposal.objects.get(cooperative=cooperative)
    assert proposal.pathway.slug == "confiscati-art-48" and proposal.milestones.count() == 6

    for _ in range(2):
        citizen = make_page(user=verified_user())
        citizen.goto(f"/proposte/{proposal.pk}/")
        citizen.click("#support button[type=submit]")
        citizen.wait_for_selector(".alert-success")
    assert citizen.inner_text("#support-count") == "2"
    _checked(citizen, "proposal-citizen-desktop", found)
    assert ProposalSupport.objects.filter(proposal=proposal).count() == 2

    rival = CooperativeFactory(name="Cooperativa Altro Futuro")
    proposal_create(actor=coop_user(rival, "admin"), site_id=site.pk, cooperative_id=rival.pk,
                    title="Centro culturale", summary="Biblioteca e sala prove.", reuse_category="culture")
    staff = make_page(user=staff_user(ROMA))
    _consult(staff, make_page, site, proposal, found)
    staff.goto(f"/lavoro/siti/{site.pk}/")
    staff.select_option(f"#instr-{proposal.pk}", "confiscated")
    staff.fill(f"#start-{proposal.pk}", dt.date.today().isoformat())
    staff.fill(f"#why-{proposal.pk}", "Progetto solido, sostenuto dal quartiere")
    staff.click(f"form[action='/lavoro/proposte/{proposal.pk}/accept/'] button[type=submit]")
    staff.wait_for_selector(".alert-success")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    staff.goto(f"/proposte/{proposal.pk}/")
    assert "Il quartiere preferisce" in staff.inner_text("#consultation-outcome")
    assert staff.inner_text("#decision-title") == "Decisione"
    _checked(staff, "decision-desktop", found)

    today = dt.date.today().isoformat()
    coop.goto(f"/proposte/{proposal.pk}/")
    coop.click("#milestone-1 summary")
    coop.set_input_files("#id_d1-file", files=[{"name": "visura.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    coop.fill("#id_d1-title", "Visura catastale")
    coop.click("form[action$='/passi/1/documenti/'] button[type=submit]")
    coop.wait_for_selector(".alert-success")
    assert coop.locator("#milestone-1 a", has_text="Visura catastale").count() == 1
    assert [p.read_bytes() for p in documents_dir.rglob("*.pdf")] == [PDF]
    for position in range(1, 7):
        coop.click(f"#milestone-{position} summary")
        coop.fill(f"#id_m{position}-actual_date", today)
        coop.click(f"form[action$='/passi/{position}/'] button[type=submit]")
        coop.wait_for_selector(".alert-success")
    assert coop.inner_text("#current-step") == "Tutti i passi raggiunti"
    assert not proposal.milestones.filter(planned_date__isnull=True).exists()  # the forms sent the planned dates back
    _checked(coop, "proposal-cooperative-desktop", found)
    site.refresh_from_db()
    assert site.status == SiteStatus.IN_REUSE

    visitor = make_page()
    visitor.goto(f"/beni/{site.pk}/")
    timeline = visitor.locator(".registry-timeline").inner_text()
    assert "Passo del percorso raggiunto" in timeline and "Cooperativa Terre Libere" in timeline
    for path, name in ((f"/beni/{site.pk}/", "site-phone"), (f"/proposte/{proposal.pk}/", "proposal-phone"),
                       (f"/beni/{site.pk}/consultazione/", "consultation-concluded-phone")):
        phone = make_page(user=member, viewport=PHONE)
        phone.goto(path)
        _checked(phone, name, found)
        assert phone.errors == []
    assert found == {}


def _consult(staff, make_page, site, proposal, found):
    """The municipality opens a consultation on the two competing proposals, a citizen asks a question on one
    (screenshots of the open consultation on desktop and phone), the municipality records the outcome."""
    staff.goto(f"/lavoro/siti/{site.pk}/")
    staff.fill("#id_closes_on", (dt.date.today() + dt.timedelta(days=14)).isoformat())
    staff.fill("#id_question", "Quale dei due progetti risponde meglio ai bisogni del quartiere?")
    staff.click("#open-consultation")
    staff.wait_for_url(f"**/beni/{site.pk}/consultazione/")
    assert staff.inner_text("#consultation-state") == "Aperta"
    citizen = make_page(user=verified_user())
    citizen.goto(f"/beni/{site.pk}/")
    citizen.click("#consultation-banner a")
    citizen.select_option(f"#id_p{proposal.pk}-kind", "question")
    citizen.fill(f"#id_p{proposal.pk}-body", "Gli orti saranno aperti anche alle scuole del quartiere?")
    citizen.click(f"#proposal-{proposal.pk} form button[type=submit]")
    citizen.wait_for_selector(".alert-success")
    assert "aperti anche alle scuole" in citizen.inner_text(f"#proposal-{proposal.pk} .registry-comments")
    assert ConsultationComment.objects.get().proposal_id == proposal.pk
    _checked(citizen, "consultation-desktop", found)
    phone = make_page(user=verified_user(), viewport=PHONE)
    phone.goto(f"/beni/{site.pk}/consultazione/")
    _checked(phone, "consultation-phone", found)
    assert phone.errors == []
    staff.reload()
    staff.fill("#id_outcome", "Il quartiere preferisce l'agricoltura sociale, aperta alle scuole.")
    staff.click("form[action$='/esito/'] button[type=submit]")
    staff.wait_for_selector(".alert-success")
    assert Consultation.objects.get(site=site).concluded_at is not None
