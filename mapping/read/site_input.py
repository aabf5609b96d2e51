"""What a client sends to create or edit a site, checked once for every face (REST v1, OGC API): positive
validation (unknown or registry-owned members are refused with their own codes) and the geometry checks of
commons.geovalidation, whose error keeps its code, hint and location."""

import datetime as dt

from django.db.models import IntegerField
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commons.errors import RegistryValidationError
from commons.geovalidation import POINT, POLYGONAL, as_multipolygon, parse_geometry
from commons.models import Site
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
