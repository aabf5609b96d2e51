"""The OpenAPI 3.0 document of the OGC face (service-desc), written from the collections and the parameters.

One path per collection's items, listing its queryables as query parameters: GDAL's OAPIF driver reads them there
and sends `-where kind = 'building'` to the server as `kind=building` (tests/ogc/test_gdal.py).
"""

from mapping.ogc import documents
from mapping.ogc.collections import COLLECTIONS
from mapping.ogc.params import DEFAULT_LIMIT, MAX_LIMIT
from mapping.read.crs import CRS84_URI, SUPPORTED

ERROR = {"type": "object", "required": ["errors"], "properties": {"errors": {"type": "array", "items": {
    "type": "object", "required": ["code", "message"], "properties": {
        "field": {"type": "string", "nullable": True}, "code": {"type": "string"}, "message": {"type": "string"},
        "position": {"type": "string"}}}}}}
ANY_OBJECT = {"type": "object"}
FEATURE_COLLECTION = {"type": "object", "required": ["type", "features"], "properties": {
    "type": {"type": "string", "enum": ["FeatureCollection"]},
    "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
    "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0},
    "links": {"type": "array", "items": ANY_OBJECT}}}
FEATURE = {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
    "type": {"type": "string", "enum": ["Feature"]}, "id": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
    "geometry": {"type": "object", "nullable": True}, "properties": {"type": "object", "nullable": True}}}
CRS_LIST = {"type": "string", "format": "uri", "enum": list(SUPPORTED), "default": CRS84_URI}


def _parameter(name, schema, description, where="query", required=False):
    return {"name": name, "in": where, "required": required, "schema": schema, "description": description,
            **({"style": "form", "explode": False} if where == "query" else {})}


COMMON = [
    _parameter("limit", {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT},
               f"Items per page: {DEFAULT_LIMIT} by default, at most {MAX_LIMIT} (a larger limit is capped)."),
    _parameter("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0},
               "How many items to skip (the next and prev links set it)."),
    _parameter("bbox", {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
               "minx,miny,maxx,maxy in bbox-crs (CRS84 by default)."),
    _parameter("bbox-crs", CRS_LIST, "The CRS of bbox."),
    _parameter("crs", CRS_LIST, "The CRS of the answer's geometries (Content-Crs says which)."),
    _parameter("filter", {"type": "string", "maxLength": 20_000}, "A CQL2 filter (text or JSON, see filter-lang)."),
    _parameter("filter-lang", {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"},
               "The language of filter."),
    _parameter("filter-crs", CRS_LIST, "The CRS of the geometries in filter."),
    _parameter("f", {"type": "string", "enum": ["json", "html"]}, "json (GeoJSON) or html."),
]
DATETIME = _parameter("datetime", {"type": "string"},
                      "An RFC 3339 instant or interval over updated_at (start/end, .. for an open end).")


def _json(schema, media=documents.JSON):
    return {"content": {media: {"schema": schema}}}


def _responses(ok_media, ok_schema, *, not_found=False):
    ok = {"content": {ok_media: {"schema": ok_schema}, documents.HTML: {"schema": {"type": "string"}}}}
    responses = {"200": {"description": "OK (HTML with f=html or a browser's Accept)", **ok},
                 "304": {"description": "Not modified (If-None-Match)"},
                 "400": {"description": "Bad parameters", **_json(ERROR)},
                 "414": {"description": "The address is longer than the server's request-line limit"}}
    if not_found:
        responses["404"] = {"description": "Not found", **_json(ERROR)}
    return responses


def _queryable_parameter(queryable):
    schema = {key: value for key, value in queryable.schema.items() if key in ("type", "enum", "format")}
    if isinstance(schema.get("type"), list):
        schema["type"] = schema["type"][0]
    return _parameter(queryable.name, {k: v for k, v in schema.items() if k != "format"},
                      f"Equality on the queryable {queryable.name}.")


def _collection_paths(item):
    root = f"/collections/{item.id}"
    queryables = [_queryable_parameter(q) for q in item.queryables if q.type != "geometry" and not q.enum_of]
    queryables += [_parameter(q.name, {"type": "string"}, f"Equality on the ISTAT code {q.name}.")
                   for q in item.queryables if q.enum_of]
    parameters = [*COMMON, *([DATETIME] if item.temporal else []), *queryables]
    items = {"get": {"operationId": f"{item.id}_items", "summary": f"Items of {item.id}", "parameters": parameters,
                     "responses": _responses(documents.GEOJSON, {"$ref": "#/components/schemas/FeatureCollection"})}}
    feature_id = _parameter("featureId", {"type": "string", "pattern": "^[0-9]{1,18}$"}, "The item's id.", "path",
                            True)
    one = {"get": {"operationId": f"{item.id}_item", "summary": f"One item of {item.id}",
                   "parameters": [feature_id, COMMON[4], COMMON[-1]],
                   "responses": _responses(documents.GEOJSON, {"$ref": "#/components/schemas/Feature"},
                                           not_found=True)}}
    if item.editable:
        _writes(item, items, one)
    return {
        root: {"get": {"operationId": f"{item.id}_collection", "summary": f"The collection {item.id}",
                       "parameters": [COMMON[-1]], "responses": _responses(documents.JSON, ANY_OBJECT)}},
        f"{root}/queryables": {"get": {"operationId": f"{item.id}_queryables", "parameters": [COMMON[-1]],
                                       "responses": _responses(documents.SCHEMA, ANY_OBJECT)}},
        f"{root}/schema": {"get": {"operationId": f"{item.id}_schema", "parameters": [COMMON[-1]],
                                   "responses": _responses(documents.SCHEMA, ANY_OBJECT)}},
        f"{root}/items": items,
        f"{root}/items/{{featureId}}": one,
    }


def _writes(item, items, one):
    errors = {code: {"description": text, **_json(ERROR)} for code, text in (
        ("400", "Invalid"), ("401", "Not signed in"), ("403", "Not allowed"), ("404", "Not found"),
        ("409", "Conflict"), ("412", "Stale ETag"), ("413", "Too large"), ("415", "Not JSON"),
        ("422", "Idempotency-Key reused"), ("428", "If-Match missing"), ("429", "Too many writes"))}
    body = {"required": True, "content": {documents.GEOJSON: {"schema": {"$ref": "#/components/schemas/Feature"}}}}
    feature = {"description": "The item", **_json({"$ref": "#/components/schemas/Feature"}, documents.GEOJSON)}
    if_match = _parameter("If-Match", {"type": "string"}, "The ETag of the version edited.", "header", True)
    feature_id = one["get"]["parameters"][0]
    items["post"] = {"operationId": f"{item.id}_create", "requestBody": body, "security": [{"token": []}],
                     "responses": {"201": feature, **errors}}
    one["put"] = {"operationId": f"{item.id}_replace", "parameters": [feature_id, if_match], "requestBody": body,
                  "security": [{"token": []}], "responses": {"200": feature, **errors}}
    one["patch"] = {"operationId": f"{item.id}_update", "parameters": [feature_id, if_match], "requestBody": body,
                    "security": [{"token": []}], "responses": {"200": feature, **errors}}
    one["delete"] = {"operationId": f"{item.id}_archive", "summary": "Archive the site (nothing is deleted)",
                     "parameters": [feature_id, if_match,
                                    _parameter("reason", {"type": "string", "maxLength": 500}, "Why.")],
                     "security": [{"token": []}], "responses": {"204": {"description": "Archived"}, **errors}}


def openapi(base):
    f_only = [COMMON[-1]]
    paths = {
        "/": {"get": {"operationId": "landing", "parameters": f_only, "responses": _responses(documents.JSON, ANY_OBJECT)}},
        "/conformance": {"get": {"operationId": "conformance", "parameters": f_only,
                                 "responses": _responses(documents.JSON, ANY_OBJECT)}},
        "/collections": {"get": {"operationId": "collections", "parameters": f_only,
                                 "responses": _responses(documents.JSON, ANY_OBJECT)}},
    }
    for item in COLLECTIONS.values():
        paths.update(_collection_paths(item))
    return {
        "openapi": "3.0.3",
        "info": {"title": "BE.CO-OP registry – OGC API – Features", "version": "1.0.0",
                 "license": {"name": "CC BY 4.0", "url": documents.LICENCE_URL}},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {
            "schemas": {"FeatureCollection": FEATURE_COLLECTION, "Feature": FEATURE, "Error": ERROR},
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization",
                                          "description": "Authorization: Token <key> (POST /api/v1/auth/token/)"}},
        },
    }
