"""The site page's "Come può tornare a vivere" section, and the web proposal form choosing a pathway (one that does
not fit the site is refused with the form's 400, nothing written)."""

import pytest
from django.test import Client

from commons.models import Proposal
from tests.factories import CooperativeFactory, coop_user, verified_site

pytestmark = pytest.mark.django_db
FORM = {"title": "Casa delle associazioni", "summary": "Sede condivisa", "reuse_category": "culture", "submit": "on"}


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_site_page_lists_the_fitting_pathways_with_their_steps_in_italian(pathways):
    site = verified_site(ownership="confiscated")
    page = _client().get(f"/beni/{site.pk}/").content.decode()
    assert "Come può tornare a vivere" in page
    assert "Assegnazione di un bene confiscato alla criminalità organizzata" in page
    assert "decreto.legislativo:2011-09-06;159~art48" in page
    assert "Manifestazione di interesse o domanda all&#x27;avviso" in page
    assert "Patto di collaborazione per la cura" not in page  # a municipal pact does not fit a confiscated asset


def test_the_site_page_speaks_english_when_asked(pathways):
    site = verified_site(ownership="ecclesiastical")
    page = _client().get(f"/beni/{site.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "How it can come back to life" in page and "Free loan or lease with a private or ecclesiastical owner" in page


def test_a_site_of_unknown_ownership_has_no_pathway_yet(pathways):
    site = verified_site(ownership="unknown")
    assert "la proprietà di questo bene deve essere nota" in _client().get(f"/beni/{site.pk}/").content.decode()


def test_the_form_offers_the_fitting_pathways_and_refuses_one_that_does_not_fit(pathways):
    site = verified_site(ownership="municipality", kind="cultural")
    cooperative = CooperativeFactory()
    member = _client(coop_user(cooperative))
    form = member.get(f"/beni/{site.pk}/proponi/").content.decode()
    assert 'value="beni-culturali-concessione-art-71"' in form and 'value="confiscati-art-48"' not in form
    refused = member.post(f"/beni/{site.pk}/proponi/", {"cooperative": cooperative.pk, "pathway": "confiscati-art-48",
                                                       **FORM})
    assert refused.status_code == 400
    assert "non è adatto a questo bene" in refused.content.decode()
    assert not Proposal.objects.filter(site=site).exists()
    created = member.post(f"/beni/{site.pk}/proponi/", {"cooperative": cooperative.pk,
                                                       "pathway": "beni-culturali-concessione-art-71", **FORM})
    assert created.status_code == 302
    proposal = Proposal.objects.get(site=site)
    assert proposal.pathway.slug == "beni-culturali-concessione-art-71" and proposal.milestones.count() == 6
    page = _client().get(created["Location"]).content.decode()
    assert "Pietre miliari" in page or "Tappe" in page
