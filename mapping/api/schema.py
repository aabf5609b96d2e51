"""OpenAPI descriptions of responses that PostgreSQL writes directly (GeoJSON), the error format and filters.

These serializers are never used to serialize: they document the wire format so the schema stays accurate.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers

from commons.models import InnerAreaClass, SiteKind, SiteStatus
from commons.search import SiteFilterSet
from commons.site_fields import (
    BOOLEAN, DATE_TIME, DETAIL, EXPORT, FIELDS, GEOMETRY, INTEGER, LIST, OBJECT, STRING, fields_for, tile_fields,
)
from mapping.read.idempotency import KEY_CHARACTERS as IDEMPOTENCY_KEY_CHARACTERS
from mapping.read.idempotency import MAX_LENGTH as IDEMPOTENCY_MAX_LENGTH
from mapping.api.serializers import POINT_SCHEMA, POLYGONAL_SCHEMA, PhotoSerializer

FILTER_EXAMPLES = {
    "region": "12", "province": "058", "municipality": "058091", "inner": "aree_interne", "kind": "building,land",
    "status": "verified", "ownership": "municipality", "claimed": "true", "top_level": "true", "q": "scuola", "bbox": "12.3,41.8,12.6,42.0",
    "within": '{"type":"Polygon","coordinates":[[[12.3,41.8],[12.6,41.8],[12.6,42.0],[12.3,42.0],[12.3,41.8]]]}',
    "near": "12.4922,41.8902", "radius": "2000", "area_min": "100", "area_max": "50000",
    "updated_since": "2024-01-01", "confirmed_since": "2025-01-01", "freshness": "ageing,stale",
    "missing_from_source": "true",
}


def site_filter_parameters():
    """The shared site filters as OpenAPI query parameters (strings; several values comma-separated)."""
    return [
        OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
                         description=f"{site_filter.extra.get('help_text', '')} Example: `{FILTER_EXAMPLES[name]}`")
        for name, site_filter in SiteFilterSet.base_filters.items()
    ]


PAGE_PARAMETERS = [
    OpenApiParameter("limit", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                     description="Features per page (default 100; values above 1000 are capped at 1000)."),
    OpenApiParameter("offset", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                     description="Features to skip (at most 1,000,000; use exports for bulk data)."),
]


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="Parameter or body member the error is about.")
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. self_intersection.")
    message = serializers.CharField(help_text="A sentence in the request's language.")
    hint = serializers.CharField(required=False)
    location = serializers.ListField(child=serializers.FloatField(), required=False, min_length=2, max_length=2)


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)


def error_responses(*codes):
    described = {400: "Bad parameters or body", 401: "Not authenticated", 403: "Not allowed",
                 404: "Not found", 409: "Conflict", 412: "Stale version (If-Match)", 413: "Body too large",
                 415: "Unsupported media type", 428: "If-Match missing", 429: "Too many requests (Retry-After)"}
    return {code: OpenApiResponse(ErrorsSerializer, description=described[code]) for code in codes}


def _choice(choices, **kwargs):
    return serializers.ChoiceField(choices=choices, **kwargs)


def _documented(field, nested):
    """The serializer field documenting a declared site field (commons.site_fields) on the wire."""
    if field.type == OBJECT:
        return nested[field.name]()
    if field.type == GEOMETRY:
        return serializers.SerializerMethodField(help_text=field.help)
    if field.choices:
        return _choice(field.choices)
    documented = {STRING: serializers.CharField, INTEGER: serializers.IntegerField,
                  BOOLEAN: serializers.BooleanField, DATE_TIME: serializers.DateTimeField}[field.type]
    options = {"allow_null": True} if field.nullable else {}
    return documented(**options, **({"help_text": field.help} if field.help else {}))


def _properties_serializer(name, fields, base=serializers.Serializer, nested=None, **members):
    """A documentation serializer with a member for each field, in the declaration's order."""
    documented = {field.name: _documented(field, nested or {}) for field in fields}
    return type(name, (base,), {"__module__": __name__, **documented, **members})


@extend_schema_field({**POLYGONAL_SCHEMA, "nullable": True})
def _outline(self, obj):  # pragma: no cover - documentation only
    return None


SiteListPropertiesSerializer = type("SiteListPropertiesSerializer", (serializers.Serializer,), {
    "__module__": __name__, "id": serializers.IntegerField(),
    **{field.name: _documented(field, {}) for field in fields_for(LIST)}, "url": serializers.URLField(),
})


class SiteFeatureSerializer(serializers.Serializer):
    type = _choice(["Feature"])
    id = serializers.IntegerField()
    geometry = serializers.SerializerMethodField()
    properties = SiteListPropertiesSerializer()

    @extend_schema_field(POINT_SCHEMA)
    def get_geometry(self, obj):  # pragma: no cover - documentation only
        return {}


class LinkSerializer(serializers.Serializer):
    rel = serializers.CharField()
    type = serializers.CharField()
    href = serializers.URLField()


class SiteFeatureCollectionSerializer(serializers.Serializer):
    type = _choice(["FeatureCollection"])
    licence = serializers.CharField()
    attribution = serializers.CharField()
    numberReturned = serializers.IntegerField()
    links = LinkSerializer(many=True)
    features = SiteFeatureSerializer(many=True)


SiteExportPropertiesSerializer = _properties_serializer(
    "SiteExportPropertiesSerializer", [f for f in fields_for(EXPORT) if LIST not in f.outputs],
    base=SiteListPropertiesSerializer)


class SiteExportFeatureSerializer(SiteFeatureSerializer):
    properties = SiteExportPropertiesSerializer()


class SiteExportCollectionSerializer(serializers.Serializer):
    type = _choice(["FeatureCollection"])
    licence = serializers.CharField()
    attribution = serializers.CharField()
    features = SiteExportFeatureSerializer(many=True)


class AreaRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class MunicipalityRefSerializer(AreaRefSerializer):
    inner_area_class = serializers.CharField()


class ProposalSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    accepted = inline_serializer("AcceptedProposal", {
        "id": serializers.IntegerField(), "title": serializers.CharField(),
        "cooperative": serializers.CharField(), "cooperative_name": serializers.CharField(),
    }, allow_null=True)


class ProvenanceSerializer(serializers.Serializer):
    source = serializers.CharField()
    source_id = serializers.CharField()
    dataset = inline_serializer("ProvenanceDataset", {
        "name": serializers.CharField(), "licence": serializers.CharField(),
        "attribution": serializers.CharField(), "url": serializers.CharField(),
    }, allow_null=True)
    reported_by_citizen = serializers.BooleanField()


class HistorySerializer(serializers.Serializer):
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    changes = serializers.IntegerField(help_text="Recorded changes (creation included)")
    last_change = inline_serializer("LastChange", {"label": serializers.CharField(),
                                                   "at": serializers.DateTimeField()}, allow_null=True)


# The members of the detail that are objects, documented here.
DETAIL_OBJECTS = {
    "areas": lambda: inline_serializer("SiteAreas", {
        "region": AreaRefSerializer(), "province": AreaRefSerializer(), "municipality": MunicipalityRefSerializer(),
    }),
    "photos": lambda: PhotoSerializer(many=True),
    "provenance": ProvenanceSerializer,
    "proposals": ProposalSummarySerializer,
    "history": HistorySerializer,
}
SiteDetailPropertiesSerializer = _properties_serializer(
    "SiteDetailPropertiesSerializer", [f for f in fields_for(DETAIL) if LIST not in f.outputs],
    base=SiteListPropertiesSerializer, nested=DETAIL_OBJECTS, get_outline=_outline)


class SiteDetailSerializer(serializers.Serializer):
    type = _choice(["Feature"])
    id = serializers.IntegerField()
    geometry = serializers.SerializerMethodField()
    properties = SiteDetailPropertiesSerializer()

    @extend_schema_field(POINT_SCHEMA)
    def get_geometry(self, obj):  # pragma: no cover - documentation only
        return {}


class StatsRowSerializer(serializers.Serializer):
    region = serializers.CharField()
    region_name = serializers.CharField()
    kind = _choice(SiteKind.choices)
    status = _choice(SiteStatus.choices)
    count = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_region = serializers.DictField(child=serializers.IntegerField())
    by_kind = serializers.DictField(child=serializers.IntegerField())
    by_status = serializers.DictField(child=serializers.IntegerField())
    rows = StatsRowSerializer(many=True)
    licence = serializers.CharField()
    attribution = serializers.CharField()


class AreaSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    site_count = serializers.IntegerField()
    region = serializers.CharField(required=False)
    province = serializers.CharField(required=False)
    acronym = serializers.CharField(required=False)
    inner_area_class = _choice([("", "unclassified"), *InnerAreaClass.choices], required=False)


class AreaDetailSerializer(AreaSerializer):
    geometry = serializers.JSONField(help_text="GeoJSON MultiPolygon (WGS84, 6 decimals)")




def paginated(name, serializer_class):
    """The {count, next, previous, results} page of the plain JSON lists."""
    return inline_serializer(name, {
        "count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True), "results": serializer_class(many=True),
    })


def _tile_properties(layer):
    """`kind, status; from z 13 also title`: what a tile layer's features carry (commons.site_fields)."""
    zooms = sorted({zoom for field in FIELDS for name, zoom in field.tiles if name == layer})
    parts, shown = [], set()
    for zoom in zooms:
        names = [field.name for field in tile_fields(layer, zoom) if field.name not in shown]
        shown.update(names)
        parts.append(", ".join(names) if zoom == zooms[0] else f"from z {zoom} also {', '.join(names)}")
    return "; ".join(parts)


def add_tile_paths(result, generator, request, public):
    """Document /tiles/sites/{z}/{x}/{y}.pbf (a plain Django view, so not introspected) with the site filters."""
    from drf_spectacular.plumbing import build_parameter_type

    path_parameters = [
        build_parameter_type(name, {"type": "integer", "minimum": 0, "maximum": 22 if name == "z" else 4194303},
                             "path", required=True, description=description)
        for name, description in (("z", "Zoom 0-22"), ("x", "Column, 0 to 2^z - 1"), ("y", "Row, 0 to 2^z - 1"))
    ]
    filters = [build_parameter_type(name, {"type": "string"}, "query", description=str(f.extra.get("help_text", "")))
               for name, f in SiteFilterSet.base_filters.items()]
    errors = {"$ref": "#/components/schemas/Errors"}
    result["paths"]["/tiles/sites/{z}/{x}/{y}.pbf"] = {"get": {
        "operationId": "tiles_sites_retrieve",
        "summary": "Mapbox vector tile of the sites (same filters as the list)",
        "description": "z <= 8: layer `site_clusters` (a point per grid cell with `count`); z >= 9: layer `sites` "
                       f"(feature id = site id; {_tile_properties('sites')}); z >= 14: also "
                       "`site_outlines`. Cache-Control and ETag (If-None-Match gives 304).",
        "tags": ["tiles"],
        "parameters": path_parameters + filters,
        "responses": {
            "200": {"description": "The tile (empty when no site is in it)",
                    "content": {"application/vnd.mapbox-vector-tile": {"schema": {"type": "string",
                                                                                   "format": "binary"}}}},
            "304": {"description": "Not modified (If-None-Match)"},
            "400": {"description": "Bad tile coordinates or filters",
                    "content": {"application/json": {"schema": errors}}},
        },
    }}
    result["components"]["schemas"].setdefault("Errors", {
        "type": "object", "required": ["errors"],
        "properties": {"errors": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorItem"}}},
    })
    return result


# The Idempotency-Key header of creating operations (mapping/read/idempotency.py).
_KEY = rf"{IDEMPOTENCY_KEY_CHARACTERS}{{1,{IDEMPOTENCY_MAX_LENGTH}}}"
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_MAX_LENGTH + 2,
                        "pattern": rf'^(?:"{_KEY}"|{_KEY})$'},
    OpenApiParameter.HEADER, required=False,
    description=(
        "Makes this create safe to retry (IETF Idempotency-Key draft). A new random key (a UUID) for each new "
        "request, the same key to retry it: within 24 hours the first answer comes back (with "
        "`Idempotent-Replayed: true`) and nothing is created again. Keys are per user. 1-255 characters among "
        "letters, digits and `-._~:+/=`, bare or in double quotes. The same key with another body: 422."
    ),
)
IDEMPOTENCY_RESPONSES = {
    409: OpenApiResponse(ErrorsSerializer, description="Conflict, or the first request with this Idempotency-Key "
                                                       "is still in progress (Retry-After)"),
    422: OpenApiResponse(ErrorsSerializer, description="Idempotency-Key already used for another request"),
}
