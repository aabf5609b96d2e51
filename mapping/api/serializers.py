"""Input serializers (positive validation: unknown or registry-owned members are refused) and read models."""

import datetime as dt

from django.db.models import IntegerField
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commons.errors import RegistryValidationError
from commons.geovalidation import POINT, POLYGONAL, as_multipolygon, parse_geometry
from commons.models import Cooperative, LegalInstrument, Photo, Proposal, Site
from commons.site_fields import CLIENT, editable_fields, model_defaults, registry_owned_fields

# Members a client may never set: the registry decides them (A2 in RELIABILITY.md): a site's (commons.site_fields)
# and a proposal's.
REGISTRY_OWNED = {*registry_owned_fields(), "submitted_by", "decided_by", "decided_at", "decision_reason"}

POINT_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
                        "example": [12.4922, 41.8902]},
    },
}
POLYGONAL_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
        "coordinates": {"type": "array", "items": {"type": "array", "items": {}}},
    },
    "nullable": True,
}


class GeoJSONField(serializers.Field):
    """A GeoJSON geometry checked by commons.geovalidation; its error keeps code, hint and location."""

    def __init__(self, *, allowed, **kwargs):
        self.allowed = allowed
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            geom = parse_geometry(data, field=self.field_name, allowed=self.allowed)
        except RegistryValidationError as exc:
            detail = {"code": exc.code, "message": exc.messages[0]}
            params = exc.params or {}
            if params.get("hint"):
                detail["hint"] = params["hint"]
            if params.get("location"):
                detail["location"] = "{} {}".format(*params["location"])
            raise serializers.ValidationError(detail) from None
        return as_multipolygon(geom) if self.allowed == POLYGONAL else geom

    def to_representation(self, value):
        return value


PointField = extend_schema_field(POINT_SCHEMA)(GeoJSONField)
OutlineField = extend_schema_field(POLYGONAL_SCHEMA)(GeoJSONField)


class StrictSerializer(serializers.Serializer):
    """Refuses members it does not declare: 400 `read_only_field` for registry-owned, `unknown_field` else."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [serializers.ErrorDetail(
                _("The body must be a JSON object."), code="invalid")]})
        errors = {}
        for name in data:
            if name in self.fields and not self.fields[name].read_only:
                continue
            owned = name in REGISTRY_OWNED
            message = (_("%(name)s is set by the registry and cannot be sent.") if owned
                       else _("Unknown field %(name)s.")) % {"name": str(name)[:60]}
            errors[str(name)[:60]] = [serializers.ErrorDetail(message, code="read_only_field" if owned
                                                              else "unknown_field")]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _year_now():
    return dt.date.today().year


# What the API adds to the limits the model gives an editable column.
INPUT_LIMITS = {
    "description": {"max_length": 10_000},
    "dormant_since": {"min_value": 1000, "max_value": 2100},
    "floor_area_m2": {"min_value": 0, "max_value": 10_000_000},
}
GEOMETRY_INPUTS = {
    "location": lambda: PointField(allowed=POINT, required=False,
                                   help_text="GeoJSON Point [lon, lat] in WGS84; optional when an outline is sent."),
    "outline": lambda: OutlineField(allowed=POLYGONAL, required=False, allow_null=True,
                                    help_text="GeoJSON Polygon or MultiPolygon, WGS84, at most 2000 vertices."),
    "parent": lambda: serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True,
                                               help_text="Id of a visible site whose outline contains this one."),
}
# Values a full replacement (PUT) resets absent members to: the model's default of each one it does not require.
INPUT_DEFAULTS = model_defaults(editable_fields(CLIENT))


def site_input_field(name):
    """The member for the editable column `name`: choices, length, null and whether it is required from the model."""
    if name in GEOMETRY_INPUTS:
        return GEOMETRY_INPUTS[name]()
    model_field = Site._meta.get_field(name)
    options = {"required": name not in INPUT_DEFAULTS, **INPUT_LIMITS.get(name, {})}
    if model_field.choices:
        return serializers.ChoiceField(choices=list(model_field.choices), **options)
    if isinstance(model_field, IntegerField):
        return serializers.IntegerField(allow_null=model_field.null, **options)
    return serializers.CharField(max_length=options.pop("max_length", model_field.max_length),
                                 allow_blank=model_field.blank, **options)


# The checks of a site's members; SiteInputSerializer below adds the members: the columns clients may edit. (No
# docstring: the schema describes the input with StrictSerializer's.)
class SiteInputBase(StrictSerializer):
    def validate_dormant_since(self, value):
        if value is not None and value > _year_now():
            raise serializers.ValidationError(_("dormant_since cannot be in the future."), code="out_of_range")
        return value

    def validate(self, attrs):
        if not self.partial and attrs.get("location") is None and attrs.get("outline") is None:
            raise serializers.ValidationError({"location": [serializers.ErrorDetail(
                _("Send a location (GeoJSON Point) or an outline."), code="required")]})
        return attrs  # an outline alone is placed at a point inside it by commons.services.sites


SiteInputSerializer = type("SiteInputSerializer", (SiteInputBase,), {
    "__module__": __name__, "DEFAULTS": INPUT_DEFAULTS,
    **{name: site_input_field(name) for name in editable_fields(CLIENT)},
})


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
