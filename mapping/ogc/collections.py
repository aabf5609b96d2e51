"""The collections the OGC face serves, their properties and their queryables, read from the declarations.

A site's properties and queryables are the list's (commons.site_fields, LIST): a new listed field is served and
queryable here at once unless NOT_QUERYABLE says why not (tests/ogc/test_queryables.py reads the declaration).
Private members (INTERNAL: reporter, hidden, ...) are no listed field, so they are neither output nor queryable.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from commons.models import InnerAreaClass, Municipality, Province, Region, Site
from commons.site_fields import BOOLEAN, DATE_TIME, INTEGER, LIST, OUTLINES, fields_for
from mapping.read.geojson import LIST_PROPERTIES

GEOJSON_SCHEMA = "https://geojson.org/schema/{}.json"
# Listed members a filter cannot name, with the reason.
NOT_QUERYABLE = {
    "freshness": "derived from last_confirmed_at and today's date: filter on last_confirmed_at instead",
}
# Listed members that are no column of Site: the ORM path a filter on them follows.
PATHS = {
    "region": "region_id", "province": "province_id", "municipality": "municipality_id",
    "municipality_name": "municipality__name", "inner_area_class": "municipality__inner_area_class",
    "has_outline": "outline__isnull",  # negated: has_outline = true is outline IS NOT NULL
}
NEGATED = {"has_outline"}
JSON_TYPES = {INTEGER: {"type": "integer"}, BOOLEAN: {"type": "boolean"},
              DATE_TIME: {"type": "string", "format": "date-time"}}


@dataclass(frozen=True)
class Queryable:
    name: str
    path: str  # ORM lookup path over the collection's model ("geometry": its geometry column)
    schema: dict
    title: str = ""
    negated: bool = False
    enum_of: object = None  # a model whose codes are the enum (read when the queryables are written)

    @property
    def type(self):
        if "$ref" in self.schema:
            return "geometry"
        kind = self.schema.get("format", self.schema.get("type"))
        return kind[0] if isinstance(kind, list) else kind  # ["integer", "null"]: a nullable integer


@dataclass(frozen=True)
class Collection:
    id: str
    title: object
    description: object
    model: type
    geometry_column: str  # SQL over the collection's alias (s for sites, a for areas)
    geometry_type: str  # GeoJSON type of every item's geometry
    queryables: tuple
    properties: tuple = ()  # (name, SQL) of an area's properties
    temporal: str | None = None  # the queryable `datetime` filters on
    editable: bool = False
    list_properties: tuple = tuple(LIST_PROPERTIES)

    @property
    def sites(self):
        return self.model is Site

    def queryable(self, name):
        return next((q for q in self.queryables if q.name == name), None)

    def base_queryset(self):
        """What the collection holds: the visible sites (never hidden nor merged ones), or every area."""
        if self.id == "site-outlines":
            return Site.objects.visible().filter(outline__isnull=False)
        return Site.objects.visible() if self.sites else self.model.objects.all()


def _site_queryable(site_field):
    schema = dict(JSON_TYPES.get(site_field.type, {"type": "string"}))
    if site_field.choices:
        schema["enum"] = [value for value, _label in site_field.choices]
    if site_field.nullable:
        schema["type"] = [schema["type"], "null"]
    enum_of = {"region": Region, "province": Province, "municipality": Municipality}.get(site_field.name)
    if site_field.name == "inner_area_class":
        schema["enum"] = [*InnerAreaClass.values, ""]
    return Queryable(site_field.name, PATHS.get(site_field.name, site_field.name), schema,
                     title=site_field.help or site_field.name.replace("_", " "),
                     negated=site_field.name in NEGATED, enum_of=enum_of)


def site_queryables(geometry_type):
    listed = [_site_queryable(f) for f in fields_for(LIST) if f.name not in NOT_QUERYABLE]
    geometry = Queryable("geometry", "geometry", {"$ref": GEOJSON_SCHEMA.format(geometry_type)},
                         title="the site's " + ("point" if geometry_type == "Point" else "outline"))
    return (geometry, *listed)


def _area_queryables(geometry_title, *extra):
    return (Queryable("geometry", "geometry", {"$ref": GEOJSON_SCHEMA.format("MultiPolygon")}, title=geometry_title),
            Queryable("code", "code", {"type": "string"}, title="ISTAT code"),
            Queryable("name", "name", {"type": "string"}, title="name"), *extra)


OUTLINE_NAMES = {f.name for f in fields_for(OUTLINES)}
COLLECTIONS = {c.id: c for c in (
    Collection("sites", _("Dormant sites (points)"), _(
        "Every public site of the registry at its point: hidden and merged sites never appear."),
        Site, "s.location", "Point", site_queryables("Point"), temporal="updated_at", editable=True),
    Collection("site-outlines", _("Dormant sites (outlines)"), _(
        "The drawn outlines of the sites that have one, with the main facts."),
        Site, "s.outline", "MultiPolygon", site_queryables("MultiPolygon"), temporal="updated_at",
        list_properties=tuple((name, sql) for name, sql in LIST_PROPERTIES if name in OUTLINE_NAMES)),
    Collection("regions", _("Regions"), _("Italy's 20 regions (ISTAT)."), Region, "a.geom", "MultiPolygon",
               _area_queryables("boundary"), properties=(("code", "a.code"), ("name", "a.name"))),
    Collection("provinces", _("Provinces"), _("Italy's provinces and metropolitan cities (ISTAT)."), Province,
               "a.geom", "MultiPolygon",
               _area_queryables("boundary", Queryable("region", "region_id", {"type": "string"}, enum_of=Region),
                                Queryable("acronym", "acronym", {"type": "string"})),
               properties=(("code", "a.code"), ("name", "a.name"), ("acronym", "a.acronym"),
                           ("region", "a.region_id"))),
    Collection("municipalities", _("Municipalities"), _(
        "Italy's municipalities (ISTAT) with their inner-areas class (SNAI 2020: D, E and F are the aree interne)."),
        Municipality, "a.geom", "MultiPolygon",
        _area_queryables("boundary", Queryable("region", "region_id", {"type": "string"}, enum_of=Region),
                         Queryable("province", "province_id", {"type": "string"}, enum_of=Province),
                         Queryable("inner_area_class", "inner_area_class",
                                   {"type": "string", "enum": [*InnerAreaClass.values, ""]},
                                   title="SNAI class A-F, empty when unclassified")),
        properties=(("code", "a.code"), ("name", "a.name"), ("region", "a.region_id"), ("province", "a.province_id"),
                    ("cadastral_code", "a.cadastral_code"), ("inner_area_class", "a.inner_area_class"))),
)}
