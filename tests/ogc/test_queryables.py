"""Part 3 queryables: read from the field declaration (commons.site_fields), with enums, and a geometry queryable
that $refs the GeoJSON schema (QGIS needs it); private members are neither output nor queryable."""

import pytest

from commons.models import InnerAreaClass, Province, SiteKind, SiteStatus
from commons.site_fields import INTERNAL, LIST, fields_for
from mapping.ogc.collections import COLLECTIONS, NOT_QUERYABLE

pytestmark = pytest.mark.django_db


def test_every_listed_site_field_is_a_queryable_unless_the_declaration_says_why_not(client):
    properties = client.get("/ogc/collections/sites/queryables").json()["properties"]
    listed = {f.name for f in fields_for(LIST)}
    assert set(properties) == (listed - set(NOT_QUERYABLE)) | {"geometry"}
    assert set(NOT_QUERYABLE) <= listed and all(NOT_QUERYABLE.values())
    assert not set(INTERNAL) & set(properties)  # reporter, hidden, duplicate_of, ...


def test_queryables_carry_enums_and_the_geometry_refs_geojson(client):
    document = client.get("/ogc/collections/sites/queryables")
    assert document["Content-Type"] == "application/schema+json"
    properties = document.json()["properties"]
    assert properties["geometry"]["$ref"] == "https://geojson.org/schema/Point.json"
    assert set(properties["kind"]["enum"]) == set(SiteKind.values)
    assert set(properties["status"]["enum"]) == set(SiteStatus.values)
    assert "confiscated" in properties["ownership"]["enum"]
    assert set(InnerAreaClass.values) <= set(properties["inner_area_class"]["enum"])
    assert len(properties["region"]["enum"]) == 20 and "12" in properties["region"]["enum"]
    assert len(properties["province"]["enum"]) == Province.objects.count()
    assert "058091" in properties["municipality"]["enum"]
    assert properties["updated_at"]["format"] == "date-time"
    outlines = client.get("/ogc/collections/site-outlines/queryables").json()["properties"]
    assert outlines["geometry"]["$ref"] == "https://geojson.org/schema/MultiPolygon.json"
    municipalities = client.get("/ogc/collections/municipalities/queryables").json()["properties"]
    assert {"code", "name", "region", "province", "inner_area_class", "geometry"} <= set(municipalities)


def test_a_filter_on_a_private_member_or_freshness_is_refused(client):
    for name in ("reporter", "hidden", "freshness", "source_data"):
        response = client.get("/ogc/collections/sites/items", {"filter": f"{name} = 'x'"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "unknown_property"
        assert client.get("/ogc/collections/sites/items", {name: "x"}).status_code == 400


def test_the_collections_match_their_declared_geometry_type():
    assert {c.id: c.geometry_type for c in COLLECTIONS.values()} == {
        "sites": "Point", "site-outlines": "MultiPolygon", "regions": "MultiPolygon", "provinces": "MultiPolygon",
        "municipalities": "MultiPolygon"}
