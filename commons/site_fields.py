"""The public fields of a site, declared once: every output, form of editing, import and provenance reads this.

Each `SiteField` says, for one public member of a site:

- `name` and `sql`: the member's name and its SQL, over `s` = commons_site and `m` = commons_municipality (the
  detail and the site page also have `r` = commons_region and `pr` = commons_province; see FROM, DETAIL_FROM);
- `type`: its OpenAPI type (STRING, INTEGER, BOOLEAN, DATE_TIME, GEOMETRY, OBJECT); a STRING whose model field has
  choices is an enum of them, an INTEGER is nullable when its model field is;
- `outputs`: where it is a property: LIST (GeoJSON list), DETAIL (the API detail), EXPORT (GeoJSON, CSV and
  GeoPackage exports), OUTLINES (the GeoPackage's site_outlines layer), PAGE (the site page adds it to DETAIL);
- `tiles`: (layer, first zoom) pairs of the vector tiles carrying it (0: every zoom of the layer);
- `edit`: who may change it: CLIENT (anyone who may edit the site: API, web forms), STAFF (the services accept it,
  the public API does not), REGISTRY (the registry decides it);
- `imports`: MAPPED (a column of the imported file, through the mapping), GEOMETRY (the file's geometry; location
  and outline merge as one unit) or None. Every imported field is also attributed by provenance (the site page
  says whether its value is still the dataset's or was edited by people);
- `reads`: for a computed member, the model fields it reads; None when the member *is* the model field `name`
  (then its length, choices, default and null come from Site._meta, never restated here).

Columns of Site that are no public member are in INTERNAL, each with its reason: tests/commons/test_site_fields.py
fails on a concrete column that is in neither. Order matters: FIELDS is in output order (GeoJSON properties, CSV
columns); the per-column sets (editable_fields, import_fields, ...) are in the model's column order.

    fields_for(LIST)              -> the SiteFields of an output, in output order
    tile_fields("sites", 13)      -> the SiteFields a tile layer carries at a zoom, in attribute order
    editable_fields(CLIENT)       -> names of the columns clients may send (editable_fields(): staff too)
    registry_owned_fields()       -> names of the columns nobody but the registry sets
    import_fields(), import_fields(MAPPED), provenance_fields()
    model_defaults(names)         -> {name: default} of those of these columns the model does not require
    column_defaults(exclude)      -> [(db column, value)] a bulk writer puts in the columns it does not set
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from commons.freshness import freshness_sql
from commons.models import Site

LIST, DETAIL, EXPORT, OUTLINES, PAGE = "list", "detail", "export", "outlines", "page"
STRING, INTEGER, BOOLEAN, DATE_TIME, GEOMETRY, OBJECT = "string", "integer", "boolean", "date-time", "geometry", "object"
CLIENT, STAFF, REGISTRY = "client", "staff", "registry"
MAPPED = "mapped"  # imports: GEOMETRY (above) for the file's geometry

FROM = "commons_site s JOIN commons_municipality m ON m.code = s.municipality_id"
DETAIL_FROM = (f"{FROM} JOIN commons_region r ON r.code = s.region_id "
               "JOIN commons_province pr ON pr.code = s.province_id")
PRECISION = settings.REGISTRY_COORD_PRECISION
EVERYWHERE = (LIST, DETAIL, EXPORT)


@dataclass(frozen=True)
class SiteField:
    name: str
    sql: str
    type: str
    outputs: tuple = ()
    tiles: tuple = ()
    edit: str = REGISTRY
    imports: str | None = None
    reads: tuple | None = None
    help: str = ""
    null: bool = False  # a computed member that may be null (a column's nullability comes from the model)

    @property
    def column(self):
        """Whether the member is the model field of the same name."""
        return self.reads is None

    @property
    def model_field(self):
        return Site._meta.get_field(self.name) if self.column else None

    @property
    def choices(self):
        return list(self.model_field.choices or []) if self.column else []

    @property
    def nullable(self):
        return bool(self.null or (self.column and self.model_field.null))


# Never add reporter, e-mail or other personal data: lists, tiles and exports are public (A3).
FIELDS = (
    SiteField("title", "s.title", STRING, (*EVERYWHERE, OUTLINES), tiles=(("sites", 13),), edit=CLIENT,
              imports=MAPPED),
    SiteField("kind", "s.kind", STRING, (*EVERYWHERE, OUTLINES), tiles=(("sites", 0), ("site_outlines", 0)),
              edit=CLIENT, imports=MAPPED),
    SiteField("status", "s.status", STRING, (*EVERYWHERE, OUTLINES), tiles=(("sites", 0), ("site_outlines", 0))),
    SiteField("ownership", "s.ownership", STRING, EVERYWHERE, tiles=(("sites", 0),), edit=CLIENT, imports=MAPPED),
    SiteField("condition", "s.condition", STRING, EVERYWHERE, edit=CLIENT, imports=MAPPED),
    SiteField("location_precision", "s.location_precision", STRING, EVERYWHERE, edit=CLIENT, imports=MAPPED),
    SiteField("land_area_m2", "s.land_area_m2", INTEGER, (*EVERYWHERE, OUTLINES)),
    SiteField("floor_area_m2", "s.floor_area_m2", INTEGER, EVERYWHERE, edit=CLIENT, imports=MAPPED),
    SiteField("has_outline", "(s.outline IS NOT NULL)", BOOLEAN, EVERYWHERE, tiles=(("sites", 13),),
              reads=("outline",)),
    SiteField("region", "s.region_id", STRING, EVERYWHERE, help="ISTAT region code"),
    SiteField("province", "s.province_id", STRING, EVERYWHERE, help="ISTAT province code"),
    SiteField("municipality", "s.municipality_id", STRING, EVERYWHERE, help="ISTAT municipality code"),
    SiteField("municipality_name", "m.name", STRING, EVERYWHERE, reads=("municipality",)),
    SiteField("inner_area_class", "m.inner_area_class", STRING, EVERYWHERE, reads=("municipality",),
              help="SNAI class A-F, empty when unclassified"),
    SiteField("updated_at", "s.updated_at", DATE_TIME, EVERYWHERE),
    SiteField("description", "s.description", STRING, (DETAIL, EXPORT), edit=CLIENT, imports=MAPPED),
    SiteField("address", "s.address", STRING, (DETAIL, EXPORT), edit=CLIENT, imports=MAPPED),
    SiteField("cadastral_refs", "s.cadastral_refs", STRING, (DETAIL, EXPORT), edit=CLIENT, imports=MAPPED),
    SiteField("dormant_since", "s.dormant_since", INTEGER, (DETAIL, EXPORT), edit=CLIENT, imports=MAPPED),
    SiteField("source", "s.source", STRING, (EXPORT,)),
    SiteField("version", "s.version", INTEGER, (DETAIL,)),
    SiteField("created_at", "s.created_at", DATE_TIME, (DETAIL, EXPORT)),
    SiteField("outline", f"ST_AsGeoJSON(s.outline, {PRECISION})::json", GEOMETRY, (DETAIL,), edit=CLIENT,
              imports=GEOMETRY, help="GeoJSON MultiPolygon or null"),
    SiteField("areas", "json_build_object('region', json_build_object('code', s.region_id, 'name', r.name), "
                       "'province', json_build_object('code', s.province_id, 'name', pr.name), "
                       "'municipality', json_build_object('code', s.municipality_id, 'name', m.name, "
                       "'inner_area_class', m.inner_area_class))",
              OBJECT, (DETAIL,), reads=("region", "province", "municipality")),
    # Photo URLs come from the storage backend: Python fills them in when there are any.
    SiteField("photos", "'[]'::json", OBJECT, (DETAIL,), reads=()),
    SiteField("provenance", "json_build_object('source', s.source, 'source_id', s.source_id, "
                            "'reported_by_citizen', s.source = 'citizen', 'dataset', (SELECT json_build_object("
                            "'name', d.name, 'licence', d.licence, 'attribution', d.attribution, 'url', d.url) "
                            "FROM commons_sourcedataset d WHERE d.slug = s.source))",
              OBJECT, (DETAIL,), reads=("source", "source_id")),
    SiteField("proposals", "(SELECT json_build_object('total', coalesce(sum(n), 0), "
                           "'by_status', coalesce(json_object_agg(status, n), '{}'), "
                           "'accepted', (SELECT json_build_object('id', p.id, 'title', p.title, 'cooperative', "
                           "c.slug, 'cooperative_name', c.name) FROM commons_proposal p JOIN commons_cooperative c "
                           "ON c.id = p.cooperative_id WHERE p.site_id = s.id AND p.status IN ('accepted', "
                           "'completed') ORDER BY p.created_at DESC LIMIT 1)) "
                           "FROM (SELECT p.status, count(*) AS n FROM commons_proposal p "
                           "WHERE p.site_id = s.id AND p.status <> 'draft' GROUP BY p.status) t)",
              OBJECT, (DETAIL,), reads=()),
    SiteField("history", "json_build_object('version', s.version, 'created_at', s.created_at, 'updated_at', "
                         "s.updated_at, 'changes', (SELECT count(*) FROM commons_siteevent e WHERE e.pgh_obj_id = "
                         "s.id), 'last_change', (SELECT json_build_object('label', e.pgh_label, 'at', "
                         "e.pgh_created_at) FROM commons_siteevent e WHERE e.pgh_obj_id = s.id "
                         "ORDER BY e.pgh_created_at DESC, e.pgh_id DESC LIMIT 1))",
              OBJECT, (DETAIL,), reads=("version", "created_at", "updated_at")),
    # Ground truth (commons.freshness): the role, never the person, of who last confirmed the site on the ground.
    SiteField("last_confirmed_at", "s.last_confirmed_at", DATE_TIME, EVERYWHERE,
              help="When the site was last confirmed on the ground (a report, a confirmation, an accepted change "
                   "or a re-import that still holds it)"),
    SiteField("last_confirmed_by", "s.last_confirmed_by", STRING, EVERYWHERE,
              help="The role of who last confirmed it: citizen, reporter, municipality, moderator or dataset"),
    # From the covering index (last_confirmed_at is in COVERING_COLUMNS), so every point tile can carry it.
    SiteField("freshness", freshness_sql("s.last_confirmed_at"), STRING, EVERYWHERE,
              tiles=(("sites", 0), ("site_outlines", 0)), reads=("last_confirmed_at",),
              help="fresh, ageing or stale: how long ago last_confirmed_at is (REGISTRY_FRESH_MONTHS, "
                   "REGISTRY_STALE_MONTHS)"),
    SiteField("missing_from_source_at", "s.missing_from_source_at", DATE_TIME, (DETAIL, EXPORT),
              help="Since when a full re-import of the site's dataset no longer holds it (null: still there)"),
    # A part of a larger site (a borgo's buildings): set by whoever reports or edits it, refused by
    # commons.services.sites unless the parent's outline contains the part.
    SiteField("parent", "s.parent_id", INTEGER, (DETAIL, EXPORT), tiles=(("sites", 13),), edit=CLIENT,
              help="Id of the site this one is part of (its outline contains this one), or null"),
    # The legal pathway of the site's accepted proposal (commons.models.pathways) and its first step not yet reached.
    SiteField("pathway", "(SELECT pw.slug FROM commons_proposal p JOIN commons_pathway pw ON pw.id = p.pathway_id "
                         "WHERE p.site_id = s.id AND p.status IN ('accepted', 'completed') "
                         "ORDER BY p.created_at DESC LIMIT 1)", STRING, (DETAIL, EXPORT), reads=("proposals",), null=True,
              help="Slug of the pathway the accepted proposal follows (null: none accepted, or no pathway)"),
    SiteField("current_step", "(SELECT st.name_it FROM commons_proposal p JOIN commons_milestone ms "
                              "ON ms.proposal_id = p.id JOIN commons_pathwaystep st ON st.id = ms.step_id "
                              "WHERE p.site_id = s.id AND p.status IN ('accepted', 'completed') "
                              "AND ms.actual_date IS NULL ORDER BY p.created_at DESC, ms.position LIMIT 1)",
              STRING, (DETAIL, EXPORT), reads=("proposals",), null=True,
              help="The accepted proposal's first pathway step not yet reached (null: none left, or no pathway)"),
    SiteField("province_acronym", "pr.acronym", STRING, (PAGE,), reads=("province",)),
    SiteField("parent_title", "(SELECT p.title FROM commons_site p WHERE p.id = s.parent_id)", STRING, (PAGE,),
              reads=("parent",)),
    # The Feature's geometry in every output (not a property).
    SiteField("location", "s.location", GEOMETRY, edit=CLIENT, imports=GEOMETRY),
)

# Columns of Site that are no public member of their own.
INTERNAL = {
    "id": "the Feature's id: every output writes it itself, first",
    "location_3857": "generated Web Mercator copy of the location, read by the vector tiles",
    "cell": "generated z8 map tile of the location, read by bbox pages",
    "hidden": "moderation: hidden sites are never output",
    "duplicate_of": "a merged duplicate is never output: its pages redirect to the survivor",
    "source_data": "import bookkeeping (the values last imported), read by provenance in Python",
    "reporter": "personal data (A3): never in lists, tiles or exports",
}

_BY_NAME = {field.name: field for field in FIELDS}


def site_field(name):
    return _BY_NAME[name]


def fields_for(output):
    """The fields an output carries, in its order."""
    return tuple(f for f in FIELDS if output in f.outputs)


def tile_fields(layer, zoom):
    """The fields a tile layer carries at `zoom`, those of lower zooms first."""
    carried = [(dict(f.tiles)[layer], f) for f in FIELDS if layer in dict(f.tiles)]
    return tuple(f for first, f in sorted(carried, key=lambda pair: pair[0]) if first <= zoom)


def _columns(selected):
    """Names of the model fields (concrete, in model order) whose declared field is `selected`."""
    return tuple(c.name for c in Site._meta.concrete_fields if c.name in _BY_NAME and selected(_BY_NAME[c.name]))


def editable_fields(who=STAFF):
    """Columns `who` may change: CLIENT only what clients send; STAFF (the default) also what staff set."""
    allowed = {CLIENT} if who == CLIENT else {CLIENT, STAFF}
    return _columns(lambda f: f.column and f.edit in allowed)


def registry_owned_fields():
    """Every column of Site nobody but the registry sets (a client sending one is told so)."""
    editable = set(editable_fields())
    return tuple(c.name for c in Site._meta.concrete_fields if c.name not in editable)


def import_fields(how=None):
    """Columns imports set: MAPPED (from the file's columns), GEOMETRY, or both (None)."""
    return _columns(lambda f: f.column and f.imports is not None and how in (None, f.imports))


def provenance_fields():
    """Columns the site page attributes to the dataset or to people: every imported one."""
    return import_fields()


def model_defaults(names):
    """{name: model default} of each of these columns the model does not require (blank, null or a default)."""
    fields = [Site._meta.get_field(name) for name in names]
    return {f.name: f.get_default() for f in fields if f.blank or f.null or f.has_default()}


def column_defaults(exclude):
    """[(db column, value)] of the model default of each column a bulk writer does not set (`exclude`: field
    names or db columns), leaving out generated columns and NULL defaults: a new column needs no change there."""
    defaults = []
    for model_field in Site._meta.concrete_fields:
        if {model_field.name, model_field.column} & set(exclude) or getattr(model_field, "generated", False):
            continue
        value = model_field.get_db_prep_save(model_field.get_default(), connection)
        if value is not None:
            defaults.append((model_field.column, value))
    return defaults
