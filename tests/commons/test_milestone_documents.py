"""Milestone PDFs: the same upload safety as photos (type sniffed from the bytes, size limit, a stored name the
uploader does not choose), kept outside MEDIA_ROOT and served with Content-Type, Content-Disposition and nosniff."""

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from commons.errors import RegistryValidationError
from commons.models import MilestoneDocument
from commons.services.milestones import milestone_document_add
from commons.services.proposals import proposal_create
from tests.factories import CooperativeFactory, coop_user, verified_site, verified_user

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
      b"trailer<</Root 1 0 R>>\n%%EOF\n"
FIELDS = {"title": "Centro culturale", "summary": "Biblioteca e laboratori", "reuse_category": "culture"}


@pytest.fixture
def documents_dir(tmp_path_factory, media, monkeypatch):
    """Documents in a folder of the test's own, apart from MEDIA_ROOT (the `media` fixture's folder)."""
    folder = tmp_path_factory.mktemp("documents")
    monkeypatch.setattr(MilestoneDocument._meta.get_field("file"), "storage",
                        FileSystemStorage(location=folder, base_url=None))
    return folder


@pytest.fixture
def proposal(pathways):
    site = verified_site(ownership="confiscated")
    cooperative = CooperativeFactory()
    member = coop_user(cooperative)
    proposal = proposal_create(actor=member, site_id=site.pk, cooperative_id=cooperative.pk,
                               pathway="confiscati-art-48", **FIELDS)
    proposal.member = member
    return proposal


def test_a_pdf_is_stored_under_a_random_name_outside_media_and_served_as_a_download(proposal, documents_dir, media):
    document = milestone_document_add(actor=proposal.member, proposal_id=proposal.pk, position=2,
                                      upload=SimpleUploadedFile("../../domanda.pdf", PDF), title="Domanda")
    stored = list(documents_dir.rglob("*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == PDF and "domanda" not in stored[0].name
    assert not list(media.rglob("*.pdf"))
    response = Client().get(f"/documenti/{document.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="documento-{document.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    page = Client().get(f"/proposte/{proposal.pk}/").content.decode()
    assert f"/documenti/{document.pk}/" in page and "Domanda" in page


@pytest.mark.parametrize("name, content", [
    ("note.pdf", b"Just some text, not a PDF at all\n%%EOF"),
    ("photo.pdf", b"\xff\xd8\xff\xe0JFIF" + PDF),  # a JPEG header in front of a PDF: a polyglot
    ("page.pdf", b"<html><script>alert(1)</script></html>"),
    ("cut.pdf", PDF[:40]),  # no end marker: truncated
])
def test_a_file_that_is_not_a_pdf_is_refused_whatever_its_name(proposal, documents_dir, name, content):
    with pytest.raises(RegistryValidationError) as refused:
        milestone_document_add(actor=proposal.member, proposal_id=proposal.pk, position=1,
                               upload=SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert (refused.value.field, refused.value.code) == ("file", "not_pdf")
    assert not MilestoneDocument.objects.exists() and not list(documents_dir.rglob("*"))


def test_over_the_limit_is_413_over_the_api_and_nothing_is_written(proposal, documents_dir, settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    client = APIClient()
    client.force_authenticate(proposal.member)
    url = f"/api/v1/proposals/{proposal.pk}/milestones/1/documents/"
    big = PDF[:-6] + b" " * 2000 + b"%%EOF\n"
    response = client.post(url, {"file": SimpleUploadedFile("big.pdf", big)}, format="multipart")
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"
    refused = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"GIF89a")}, format="multipart")
    assert refused.status_code == 400 and refused.json()["errors"][0] == {
        "field": "file", "code": "not_pdf", "message": "Il file non è un documento PDF."}
    assert not MilestoneDocument.objects.exists()
    created = client.post(url, {"file": SimpleUploadedFile("ok.pdf", PDF), "title": "Visura"}, format="multipart")
    assert created.status_code == 201 and created.json()["url"].endswith(f"/documenti/{created.json()['id']}/")


def test_only_who_records_milestones_files_documents(proposal, documents_dir):
    client = APIClient()
    client.force_authenticate(verified_user())
    response = client.post(f"/api/v1/proposals/{proposal.pk}/milestones/1/documents/",
                           {"file": SimpleUploadedFile("ok.pdf", PDF)}, format="multipart")
    assert response.status_code == 403 and not MilestoneDocument.objects.exists()


def test_a_draft_proposals_document_is_not_public(pathways, documents_dir):
    site = verified_site(ownership="confiscated")
    cooperative = CooperativeFactory()
    member = coop_user(cooperative)
    draft = proposal_create(actor=member, site_id=site.pk, cooperative_id=cooperative.pk, submit=False,
                            pathway="confiscati-art-48", **FIELDS)
    with pytest.raises(RegistryValidationError):  # a draft has no milestones yet
        milestone_document_add(actor=member, proposal_id=draft.pk, position=1, upload=SimpleUploadedFile("a.pdf", PDF))
