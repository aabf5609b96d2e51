"""Input serializers (positive validation: unknown or registry-owned members are refused) and read models.

The site's input (SiteInputSerializer and its geometry members) is shared with the OGC face: mapping/read/site_input.py.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commons.models import Cooperative, LegalInstrument, Photo, Proposal
from mapping.read.site_input import (  # noqa: F401 - the API's names for them
    POINT_SCHEMA, POLYGONAL_SCHEMA, REGISTRY_OWNED, GeoJSONField, SiteInputSerializer, StrictSerializer,
)


class PhotoInputSerializer(StrictSerializer):
    image = serializers.FileField()
    caption = serializers.CharField(max_length=200, required=False, allow_blank=True)
    author = serializers.CharField(max_length=120, required=False, allow_blank=True)


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["id", "url", "width", "height", "caption", "author", "created_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, photo):
        request = self.context.get("request")
        return request.build_absolute_uri(photo.image.url) if request else photo.image.url


class CooperativeSerializer(serializers.ModelSerializer):
    municipality_name = serializers.CharField(source="municipality.name", default=None, read_only=True)
    headquarters = serializers.SerializerMethodField()

    class Meta:
        model = Cooperative
        fields = ["id", "slug", "name", "legal_form", "tax_code", "albo_number", "sectors", "description",
                  "website", "municipality", "municipality_name", "headquarters", "verified", "created_at"]

    @extend_schema_field({**POINT_SCHEMA, "nullable": True})
    def get_headquarters(self, cooperative):
        point = cooperative.headquarters
        return {"type": "Point", "coordinates": [round(point.x, 6), round(point.y, 6)]} if point else None


class ProposalSerializer(serializers.ModelSerializer):
    site_title = serializers.CharField(source="site.title", read_only=True)
    cooperative_name = serializers.CharField(source="cooperative.name", read_only=True)
    cooperative_slug = serializers.CharField(source="cooperative.slug", read_only=True)
    legal_instrument = serializers.ChoiceField(choices=LegalInstrument.choices, allow_blank=True, read_only=True,
                                               help_text="Empty until a proposal is accepted.")

    class Meta:
        model = Proposal
        fields = ["id", "site", "site_title", "cooperative", "cooperative_slug", "cooperative_name", "title",
                  "summary", "reuse_category", "expected_jobs", "beneficiaries", "budget_eur", "funding_sources",
                  "timeline", "status", "legal_instrument", "instrument_start", "instrument_end", "decided_at",
                  "created_at", "updated_at"]
        read_only_fields = fields
