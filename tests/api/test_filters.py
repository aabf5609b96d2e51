"""One filter definition: each filter alone and combined selects the same sites through the list, the counts and
the exports, and that set equals an independent SQL oracle. Bad parameters are named (G5)."""

import csv
import io
import json

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import Count

from commons.models import Proposal, ProposalStatus, Site, SiteKind, SiteStatus
from tests.factories import ROMA, CooperativeFactory, SiteFactory, square

pytestmark = pytest.mark.django_db
VISIBLE = "NOT s.hidden AND s.status <> 'duplicate'"
WITHIN = {"type": "Polygon", "coordinates": [[[12.0, 41.5], [13.0, 41.5], [13.0, 42.2], [12.0, 42.2], [12.0, 41.5]]]}

# (query string, SQL condition over s = commons_site and m = commons_municipality)
CASES = [
    ("region=12", "s.region_id = '12'"),
    ("region=12,3", "s.region_id IN ('12', '03')"),
    ("province=058&province=015", "s.province_id IN ('058', '015')"),
    ("municipality=058091", "s.municipality_id = '058091'"),
    ("inner=aree_interne", "m.inner_area_class IN ('D', 'E', 'F')"),
    ("inner=A,B", "m.inner_area_class IN ('A', 'B')"),
    ("kind=land,village", "s.kind IN ('land', 'village')"),
    ("status=verified", "s.status = 'verified'"),
    ("ownership=municipality&ownership=confiscated", "s.ownership IN ('municipality', 'confiscated')"),
    ("claimed=true", "s.status = 'verified' AND EXISTS (SELECT 1 FROM commons_proposal p "
                     "WHERE p.site_id = s.id AND p.status = 'submitted')"),
    ("claimed=false", "NOT (s.status = 'verified' AND EXISTS (SELECT 1 FROM commons_proposal p "
                      "WHERE p.site_id = s.id AND p.status = 'submitted'))"),
    ("q=scuola", "to_tsvector('italian', s.title || ' ' || s.description || ' ' || s.address) "
                 "@@ websearch_to_tsquery('italian', 'scuola')"),
    ("bbox=12,41.5,13,42.2", "ST_X(s.location) BETWEEN 12 AND 13 AND ST_Y(s.location) BETWEEN 41.5 AND 42.2"),
    (f"within={json.dumps(WITHIN)}", "ST_Intersects(s.location, ST_GeomFromText("
                                     "'POLYGON((12 41.5,13 41.5,13 42.2,12 42.2,12 41.5))', 4326))"),
    ("near=12.4922,41.8902&radius=30000", "ST_DWithin(s.location::geography, "
                                          "ST_SetSRID(ST_MakePoint(12.4922, 41.8902), 4326)::geography, 30000)"),
    ("area_min=20000&area_max=200000", "s.land_area_m2 BETWEEN 20000 AND 200000"),
    ("updated_since=2030-01-01", "s.updated_at >= '2030-01-01T00:00:00+01:00'"),
    ("region=12&kind=building&q=scuola&near=12.4922,41.8902&radius=20000&status=reported,verified",
     "s.region_id = '12' AND s.kind = 'building' AND s.status IN ('reported', 'verified') AND "
     "to_tsvector('italian', s.title || ' ' || s.description || ' ' || s.address) "
     "@@ websearch_to_tsquery('italian', 'scuola') AND ST_DWithin(s.location::geography, "
     "ST_SetSRID(ST_MakePoint(12.4922, 41.8902), 4326)::geography, 20000)"),
]


@pytest.fixture
def registry(demo_sites):
    """The demo sites plus known ones around Rome, a hidden one, a duplicate and one updated in the future."""
    near_rome = [SiteFactory(location=Point(ROMA[0] + i * 0.01, ROMA[1], srid=4326), status=status)
                 for i, status in enumerate([SiteStatus.REPORTED, SiteStatus.VERIFIED, SiteStatus.VERIFIED])]
    SiteFactory(title="Ex scuola nascosta", hidden=True)
    SiteFactory(title="Ex scuola doppione", status=SiteStatus.DUPLICATE, duplicate_of=near_rome[0])
    SiteFactory(title="Terreno", kind=SiteKind.LAND, outline=square(*ROMA, half=0.001),
                location=Point(*ROMA, srid=4326))
    Proposal.objects.create(site=near_rome[1], cooperative=CooperativeFactory(), title="Casa", summary="S",
                            reuse_category="welfare", status=ProposalStatus.SUBMITTED)
    Site.objects.filter(pk=near_rome[2].pk).update(updated_at="2031-05-01T10:00:00Z")
    with connection.cursor() as cursor:  # factories do not compute areas; the service does
        cursor.execute("UPDATE commons_site SET land_area_m2 = round(ST_Area(outline::geography)) "
                       "WHERE outline IS NOT NULL AND land_area_m2 IS NULL")


def oracle(condition):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT s.id FROM commons_site s JOIN commons_municipality m ON m.code = s.municipality_id "
                       f"WHERE {VISIBLE} AND ({condition})")
        return {row[0] for row in cursor.fetchall()}


def list_ids(client, query):
    ids, url = [], f"/api/v1/sites/?{query}&limit=150"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        page = response.json()
        ids += [feature["id"] for feature in page["features"]]
        assert [f["id"] for f in page["features"]] == sorted((f["id"] for f in page["features"]), reverse=True)
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert len(ids) == len(set(ids))
    return set(ids)


def export_ids(client, query):
    response = client.get(f"/api/v1/exports/sites.csv?{query}")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    geojson = client.get(f"/api/v1/exports/sites.geojson?{query}")
    features = json.loads(b"".join(geojson.streaming_content))["features"]
    assert {f["id"] for f in features} == {int(row["id"]) for row in rows}
    return {int(row["id"]) for row in rows}


@pytest.mark.parametrize("query, condition", CASES, ids=[case[0][:40] for case in CASES])
def test_each_filter_selects_the_same_sites_in_list_stats_and_exports(api_client, registry, query, condition):
    expected = oracle(condition)
    assert 0 < len(expected) < Site.objects.count(), "the case must select a proper, non-empty subset"
    assert list_ids(api_client, query) == expected
    stats = api_client.get(f"/api/v1/stats/?{query}").json()
    assert stats["total"] == len(expected) == sum(row["count"] for row in stats["rows"])
    kinds = dict(Site.objects.filter(pk__in=expected).values_list("kind").order_by().annotate(n=Count("id")))
    assert stats["by_kind"] == kinds
    assert export_ids(api_client, query) == expected


def test_without_filters_everything_visible_and_nothing_hidden_is_listed(api_client, registry):
    visible = set(Site.objects.visible().values_list("id", flat=True))
    assert list_ids(api_client, "") == visible == export_ids(api_client, "")
    assert not visible & set(Site.objects.filter(title__in=["Ex scuola nascosta", "Ex scuola doppione"])
                             .values_list("id", flat=True))


@pytest.mark.parametrize("query, field, code", [
    ("bbox=13,41,12,42", "bbox", "bbox_inverted"),
    ("bbox=12,42,13,41", "bbox", "bbox_inverted"),
    ("bbox=-500,-100,500,100", "bbox", "out_of_bounds"),
    ("bbox=a,b,c,d", "bbox", "invalid_bbox"),
    ("bbox=1,2,3", "bbox", "invalid_bbox"),
    ("bbox=nan,41,13,42", "bbox", "invalid_bbox"),
    ("bbox=12,41,inf,42", "bbox", "invalid_bbox"),
    ("near=12.49,41.89&radius=60000", "radius", "too_large"),
    ("near=12.49,41.89", "radius", "required"),
    ("radius=100", "radius", "requires_near"),
    ("near=abc&radius=5", "near", "invalid_point"),
    ("area_min=-5", "area_min", "invalid_number"),
    ("area_min=500&area_max=100", "area_max", "range_inverted"),
    ("updated_since=ieri", "updated_since", "invalid_datetime"),
    ("updated_since=2024-13-45", "updated_since", "invalid_datetime"),
    ("region=99", "region", "unknown_code"),
    ("region=lazio", "region", "invalid_code"),
    ("kind=castle", "kind", "invalid_choice"),
    ("inner=Z", "inner", "invalid_choice"),
    ("claimed=maybe", "claimed", "invalid_boolean"),
    ("q=" + "x" * 300, "q", "too_long"),
    ("within=POLYGON((1 2,3 4))", "within", "invalid_geojson"),
    ("within=" + json.dumps({"type": "Point", "coordinates": [12, 41]}), "within", "wrong_type"),
    ("q=%00", "q", "invalid_character"),
    ("colour=red", "colour", "unknown_parameter"),
    ("limit=abc", "limit", "invalid_number"),
    ("limit=0", "limit", "out_of_range"),
    ("offset=-1", "offset", "invalid_number"),
])
def test_bad_parameters_are_a_400_naming_them(api_client, query, field, code):
    for url in ("/api/v1/sites/", "/api/v1/stats/", "/api/v1/exports/sites.csv", "/tiles/sites/10/548/380.pbf"):
        if url != "/api/v1/sites/" and field in ("limit", "offset"):
            continue
        response = api_client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, response.content)
        errors = response.json()["errors"]
        assert (field, code) in {(e["field"], e["code"]) for e in errors}, (url, errors)
        assert all(e["message"] for e in errors)


def test_several_problems_are_reported_together(api_client):
    errors = api_client.get("/api/v1/sites/?bbox=1&kind=castle&foo=1&limit=x").json()["errors"]
    assert {e["field"] for e in errors} == {"bbox", "kind", "foo", "limit"}


def test_a_huge_bbox_is_paginated_not_refused(api_client, registry, monkeypatch):
    monkeypatch.setattr("mapping.api.pagination.MAX_LIMIT", 50)
    response = api_client.get("/api/v1/sites/?bbox=-180,-90,180,90&limit=100000")
    page = response.json()
    assert response.status_code == 200 and page["numberReturned"] == len(page["features"]) == 50
    assert "limit=50" in next(link["href"] for link in page["links"] if link["rel"] == "next")
