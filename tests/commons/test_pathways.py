"""Pathways as data: the seed a fresh registry starts with, which pathways fit which sites, and a proposal that
names a pathway not fitting its site (refused, nothing written)."""

import pytest

from commons.errors import RegistryValidationError
from commons.models import Milestone, Pathway, Proposal
from commons.pathways import PATHWAYS, seed_pathways
from commons.services.proposals import proposal_create, proposal_submit
from tests.factories import CooperativeFactory, coop_user, verified_site

pytestmark = pytest.mark.django_db
FIELDS = {"title": "Casa di quartiere", "summary": "Spazi per le associazioni", "reuse_category": "welfare"}


def _fitting(site):
    return set(Pathway.objects.fitting(site).values_list("slug", flat=True))


def test_the_seed_holds_eight_pathways_each_with_an_official_text_and_ordered_steps(pathways):
    assert len(pathways) == len(PATHWAYS) == 8
    for pathway in pathways.values():
        assert pathway.legal_basis_url.startswith("https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:")
        assert pathway.title_en and pathway.summary_en and pathway.decided_by_en
        positions = list(pathway.steps.values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1)) and len(positions) >= 4
    assert seed_pathways() == 0  # a second run creates nothing


def test_a_moderators_edit_survives_a_second_seed(pathways):
    Pathway.objects.filter(slug="patto-di-collaborazione").update(title_it="Patto (testo del Comune)")
    seed_pathways()
    assert Pathway.objects.get(slug="patto-di-collaborazione").title_it == "Patto (testo del Comune)"


def test_which_pathways_fit_follows_ownership_and_kind(pathways):
    confiscated = verified_site(ownership="confiscated", kind="building")
    municipal_heritage = verified_site(ownership="municipality", kind="cultural")
    municipal_land = verified_site(ownership="municipality", kind="land")
    church = verified_site(ownership="ecclesiastical", kind="building")
    unknown = verified_site(ownership="unknown", kind="building")
    assert _fitting(confiscated) == {"confiscati-art-48"}
    assert _fitting(municipal_heritage) == {"comodato-terzo-settore-art-71", "beni-culturali-concessione-art-71",
                                            "co-progettazione-art-55", "patto-di-collaborazione"}
    assert "beni-culturali-concessione-art-71" not in _fitting(municipal_land)
    assert "uso-temporaneo-art-23-quater" in _fitting(municipal_land)
    assert _fitting(church) == {"uso-temporaneo-art-23-quater", "accordo-con-proprietario-privato"}
    assert _fitting(unknown) == set()
    assert all(p.fits(confiscated) == (p.slug == "confiscati-art-48") for p in pathways.values())


def test_a_pathway_no_longer_offered_fits_nothing(pathways):
    site = verified_site(ownership="confiscated")
    Pathway.objects.filter(slug="confiscati-art-48").update(active=False)
    assert _fitting(site) == set()


def test_a_proposal_under_a_fitting_pathway_plans_one_milestone_per_step(pathways):
    site = verified_site(ownership="confiscated")
    cooperative = CooperativeFactory()
    proposal = proposal_create(actor=coop_user(cooperative), site_id=site.pk, cooperative_id=cooperative.pk,
                               pathway="confiscati-art-48", **FIELDS)
    milestones = list(proposal.milestones.order_by("position"))
    assert proposal.pathway.slug == "confiscati-art-48"
    assert [m.position for m in milestones] == [1, 2, 3, 4, 5, 6]
    planned = [m.planned_date for m in milestones]
    assert planned == sorted(planned) and all(m.actual_date is None for m in milestones)


@pytest.mark.parametrize("slug, code", [("patto-di-collaborazione", "pathway_not_fitting"),
                                        ("non-esiste", "invalid_choice")])
def test_a_pathway_that_does_not_fit_the_site_is_refused_and_nothing_is_written(pathways, slug, code):
    site = verified_site(ownership="confiscated")
    cooperative = CooperativeFactory()
    with pytest.raises(RegistryValidationError) as refused:
        proposal_create(actor=coop_user(cooperative), site_id=site.pk, cooperative_id=cooperative.pk, pathway=slug,
                        **FIELDS)
    assert (refused.value.field, refused.value.code) == ("pathway", code)
    assert not Proposal.objects.filter(site=site).exists() and not Milestone.objects.exists()


def test_a_draft_gets_its_milestones_when_it_is_submitted(pathways):
    site = verified_site(ownership="municipality", kind="building")
    cooperative = CooperativeFactory()
    member = coop_user(cooperative)
    draft = proposal_create(actor=member, site_id=site.pk, cooperative_id=cooperative.pk, submit=False,
                            pathway="patto-di-collaborazione", **FIELDS)
    assert not draft.milestones.exists()
    proposal_submit(proposal_id=draft.pk, actor=member)
    assert draft.milestones.count() == 4


def test_a_moderator_edits_a_pathway_in_the_admin_and_the_change_is_audited(pathways):
    from django.test import Client

    from tests.factories import moderator_user, verified_user

    pathway = pathways["patto-di-collaborazione"]
    url = f"/admin/commons/pathway/{pathway.pk}/change/"
    citizen = Client()
    citizen.force_login(verified_user())
    assert citizen.get(url).status_code == 302  # to the admin's login: only moderators (who run the admin) get in
    moderator = moderator_user(is_staff=True)
    client = Client()
    client.force_login(moderator)
    page = client.get(url)
    assert page.status_code == 200
    form = {name: value for name, value in page.context["adminform"].form.initial.items() if value is not None}
    steps = list(pathway.steps.order_by("position"))
    form.update({"title_it": "Patto di collaborazione (regolamento comunale)", "ownerships": "municipality,other_public",
                 "kinds": "", "steps-TOTAL_FORMS": str(len(steps)), "steps-INITIAL_FORMS": str(len(steps)),
                 "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "1000"})
    for i, step in enumerate(steps):
        form.update({f"steps-{i}-id": step.pk, f"steps-{i}-pathway": pathway.pk, f"steps-{i}-position": step.position,
                     f"steps-{i}-name_it": step.name_it, f"steps-{i}-name_en": step.name_en,
                     f"steps-{i}-actor_it": step.actor_it, f"steps-{i}-actor_en": step.actor_en,
                     f"steps-{i}-documents_it": step.documents_it, f"steps-{i}-documents_en": step.documents_en,
                     f"steps-{i}-typical_days": step.typical_days})
    response = client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    pathway.refresh_from_db()
    assert pathway.title_it == "Patto di collaborazione (regolamento comunale)"
    event = pathway.events.order_by("-pgh_id").first()
    assert event.pgh_context.metadata["actor"] == moderator.pk
