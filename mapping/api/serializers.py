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


class PathwayStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    typical_days = serializers.IntegerField()

    def get_name(self, step) -> str:
        return step.text("name")

    def get_actor(self, step) -> str:
        return step.text("actor")

    def get_documents(self, step) -> str:
        return step.text("documents")


class PathwaySerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    legal_basis = serializers.CharField()
    legal_basis_url = serializers.URLField()
    decided_by = serializers.SerializerMethodField()
    ownerships = serializers.ListField(child=serializers.CharField())
    kinds = serializers.ListField(child=serializers.CharField(), help_text="Empty: every kind.")
    instrument = serializers.ChoiceField(choices=LegalInstrument.choices)
    steps = PathwayStepSerializer(many=True)

    def get_title(self, pathway) -> str:
        return pathway.text("title")

    def get_summary(self, pathway) -> str:
        return pathway.text("summary")

    def get_decided_by(self, pathway) -> str:
        return pathway.text("decided_by")


class MilestoneDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_url(self, document) -> str:
        from django.urls import reverse

        path = reverse("mapping:milestone_document", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class MilestoneSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    step = serializers.SerializerMethodField()
    planned_date = serializers.DateField(allow_null=True)
    actual_date = serializers.DateField(allow_null=True)
    note = serializers.CharField()
    documents = MilestoneDocumentSerializer(many=True)

    def get_step(self, milestone) -> str:
        return milestone.step.text("name")


class MilestoneInput(StrictSerializer):
    planned_date = serializers.DateField(required=False, allow_null=True)
    actual_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class MilestoneDocumentInput(StrictSerializer):
    file = serializers.FileField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ProposalSerializer(serializers.ModelSerializer):
    site_title = serializers.CharField(source="site.title", read_only=True)
    cooperative_name = serializers.CharField(source="cooperative.name", read_only=True)
    cooperative_slug = serializers.CharField(source="cooperative.slug", read_only=True)
    legal_instrument = serializers.ChoiceField(choices=LegalInstrument.choices, allow_blank=True, read_only=True,
                                               help_text="Empty until a proposal is accepted.")
    pathway = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True,
                                           help_text="The pathway's slug, or null.")
    current_step = serializers.SerializerMethodField(help_text="The first milestone not yet reached (null: none left).")
    milestones = MilestoneSerializer(many=True, read_only=True)
    support_count = serializers.SerializerMethodField(help_text="How many people support it (never who).")
    covers = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="Ids of the parts it covers.")

    class Meta:
        model = Proposal
        fields = ["id", "site", "site_title", "cooperative", "cooperative_slug", "cooperative_name", "title",
                  "summary", "reuse_category", "expected_jobs", "beneficiaries", "budget_eur", "funding_sources",
                  "timeline", "status", "legal_instrument", "instrument_start", "instrument_end", "decided_at",
                  "created_at", "updated_at", "pathway", "current_step", "milestones", "support_count", "covers"]
        read_only_fields = fields

    @extend_schema_field(MilestoneSerializer(allow_null=True))
    def get_current_step(self, proposal):
        from commons.services.milestones import current_milestone

        current = current_milestone(list(proposal.milestones.all()))
        return MilestoneSerializer(current, context=self.context).data if current else None

    def get_support_count(self, proposal) -> int:
        annotated = getattr(proposal, "support_count", None)
        return annotated if annotated is not None else proposal.supports.count()
