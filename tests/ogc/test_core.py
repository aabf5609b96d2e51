"""OGC API – Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0): the landing page, conformance, collections and
items pages, checked against the registry's own queries (never against the OGC code's)."""

import pytest
from django.contrib.gis.geos import Point
from django.db.models import Q

from commons.models import Site, SiteStatus
from mapping.ogc.documents import CONFORMANCE
from mapping.ogc.params import DEFAULT_LIMIT, MAX_LIMIT
from tests.factories import ROMA, SiteFactory

pytestmark = pytest.mark.django_db
ITEMS = "/ogc/collections/sites/items"
SPEC = "http://www.opengis.net/spec"


def rels(document):
    return {(link["rel"], link["type"]) for link in document["links"]}


def test_the_landing_page_links_the_api_definition_its_docs_the_conformance_and_the_data(client):
    document = client.get("/ogc/").json()
    assert {("self", "application/json"), ("service-desc", "application/vnd.oai.openapi+json;version=3.0"),
            ("service-doc", "text/html"), ("conformance", "application/json"),
            ("data", "application/json"), ("license", "text/html")} <= rels(document)
    assert "ISTAT" in document["attribution"]
    api = client.get("/ogc/openapi")
    assert api["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    spec = api.json()
    assert spec["openapi"].startswith("3.0") and "/collections/sites/items" in spec["paths"]
    limit = next(p for p in spec["paths"]["/collections/sites/items"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["default"] == DEFAULT_LIMIT and str(MAX_LIMIT) in limit["description"].replace(",", "")


def test_conformance_lists_core_crs_filter_cql2_and_part_4():
    expected = {"ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson",
                "ogcapi-features-2/1.0/conf/crs", "ogcapi-features-3/1.0/conf/filter",
                "ogcapi-features-3/1.0/conf/features-filter", "cql2/1.0/conf/cql2-text", "cql2/1.0/conf/cql2-json",
                "cql2/1.0/conf/basic-cql2", "cql2/1.0/conf/advanced-comparison-operators",
                "cql2/1.0/conf/case-insensitive-comparison", "cql2/1.0/conf/basic-spatial-functions",
                "cql2/1.0/conf/spatial-functions", "ogcapi-features-4/1.0/conf/create-replace-delete"}
    assert {f"{SPEC}/{name}" for name in expected} <= set(CONFORMANCE)


def test_conformance_is_served(client):
    assert set(client.get("/ogc/conformance").json()["conformsTo"]) == set(CONFORMANCE)


def test_each_collection_has_extents_items_queryables_schema_crs_and_licence(client, demo_sites):
    document = client.get("/ogc/collections").json()
    by_id = {c["id"]: c for c in document["collections"]}
    assert set(by_id) == {"sites", "site-outlines", "regions", "provinces", "municipalities"}
    for item in by_id.values():
        bbox = item["extent"]["spatial"]["bbox"]
        assert isinstance(bbox[0], list) and len(bbox[0]) == 4
        assert 6 < bbox[0][0] < 7.5 and 46.5 < bbox[0][3] < 47.5  # Italy
        kinds = rels(item)
        assert ("items", "application/geo+json") in kinds and ("describedby", "application/schema+json") in kinds
        assert ("http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json") in kinds
        assert ("license", "text/html") in kinds and item["attribution"]
        assert item["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        assert item["crs"][0] == item["storageCrs"] and "http://www.opengis.net/def/crs/EPSG/0/3004" in item["crs"]
    first = Site.objects.visible().order_by("updated_at").first().updated_at
    interval = by_id["sites"]["extent"]["temporal"]["interval"]
    assert interval[0][1] is None and interval[0][0].startswith(first.strftime("%Y-%m-%dT%H:%M"))
    assert client.get("/ogc/collections/sites/schema")["Content-Type"] == "application/schema+json"
    assert client.get("/ogc/collections/nothing").status_code == 404


def test_items_pages_follow_next_and_prev_and_count_what_the_api_counts(client, demo_sites):
    first = client.get(f"{ITEMS}?limit=120")
    assert first["Content-Type"] == "application/geo+json"
    page = first.json()
    total = Site.objects.visible().count()
    assert page["numberMatched"] == total and page["numberReturned"] == 120
    ids = [f["id"] for f in page["features"]]
    assert all(isinstance(i, int) for i in ids) and ids == sorted(ids, reverse=True)
    seen = list(ids)
    while (following := next((l["href"] for l in page["links"] if l["rel"] == "next"), None)):
        page = client.get(following).json()
        assert any(l["rel"] == "prev" for l in page["links"])
        seen += [f["id"] for f in page["features"]]
    assert sorted(seen) == sorted(Site.objects.visible().values_list("id", flat=True))
    assert client.get(ITEMS).json()["numberReturned"] == DEFAULT_LIMIT


def test_a_limit_over_the_maximum_is_capped_and_a_bad_one_is_a_400(client, demo_sites):
    assert client.get(f"{ITEMS}?limit=5000").json()["numberReturned"] == min(MAX_LIMIT, Site.objects.count())
    for bad in ("limit=0", "limit=x", "offset=-1", "bbox=1,2,3", "bbox=13,42,12,41", "datetime=yesterday",
                "nope=1", "kind=castle", "crs=EPSG:2000", "f=xml", "land_area_m2=big"):
        response = client.get(f"{ITEMS}?{bad}")
        assert response.status_code == 400, bad
        assert {"field", "code", "message"} <= set(response.json()["errors"][0]), bad


def test_every_queryable_works_as_an_equality_parameter(client, demo_sites):
    site = Site.objects.visible().filter(outline__isnull=False).select_related("municipality").first()
    for name, value, expected in [
        ("kind", site.kind, Q(kind=site.kind)), ("region", site.region_id, Q(region_id=site.region_id)),
        ("status", site.status, Q(status=site.status)), ("title", site.title, Q(title=site.title)),
        ("inner_area_class", site.municipality.inner_area_class,
         Q(municipality__inner_area_class=site.municipality.inner_area_class)),
        ("has_outline", "true", Q(outline__isnull=False)),
        ("land_area_m2", str(site.land_area_m2), Q(land_area_m2=site.land_area_m2)),
    ]:
        page = client.get(ITEMS, {name: value, "limit": 1000}).json()
        assert page["numberMatched"] == Site.objects.visible().filter(expected).count() > 0, name
        assert len(page["features"]) == page["numberMatched"]


def test_datetime_takes_instants_and_intervals_with_open_ends_over_updated_at(client, demo_sites):
    moments = sorted(Site.objects.visible().values_list("updated_at", flat=True))
    middle = moments[len(moments) // 2]
    text = middle.isoformat().replace("+00:00", "Z")
    counts = {
        f"{text}/..": Site.objects.visible().filter(updated_at__gte=middle).count(),
        f"../{text}": Site.objects.visible().filter(updated_at__lte=middle).count(),
        f"/{text}": Site.objects.visible().filter(updated_at__lte=middle).count(),
        f"2000-01-01T00:00:00Z/{text}": Site.objects.visible().filter(updated_at__lte=middle).count(),
        text: Site.objects.visible().filter(updated_at=middle).count(),
    }
    for value, count in counts.items():
        assert client.get(ITEMS, {"datetime": value, "limit": 1}).json()["numberMatched"] == count, value
    assert client.get(ITEMS, {"datetime": "../.."}).status_code == 400
    assert client.get(ITEMS, {"datetime": f"{text}/2000-01-01T00:00:00Z"}).status_code == 400
    assert client.get("/ogc/collections/regions/items", {"datetime": text}).status_code == 400


def test_hidden_and_merged_sites_never_appear(client, demo_sites):
    hidden = SiteFactory(location=Point(*ROMA, srid=4326), hidden=True)
    survivor = SiteFactory(location=Point(*ROMA, srid=4326))
    merged = SiteFactory(location=Point(*ROMA, srid=4326), status=SiteStatus.DUPLICATE, duplicate_of=survivor)
    ids = {f["id"] for f in client.get(ITEMS, {"limit": 1000}).json()["features"]}
    assert survivor.pk in ids and not {hidden.pk, merged.pk} & ids
    for site in (hidden, merged):
        assert client.get(f"{ITEMS}/{site.pk}").status_code == 404
        assert client.get(ITEMS, {"filter": f"title = '{site.title}'"}).json()["numberMatched"] == (
            Site.objects.visible().filter(title=site.title).count())


def test_an_item_has_its_version_etag_and_answers_304(client, demo_sites):
    site = Site.objects.visible().first()
    response = client.get(f"{ITEMS}/{site.pk}")
    assert response["ETag"] == f'"site-{site.pk}-v{site.version}"'
    feature = response.json()
    assert feature["id"] == site.pk and feature["geometry"]["type"] == "Point"
    assert "reporter" not in feature["properties"] and "hidden" not in feature["properties"]
    assert client.get(f"{ITEMS}/{site.pk}", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get(f"{ITEMS}/999999999").status_code == 404
    assert client.get(f"{ITEMS}/abc").status_code == 404


def test_outlines_and_areas_have_polygons_and_their_own_properties(client, demo_sites):
    outlines = client.get("/ogc/collections/site-outlines/items", {"limit": 1000}).json()
    assert outlines["numberMatched"] == Site.objects.visible().filter(outline__isnull=False).count() > 0
    assert {f["geometry"]["type"] for f in outlines["features"]} == {"MultiPolygon"}
    municipalities = client.get("/ogc/collections/municipalities/items",
                                {"region": "12", "inner_area_class": "F", "limit": 5}).json()
    assert municipalities["numberReturned"] > 0
    assert all(f["properties"]["region"] == "12" and f["properties"]["inner_area_class"] == "F"
               for f in municipalities["features"])
    lazio = client.get("/ogc/collections/regions/items/12").json()
    assert lazio["id"] == "12" and lazio["properties"]["name"] == "Lazio"
    assert lazio["geometry"]["type"] == "MultiPolygon"


def test_each_resource_has_an_html_page_in_italian(client, demo_sites):
    site = Site.objects.visible().first()
    for url in ("/ogc/", "/ogc/conformance", "/ogc/collections", "/ogc/collections/sites",
                "/ogc/collections/sites/queryables", "/ogc/collections/sites/schema", f"{ITEMS}?limit=5",
                f"{ITEMS}/{site.pk}", "/ogc/openapi"):
        response = client.get(url, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html"), url
        assert '<html lang="it">' in response.content.decode()
    assert "Beni dormienti (punti)" in client.get("/ogc/collections?f=html").content.decode()
    assert client.get("/ogc/collections", HTTP_ACCEPT="application/json")["Content-Type"] == "application/json"
