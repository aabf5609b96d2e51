"""OpenAPI descriptions of responses that PostgreSQL writes directly (GeoJSON), the error format and filters.

These serializers are never used to serialize: they document the wire format so the schema stays accurate.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers

from commons.models import Condition, InnerAreaClass, LocationPrecision, Ownership, SiteKind, SiteStatus
from mapping.api.serializers import POINT_SCHEMA, POLYGONAL_SCHEMA, PhotoSerializer
from commons.search import SiteFilterSet

FILTER_EXAMPLES = {
    "region": "12", "province": "058", "municipality": "058091", "inner": "aree_interne", "kind": "building,land",
    "status": "verified", "ownership": "municipality", "claimed": "true", "q": "scuola", "bbox": "12.3,41.8,12.6,42.0",
    "within": '{"type":"Polygon","coordinates":[[[12.3,41.8],[12.6,41.8],[12.6,42.0],[12.3,42.0],[12.3,41.8]]]}',
    "near": "12.4922,41.8902", "radius": "2000", "area_min": "100", "area_max": "50000",
    "updated_since": "2024-01-01",
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
                 415: "Unsupported media type", 428: "If-Match missing"}
    return {code: OpenApiResponse(ErrorsSerializer, description=described[code]) for code in codes}


def _choice(choices, **kwargs):
    return serializers.ChoiceField(choices=choices, **kwargs)


class SiteListPropertiesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = _choice(SiteKind.choices)
    status = _choice(SiteStatus.choices)
    ownership = _choice(Ownership.choices)
    condition = _choice(Condition.choices)
    location_precision = _choice(LocationPrecision.choices)
    land_area_m2 = serializers.IntegerField(allow_null=True)
    floor_area_m2 = serializers.IntegerField(allow_null=True)
    has_outline = serializers.BooleanField()
    region = serializers.CharField(help_text="ISTAT region code")
    province = serializers.CharField(help_text="ISTAT province code")
    municipality = serializers.CharField(help_text="ISTAT municipality code")
    municipality_name = serializers.CharField()
    inner_area_class = serializers.CharField(help_text="SNAI class A-F, empty when unclassified")
    updated_at = serializers.DateTimeField()
    url = serializers.URLField()


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


class SiteExportPropertiesSerializer(SiteListPropertiesSerializer):
    description = serializers.CharField()
    address = serializers.CharField()
    cadastral_refs = serializers.CharField()
    dormant_since = serializers.IntegerField(allow_null=True)
    source = serializers.CharField()
    created_at = serializers.DateTimeField()


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


class SiteDetailPropertiesSerializer(SiteListPropertiesSerializer):
    description = serializers.CharField()
    address = serializers.CharField()
    cadastral_refs = serializers.CharField()
    dormant_since = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    outline = serializers.SerializerMethodField(help_text="GeoJSON MultiPolygon or null")
    areas = inline_serializer("SiteAreas", {
        "region": AreaRefSerializer(), "province": AreaRefSerializer(), "municipality": MunicipalityRefSerializer(),
    })
    photos = PhotoSerializer(many=True)
    provenance = ProvenanceSerializer()
    proposals = ProposalSummarySerializer()
    history = HistorySerializer()
    parent = serializers.IntegerField(allow_null=True)

    @extend_schema_field({**POLYGONAL_SCHEMA, "nullable": True})
    def get_outline(self, obj):  # pragma: no cover - documentation only
        return None


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
                       "(feature id = site id; kind, status, ownership; from z 13 also title, has_outline); z >= 14: also "
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
