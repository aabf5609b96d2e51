"""The JSON documents of the OGC face (landing page, conformance, collections, queryables, schemas), written
from the collection declarations (mapping/ogc/collections.py) and the CRS allow-list (mapping/read/crs.py)."""

from django.conf import settings
from django.utils.translation import gettext as _

from commons.site_fields import fields_for
from mapping.ogc.collections import COLLECTIONS
from mapping.read.crs import CRS84_URI, SUPPORTED
from mapping.read.features import italy_bbox, sites_interval

JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"  # settings.REGISTRY_DATA_LICENCE
SPEC = "http://www.opengis.net/spec"
CONFORMANCE = [
    f"{SPEC}/ogcapi-features-1/1.0/conf/core",
    f"{SPEC}/ogcapi-features-1/1.0/conf/oas30",
    f"{SPEC}/ogcapi-features-1/1.0/conf/html",
    f"{SPEC}/ogcapi-features-1/1.0/conf/geojson",
    f"{SPEC}/ogcapi-features-2/1.0/conf/crs",
    f"{SPEC}/ogcapi-features-3/1.0/conf/queryables",
    f"{SPEC}/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    f"{SPEC}/ogcapi-features-3/1.0/conf/filter",
    f"{SPEC}/ogcapi-features-3/1.0/conf/features-filter",
    f"{SPEC}/cql2/1.0/conf/cql2-text",
    f"{SPEC}/cql2/1.0/conf/cql2-json",
    f"{SPEC}/cql2/1.0/conf/basic-cql2",
    f"{SPEC}/cql2/1.0/conf/advanced-comparison-operators",
    f"{SPEC}/cql2/1.0/conf/case-insensitive-comparison",
    f"{SPEC}/cql2/1.0/conf/basic-spatial-functions",
    f"{SPEC}/cql2/1.0/conf/basic-spatial-functions-plus",
    f"{SPEC}/cql2/1.0/conf/spatial-functions",
    f"{SPEC}/ogcapi-features-4/1.0/conf/create-replace-delete",
    f"{SPEC}/ogcapi-features-4/1.0/conf/update",
    f"{SPEC}/ogcapi-features-4/1.0/conf/features",
]


def link(href, rel, type_, title=None):
    item = {"href": href, "rel": rel, "type": type_}
    if title:
        item["title"] = str(title)
    return item


def licence_links():
    return [link(LICENCE_URL, "license", HTML, settings.REGISTRY_DATA_LICENCE)]


def landing(base):
    return {
        "title": _("BE.CO-OP registry of dormant commons"),
        "description": _("Italy's dormant and abandoned assets (buildings, land, villages, confiscated property) "
                         "as OGC API – Features: use it as a live layer in QGIS, GDAL or any OGC client."),
        "attribution": settings.REGISTRY_ATTRIBUTION,
        "links": [
            link(f"{base}/", "self", JSON, _("This document")),
            link(f"{base}/?f=html", "alternate", HTML, _("This document as HTML")),
            link(f"{base}/openapi", "service-desc", OPENAPI, _("The API definition (OpenAPI 3.0)")),
            link(f"{base}/openapi?f=html", "service-doc", HTML, _("The API documentation")),
            link(f"{base}/conformance", "conformance", JSON, _("Conformance classes")),
            link(f"{base}/collections", "data", JSON, _("Collections")),
            *licence_links(),
        ],
    }


def conformance():
    return {"conformsTo": CONFORMANCE}


def collection(base, item):
    url = f"{base}/collections/{item.id}"
    extent = {"spatial": {"bbox": [italy_bbox()], "crs": CRS84_URI}}
    if item.temporal:
        extent["temporal"] = {"interval": [[sites_interval()[0], None]],
                              "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return {
        "id": item.id,
        "title": str(item.title),
        "description": str(item.description),
        "itemType": "feature",
        "attribution": settings.REGISTRY_ATTRIBUTION,
        "extent": extent,
        "crs": list(SUPPORTED),
        "storageCrs": CRS84_URI,
        "links": [
            link(url, "self", JSON, item.title),
            link(f"{url}?f=html", "alternate", HTML),
            link(f"{url}/items", "items", GEOJSON, _("Items as GeoJSON")),
            link(f"{url}/items?f=html", "items", HTML, _("Items as HTML")),
            link(f"{url}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA, _("Queryables")),
            link(f"{url}/schema", "describedby", SCHEMA, _("Schema of the items")),
            *licence_links(),
        ],
    }


def collections(base):
    return {
        "links": [link(f"{base}/collections", "self", JSON), link(f"{base}/collections?f=html", "alternate", HTML)],
        "collections": [collection(base, item) for item in COLLECTIONS.values()],
        "crs": list(SUPPORTED),
    }


def _queryable_schema(queryable):
    schema = {"title": queryable.title or queryable.name, **queryable.schema}
    if queryable.enum_of is not None:
        schema["enum"] = list(queryable.enum_of.objects.order_by("code").values_list("code", flat=True))
    if queryable.type == "geometry":
        schema["x-ogc-role"] = "primary-geometry"
    return schema


def queryables(base, item):
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/collections/{item.id}/queryables",
        "type": "object",
        "title": str(item.title),
        "properties": {q.name: _queryable_schema(q) for q in item.queryables},
        "additionalProperties": False,
    }


def schema(base, item):
    """The JSON Schema of an item's properties (Part 5 style: the geometry with its role, the id)."""
    properties = {"id": {"type": "integer" if item.sites else "string", "x-ogc-role": "id"}}
    for queryable in item.queryables:
        properties[queryable.name] = _queryable_schema(queryable)
    if item.sites:
        for site_field in fields_for("list"):
            properties.setdefault(site_field.name, {"type": "string", "title": site_field.help or site_field.name,
                                                    "readOnly": True})
        properties["url"] = {"type": "string", "format": "uri", "readOnly": True}
    else:
        for name, _sql in item.properties:
            properties.setdefault(name, {"type": "string"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/collections/{item.id}/schema",
        "type": "object",
        "title": str(item.title),
        "properties": properties,
    }
