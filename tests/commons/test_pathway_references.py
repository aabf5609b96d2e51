"""The seeded pathways' legal references: corrected texts reach existing databases (migration 0020) without
overwriting what moderators edited, a fresh seed already carries them, and every link is a Normattiva URN."""

import importlib
import re

import pytest
from django.apps import apps

from commons.models import Pathway
from commons.pathways import PATHWAYS

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("commons.migrations.0020_pathway_references_checked")
SEED = {pathway["slug"]: pathway for pathway in PATHWAYS}
# https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:<type>:<yyyy-mm-dd>;<number>[:<annex>]~art<n>[bis|ter|quater]
URN = re.compile(r"^https://www\.normattiva\.it/uri-res/N2Ls\?urn:nir:stato:[a-z.]+:\d{4}-\d{2}-\d{2}"
                 r"(;\d+(:\d+)?)?~art\d+(bis|ter|quater)?$")


def test_an_existing_database_gets_the_corrected_texts_and_keeps_a_moderators_edit(pathways):
    for slug, field, seeded, _corrected in MIGRATION.CORRECTIONS:
        Pathway.objects.filter(slug=slug).update(**{field: seeded})
    Pathway.objects.filter(slug="uso-temporaneo-art-23-quater").update(summary_en="Edited by a moderator.")
    MIGRATION.correct(apps, None)
    for slug, field, _seeded, corrected in MIGRATION.CORRECTIONS:
        if (slug, field) != ("uso-temporaneo-art-23-quater", "summary_en"):
            assert getattr(Pathway.objects.get(slug=slug), field) == corrected
    assert Pathway.objects.get(slug="uso-temporaneo-art-23-quater").summary_en == "Edited by a moderator."
    art_3_bis = Pathway.objects.get(slug="valorizzazione-demanio-art-3-bis")
    assert "10% del canone" in art_3_bis.summary_it and "10% of the rent" in art_3_bis.summary_en


def test_a_fresh_seed_already_carries_the_corrected_texts():
    for slug, field, seeded, corrected in MIGRATION.CORRECTIONS:
        assert SEED[slug][field] == corrected != seeded


def test_every_legal_basis_links_an_article_by_its_normattiva_urn():
    for pathway in PATHWAYS:
        assert URN.match(pathway["legal_basis_url"]), pathway["slug"]
