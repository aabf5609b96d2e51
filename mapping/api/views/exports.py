"""Export endpoints (a contract other parts rely on): /api/v1/exports/sites.{geojson,csv,gpkg}."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from mapping.read import exports
from mapping.api.schema import SiteExportCollectionSerializer, error_responses, site_filter_parameters
from mapping.api.views.base import FirstRendererNegotiation
from commons.search import site_search


class _Export(APIView):
    authentication_classes = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRendererNegotiation


class GeoJSONExport(_Export):
    @extend_schema(operation_id="exports_sites_geojson", summary="Filtered sites as one GeoJSON file (streamed)",
                   parameters=site_filter_parameters(),
                   responses={(200, "application/geo+json"): SiteExportCollectionSerializer,
                              **error_responses(400)})
    def get(self, request):
        return exports.geojson_export(site_search(request.query_params).sites(), request)


class CSVExport(_Export):
    @extend_schema(operation_id="exports_sites_csv",
                   summary="Filtered sites as CSV (lon, lat, WKT columns; licence and attribution columns)",
                   parameters=site_filter_parameters(),
                   responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, UTF-8"),
                              **error_responses(400)})
    def get(self, request):
        return exports.csv_export(site_search(request.query_params).sites())


class GeoPackageExport(_Export):
    @extend_schema(operation_id="exports_sites_gpkg",
                   summary="Filtered sites as a GeoPackage (layers sites, site_outlines, about)",
                   parameters=site_filter_parameters(),
                   responses={(200, "application/geopackage+sqlite3"): OpenApiResponse(
                       OpenApiTypes.BINARY, description="GeoPackage"), **error_responses(400)})
    def get(self, request):
        return exports.geopackage_export(site_search(request.query_params).sites())
