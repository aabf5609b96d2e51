"""Reading sites: the RFC 7946 FeatureCollection and its pages, and the detail with ETag and its summaries."""

import datetime
import io
import json

import pytest
from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db.models import Count
from PIL import Image

from commons.freshness import freshness_of
from commons.models import Photo, Proposal, ProposalStatus, Site, SiteStatus, SourceDataset
from mapping.read.geojson import site_detail
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


def orm_detail(site, base):
    """The detail as the ORM sees it, field by field: the oracle for the statement that writes it in SQL."""
    site = Site.objects.select_related("region", "province", "municipality").get(pk=site.pk)
    public = site.proposals.exclude(status=ProposalStatus.DRAFT)
    by_status = dict(public.order_by().values_list("status").annotate(n=Count("id")))
    accepted = public.filter(status__in=[ProposalStatus.ACCEPTED, ProposalStatus.COMPLETED]).first()
    events = site.events.order_by("-pgh_created_at", "-pgh_id")
    latest = events.first()
    dataset = SourceDataset.objects.filter(slug=site.source).first()
    outline = json.loads(site.outline.geojson) if site.outline else None
    step = accepted and accepted.milestones.filter(actual_date__isnull=True).order_by("position").first()
    return {
        "id": site.pk, "title": site.title, "kind": site.kind, "status": site.status, "ownership": site.ownership,
        "condition": site.condition, "location_precision": site.location_precision,
        "land_area_m2": site.land_area_m2, "floor_area_m2": site.floor_area_m2, "has_outline": bool(site.outline),
        "region": site.region_id, "province": site.province_id, "municipality": site.municipality_id,
        "municipality_name": site.municipality.name, "inner_area_class": site.municipality.inner_area_class,
        "updated_at": site.updated_at.isoformat(), "url": f"{base}/api/v1/sites/{site.pk}/",
        "description": site.description, "address": site.address, "cadastral_refs": site.cadastral_refs,
        "dormant_since": site.dormant_since, "version": site.version, "created_at": site.created_at.isoformat(),
        "outline": outline and {"type": outline["type"], "coordinates": [[[[round(x, 6), round(y, 6)]
                                                                          for x, y in ring] for ring in polygon]
                                                                        for polygon in outline["coordinates"]]},
        "areas": {"region": {"code": site.region_id, "name": site.region.name},
                  "province": {"code": site.province_id, "name": site.province.name},
                  "municipality": {"code": site.municipality_id, "name": site.municipality.name,
                                   "inner_area_class": site.municipality.inner_area_class}},
        "provenance": {"source": site.source, "source_id": site.source_id,
                       "reported_by_citizen": site.source == "citizen",
                       "dataset": dataset and {"name": dataset.name, "licence": dataset.licence,
                                               "attribution": dataset.attribution, "url": dataset.url}},
        "proposals": {"total": sum(by_status.values()), "by_status": by_status,
                      "accepted": accepted and {"id": accepted.pk, "title": accepted.title,
                                                "cooperative": accepted.cooperative.slug,
                                                "cooperative_name": accepted.cooperative.name}},
        "history": {"version": site.version, "created_at": site.created_at.isoformat(),
                    "updated_at": site.updated_at.isoformat(), "changes": events.count(),
                    "last_change": latest and {"label": latest.pgh_label, "at": latest.pgh_created_at.isoformat()}},
        "parent": site.parent_id,
        "last_confirmed_at": site.last_confirmed_at.isoformat(), "last_confirmed_by": site.last_confirmed_by,
        "freshness": freshness_of(site.last_confirmed_at), "missing_from_source_at": None,
        "pathway": accepted.pathway.slug if accepted and accepted.pathway else None,
        "current_step": step.step.name_it if step else None,
    }


def same_instants(value):
    """Timestamps as instants: PostgreSQL writes 16:24:24.77848+00:00 where Python writes .778480 (both RFC 3339)."""
    if isinstance(value, dict):
        return {key: same_instants(item) for key, item in value.items()}
    if isinstance(value, str) and len(value) > 19 and value[10:11] == "T":
        return datetime.datetime.fromisoformat(value)
    return value


def test_the_detail_written_in_sql_says_what_the_orm_reads(api_client):
    SourceDataset.objects.create(slug="anbsc", name="ANBSC", licence="IODL 2.0", attribution="ANBSC",
                                 url="https://example.org/anbsc")
    parent = SiteFactory(location=Point(*ROMA, srid=4326))
    rich = SiteFactory(source="anbsc", source_id="I-9", status=SiteStatus.ASSIGNED, outline=square(*ROMA),
                       location=Point(*ROMA, srid=4326), parent=parent, description="Un \"ex\" cinema\nàèìòù",
                       dormant_since=1990, floor_area_m2=420, land_area_m2=1300, address="Via Roma 1")
    for status in (ProposalStatus.SUBMITTED, ProposalStatus.SUBMITTED, ProposalStatus.ACCEPTED,
                   ProposalStatus.DRAFT):
        Proposal.objects.create(site=rich, cooperative=CooperativeFactory(), title=f"P {status}", summary="S",
                                reuse_category="welfare", status=status)
    Site.objects.filter(pk=rich.pk).update(title="Ex cinema (rinominato)", version=2)
    for site in (parent, rich):
        feature = api_client.get(f"/api/v1/sites/{site.pk}/").json()
        photos = feature["properties"].pop("photos")
        assert photos == []
        assert same_instants(feature["properties"]) == same_instants(orm_detail(site, "http://testserver"))
        assert feature["geometry"] == {"type": "Point", "coordinates": [round(c, 6) for c in site.location.coords]}
    assert orm_detail(rich, "")["history"]["changes"] >= 2 and orm_detail(rich, "")["proposals"]["total"] == 3


def test_the_site_page_reads_the_api_detail_and_only_adds_its_own_members(api_client):
    parent = SiteFactory(location=Point(*ROMA, srid=4326))
    child = SiteFactory(location=Point(*ROMA, srid=4326), parent=parent, cadastral_refs="Fg. 12 part. 34")
    for site in (parent, child):
        api = api_client.get(f"/api/v1/sites/{site.pk}/").json()
        page = json.loads(site_detail(site.pk, url_prefix="http://testserver/api/v1/sites/", page=True)[4])
        own = {name: page["properties"].pop(name) for name in ("province_acronym", "parent_title")}
        assert page == api
        assert own == {"province_acronym": "RM", "parent_title": parent.title if site is child else None}


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
