"""Reading sites: the RFC 7946 FeatureCollection and its pages, and the detail with ETag and its summaries."""

import io

import pytest
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from PIL import Image

from commons.models import Photo, Proposal, ProposalStatus, SiteStatus, SourceDataset
from tests.factories import ROMA, CooperativeFactory, SiteFactory, UserFactory, square

pytestmark = pytest.mark.django_db


def tiny_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_the_list_is_an_rfc7946_feature_collection_with_licence_and_6_decimals(api_client):
    reporter = UserFactory(email="private@example.org")
    site = SiteFactory(location=Point(12.49221234, 41.89021299, srid=4326), reporter=reporter)
    response = api_client.get("/api/v1/sites/")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["licence"] == "CC BY 4.0" and "ISTAT" in collection["attribution"]
    assert collection["numberReturned"] == 1
    feature = collection["features"][0]
    assert feature["type"] == "Feature" and feature["id"] == site.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": [12.492212, 41.890213]}
    props = feature["properties"]
    assert props["title"] == site.title and props["municipality"] == "058091"
    assert props["municipality_name"] == "Roma" and props["url"].endswith(f"/api/v1/sites/{site.pk}/")
    assert "private@example.org" not in response.content.decode() and "reporter" not in props


def test_pages_follow_next_and_prev_links_in_a_stable_order(api_client):
    ids = sorted((SiteFactory().pk for _ in range(7)), reverse=True)
    first = api_client.get("/api/v1/sites/?limit=3").json()
    assert [f["id"] for f in first["features"]] == ids[:3]
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert set(rels) == {"self", "next"} and "offset=3" in rels["next"] and "limit=3" in rels["next"]
    second = api_client.get(rels["next"]).json()
    assert [f["id"] for f in second["features"]] == ids[3:6]
    rels = {link["rel"]: link["href"] for link in second["links"]}
    assert set(rels) == {"self", "next", "prev"}
    assert [f["id"] for f in api_client.get(rels["prev"]).json()["features"]] == ids[:3]
    last = api_client.get(rels["next"]).json()
    assert [f["id"] for f in last["features"]] == ids[6:]
    assert {link["rel"] for link in last["links"]} == {"self", "prev"}


def test_filters_are_kept_in_the_page_links(api_client):
    for _ in range(3):
        SiteFactory(kind="land")
    SiteFactory(kind="building")
    page = api_client.get("/api/v1/sites/?kind=land&limit=2").json()
    next_url = next(link["href"] for link in page["links"] if link["rel"] == "next")
    assert "kind=land" in next_url
    assert api_client.get(next_url).json()["numberReturned"] == 1


def test_an_empty_result_is_still_a_feature_collection(api_client):
    page = api_client.get("/api/v1/sites/?kind=village").json()
    assert page["features"] == [] and page["numberReturned"] == 0


def test_the_detail_carries_areas_photos_provenance_proposals_and_an_etag(api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    SourceDataset.objects.create(slug="anbsc", name="ANBSC", licence="IODL 2.0", attribution="ANBSC")
    site = SiteFactory(source="anbsc", source_id="I-123", status=SiteStatus.ASSIGNED,
                       outline=square(*ROMA), location=Point(*ROMA, srid=4326))
    Photo.objects.create(site=site, image=ContentFile(tiny_jpeg(), name="a.jpg"), caption="Facciata")
    Photo.objects.create(site=site, image=ContentFile(tiny_jpeg(), name="b.jpg"), caption="Nascosta", hidden=True)
    cooperative = CooperativeFactory()
    Proposal.objects.create(site=site, cooperative=cooperative, title="Casa", summary="S", reuse_category="welfare",
                            status=ProposalStatus.ACCEPTED)
    Proposal.objects.create(site=site, cooperative=CooperativeFactory(), title="Bozza", summary="S",
                            reuse_category="welfare", status=ProposalStatus.DRAFT)
    response = api_client.get(f"/api/v1/sites/{site.pk}/")
    assert response.status_code == 200 and response["ETag"] == f'"site-{site.pk}-v1"'
    props = response.json()["properties"]
    assert props["areas"]["region"] == {"code": "12", "name": "Lazio"}
    assert props["areas"]["municipality"]["name"] == "Roma"
    assert [p["caption"] for p in props["photos"]] == ["Facciata"]
    assert props["provenance"]["source_id"] == "I-123" and props["provenance"]["dataset"]["licence"] == "IODL 2.0"
    assert props["proposals"]["total"] == 1 and props["proposals"]["by_status"] == {"accepted": 1}
    assert props["proposals"]["accepted"]["cooperative"] == cooperative.slug
    assert props["outline"]["type"] == "MultiPolygon" and props["history"]["version"] == 1


@pytest.mark.parametrize("path", ["/api/v1/sites/0/", "/api/v1/sites/99999999999999999999999999/"])
def test_missing_hidden_and_out_of_range_ids_are_json_404s(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"
    hidden = SiteFactory(hidden=True)
    assert api_client.get(f"/api/v1/sites/{hidden.pk}/").status_code == 404


@pytest.mark.django_db
def test_unknown_api_and_tile_urls_answer_json_404(client):
    for url in ("/api/v1/nowhere/", "/tiles/nowhere/1/2/3.png"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"
