"""The product's routes plus /bench/drf-gis/sites/: a GeoFeatureModelSerializer list with a bbox filter, the
same filters and properties as /api/v1/sites/, limit/offset pages (the benchmark's drf-gis peer)."""

import django_filters
from django.urls import include, path
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import LimitOffsetPagination
from rest_framework_gis.filters import InBBoxFilter
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from commons.models import Site


class SiteSerializer(GeoFeatureModelSerializer):
    has_outline = serializers.SerializerMethodField()
    municipality_name = serializers.CharField(source="municipality.name")
    inner_area_class = serializers.CharField(source="municipality.inner_area_class")

    class Meta:
        model = Site
        geo_field = "location"
        fields = ["id", "title", "kind", "status", "ownership", "condition", "location_precision", "land_area_m2",
                  "floor_area_m2", "has_outline", "region", "province", "municipality", "municipality_name",
                  "inner_area_class", "updated_at"]

    def get_has_outline(self, site):
        return site.outline is not None


class SiteFilter(django_filters.FilterSet):
    kind = django_filters.BaseInFilter(field_name="kind")
    status = django_filters.BaseInFilter(field_name="status")

    class Meta:
        model = Site
        fields = []


class Pages(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000


class SiteList(ListAPIView):
    queryset = Site.objects.visible().select_related("municipality").order_by("-id")
    serializer_class = SiteSerializer
    pagination_class = Pages
    filter_backends = [InBBoxFilter, DjangoFilterBackend]
    filterset_class = SiteFilter
    bbox_filter_field = "location"
    bbox_filter_include_overlapping = True


urlpatterns = [
    path("bench/drf-gis/sites/", SiteList.as_view()),
    path("", include("config.urls")),
]
