"""The field mapping: which column gives a site's title, kind and other attributes, and how values translate.

A mapping file is JSON or TOML with the same structure (every key optional; see the README, "Importing
data")::

    id = "CODICE"                      # column with the dataset's own id (required, or guessed)
    crs = 3003                         # EPSG code of the coordinates (--crs wins)
    encoding = "latin-1"               # CSV only; also delimiter = ";" and decimal = ","
    layer = "beni"                     # GeoPackage layer
    [dataset]                          # details of the dataset when it is new
    name = "..."; licence = "CC BY 4.0"; attribution = "..."; publisher = "..."; url = "..."
    [geometry]                         # CSV only: lon + lat, or wkt, or istat
    lon = "X"; lat = "Y"
    [fields]                           # registry field = column, or a template with {column}s
    title = "{TIPO} {DENOMINAZIONE}"
    [values.kind]                      # source value = registry value ("*" catches the rest)
    "Fabbricato" = "building"
    [defaults]                         # value when the cell is empty or the field is not mapped
    ownership = "municipality"
"""

import json
import math
import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import IntegerField
from django.utils.translation import gettext as _

from commons.models import Site, SiteKind, SiteStatus
from commons.site_fields import MAPPED, import_fields

from .errors import ImportFailure, RowRejected
from .values import is_missing, parse_number, text

LONG_TEXT_LIMIT = 20000  # characters of a text column without a length of its own (a description)
_MAPPED = {name: Site._meta.get_field(name) for name in import_fields(MAPPED)}
CHOICE_FIELDS = {name: list(f.choices) for name, f in _MAPPED.items() if f.choices}
NUMBER_FIELDS = {name for name, f in _MAPPED.items() if isinstance(f, IntegerField) and name not in CHOICE_FIELDS}
TEXT_FIELDS = {name: f.max_length or LONG_TEXT_LIMIT for name, f in _MAPPED.items()
               if name not in CHOICE_FIELDS and name not in NUMBER_FIELDS}
MAPPABLE = set(_MAPPED)
IMPORT_STATUSES = {SiteStatus.REPORTED, SiteStatus.VERIFIED}
TOP_LEVEL = {"id", "crs", "encoding", "delimiter", "decimal", "layer", "dataset", "geometry", "fields", "values",
             "defaults"}
DATASET_KEYS = {"name", "publisher", "licence", "attribution", "url"}

GUESSES = {
    "id": ("id", "source_id", "codice", "cod", "code", "identificativo", "id_bene", "fid", "objectid"),
    "title": ("title", "titolo", "nome", "name", "denominazione", "denominazi", "denominaz", "nome_bene"),
    "description": ("description", "descrizione", "note", "notes"),
    "address": ("address", "indirizzo", "ubicazione", "via"),
    "kind": ("kind", "tipologia", "tipo", "categoria", "type"),
    "ownership": ("ownership", "proprieta", "proprietà", "proprietario"),
    "condition": ("condition", "stato_conservazione", "condizione", "condizioni", "stato"),
    "dormant_since": ("dormant_since", "inutilizzato_dal", "dismesso_dal", "anno_dismissione"),
    "floor_area_m2": ("floor_area_m2", "superficie_mq", "superficie", "sup_mq", "mq"),
    "cadastral_refs": ("cadastral_refs", "dati_catastali", "rif_catastali", "catasto", "foglio_particella"),
}

# Italian words offices use, on top of the registry's own values and labels.
SYNONYMS = {
    "kind": {"edificio": "building", "fabbricato": "building", "immobile": "building", "casa": "building",
             "terreno": "land", "area": "land", "lotto": "land", "borgo": "village", "frazione": "village",
             "bosco": "natural", "bene naturale": "natural", "bene culturale": "cultural", "monumento": "cultural",
             "complesso": "urban_complex", "complesso urbano": "urban_complex", "periferia": "periphery",
             "capannone": "industrial", "industriale": "industrial", "opificio": "industrial",
             "infrastruttura": "infrastructure", "stazione": "infrastructure", "altro": "other"},
    "ownership": {"stato": "state", "statale": "state", "demanio": "state", "demaniale": "state",
                  "regione": "region", "regionale": "region", "comune": "municipality", "comunale": "municipality",
                  "altro ente pubblico": "other_public", "ente pubblico": "other_public", "pubblica": "other_public",
                  "privato": "private", "privata": "private", "confiscato": "confiscated",
                  "bene confiscato": "confiscated", "ecclesiastico": "ecclesiastical", "chiesa": "ecclesiastical",
                  "sconosciuto": "unknown", "non noto": "unknown"},
    "condition": {"buono": "good", "buone": "good", "discreto": "fair", "mediocre": "fair", "cattivo": "poor",
                  "scadente": "poor", "pessimo": "poor", "rudere": "ruin", "diroccato": "ruin",
                  "sconosciuto": "unknown"},
    "location_precision": {"esatta": "exact", "approssimata": "approximate", "comune": "municipality"},
}


def load_mapping_file(path):
    """Read a JSON or TOML mapping file into a dict (checked later against the data by `Mapper`)."""
    raw = Path(path).read_bytes()
    try:
        if Path(path).suffix.lower() == ".toml":
            data = tomllib.loads(raw.decode("utf-8-sig"))
        else:
            data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ImportFailure(_("The mapping file cannot be read: %(reason)s") % {"reason": str(exc)[:200]},
                            code="bad_mapping") from None
    if not isinstance(data, dict):
        raise ImportFailure(_("The mapping file must hold a JSON object / TOML table."), code="bad_mapping")
    check_mapping_shape(data)
    return data


def check_mapping_shape(data):
    unknown = set(data) - TOP_LEVEL
    if unknown:
        raise ImportFailure(_("Unknown key in the mapping file: %(key)s.") % {"key": sorted(unknown)[0]},
                            code="bad_mapping")
    for section in ("dataset", "geometry", "fields", "values", "defaults"):
        if not isinstance(data.get(section, {}), dict):
            raise ImportFailure(_("[%(section)s] must be a table.") % {"section": section}, code="bad_mapping")
    for name in (*data.get("fields", {}), *data.get("values", {})):
        if name not in MAPPABLE:
            raise ImportFailure(_("%(name)s is not a site field that can be imported (use one of %(fields)s).")
                                % {"name": name, "fields": ", ".join(sorted(MAPPABLE))}, code="bad_mapping")
    if set(data.get("dataset", {})) - DATASET_KEYS:
        raise ImportFailure(_("[dataset] accepts only %(keys)s.") % {"keys": ", ".join(sorted(DATASET_KEYS))},
                            code="bad_mapping")


def reading_options(mapping):
    """The part of a mapping that tells the readers how to read the file."""
    return {key: mapping[key] for key in ("encoding", "delimiter", "decimal", "layer", "geometry") if key in mapping}


@dataclass
class Mapper:
    """Turns one source row's attributes into (source id, registry values), or raises RowRejected."""

    id_column: str
    fields: dict  # field -> column name or template
    values: dict = field(default_factory=dict)  # field -> {source value: registry value}
    defaults: dict = field(default_factory=dict)
    status: str = SiteStatus.REPORTED

    @classmethod
    def build(cls, mapping, columns):
        fields = dict(mapping.get("fields") or guess_fields(columns))
        id_column = mapping.get("id") or _guess(columns, GUESSES["id"])
        if not id_column:
            raise ImportFailure(_("No id column found: name the column holding each row's own id as `id` in the "
                                  "mapping file (re-imports match rows by it)."), code="no_id_column")
        for name, spec in {"id": id_column, **fields}.items():
            for column in template_columns(spec):
                if column not in columns:
                    raise ImportFailure(_("The mapping names column %(column)s for %(field)s, but the file has no "
                                          "such column.") % {"column": column, "field": name}, code="unknown_column")
        defaults = dict(mapping.get("defaults") or {})
        status = defaults.pop("status", SiteStatus.REPORTED)
        if status not in IMPORT_STATUSES:
            raise ImportFailure(_("defaults.status may only be 'reported' or 'verified'."), code="bad_mapping")
        mapper = cls(id_column, fields, _casefolded(mapping.get("values") or {}), defaults, status)
        mapper._check_defaults()
        return mapper

    def _check_defaults(self):
        for name, value in self.defaults.items():
            if name not in MAPPABLE:
                raise ImportFailure(_("%(name)s cannot have a default.") % {"name": name}, code="bad_mapping")
            try:
                self.convert(name, value)
            except RowRejected as exc:
                raise ImportFailure(_("Default for %(name)s: %(reason)s") % {"name": name, "reason": exc.message},
                                    code="bad_mapping") from None

    def source_id(self, attributes):
        value = text(attributes.get(self.id_column))
        if not value:
            raise RowRejected("missing_id", _("The row has no id (column %(column)s).") % {"column": self.id_column},
                              field="source_id")
        if len(value) > 80:
            raise RowRejected("too_long", _("The id is longer than 80 characters."), field="source_id")
        return value

    def registry_values(self, attributes):
        """Values for every mapped or defaulted field; these are also what source_data remembers."""
        result = {}
        for name in sorted(set(self.fields) | set(self.defaults)):
            raw = render(self.fields[name], attributes) if name in self.fields else None
            if is_missing(raw) and name in self.defaults:
                raw = self.defaults[name]
            result[name] = self.convert(name, raw)
        if not result.get("title"):
            raise RowRejected("missing_title", _("The row has no title."), field="title")
        result.setdefault("kind", SiteKind.OTHER.value)
        return result

    def convert(self, name, raw):
        if name in CHOICE_FIELDS:
            return self._choice(name, raw)
        if name in NUMBER_FIELDS:
            return _number(name, raw)
        value = text(raw)
        if len(value) > TEXT_FIELDS[name]:
            raise RowRejected("too_long", _("%(field)s is longer than %(limit)d characters.")
                              % {"field": name, "limit": TEXT_FIELDS[name]}, field=name)
        return value

    def _choice(self, name, raw):
        cell = text(raw)
        if not cell:
            if name == "kind":
                return SiteKind.OTHER.value
            return CHOICE_FIELDS[name][0][0] if name == "location_precision" else "unknown"
        table = self.values.get(name, {})
        found = table.get(cell.casefold()) or choice_value(name, cell) or table.get("*")
        if found is None or choice_value(name, found) is None:
            raise RowRejected("unknown_value", _("%(field)s: %(value)s is not a known value; add it under "
                                                 "[values.%(field)s] in the mapping file.")
                              % {"field": name, "value": cell[:60]}, field=name)
        return choice_value(name, found)


def choice_value(name, cell):
    """The registry value for a cell naming a choice by value, English label or Italian synonym."""
    key = str(cell).strip().casefold()
    for value, label in CHOICE_FIELDS[name]:
        if key in (value, str(label).casefold()):
            return value
    return SYNONYMS.get(name, {}).get(key)


def _number(name, raw):
    try:
        number = parse_number(raw)
    except ValueError:
        raise RowRejected("invalid_number", _("%(field)s: %(value)s is not a number.")
                          % {"field": name, "value": str(raw)[:40]}, field=name) from None
    if number is None:
        return None
    if name == "dormant_since":
        if not number.is_integer() or not 1000 <= number <= 2100:
            raise RowRejected("invalid_year", _("dormant_since: %(value)s is not a year between 1000 and 2100.")
                              % {"value": str(raw)[:20]}, field=name)
        return int(number)
    if number < 0 or number > 2_000_000_000:
        raise RowRejected("invalid_number", _("%(field)s: %(value)s is out of range.")
                          % {"field": name, "value": str(raw)[:40]}, field=name)
    return math.floor(number + 0.5)  # half up, as people round areas (Python rounds 850.5 to 850)


def template_columns(spec):
    """Columns a field spec reads: the column itself, or the {names} of a template."""
    if "{" not in spec:
        return [spec]
    try:
        return [name for _literal, name, _format, _conv in string.Formatter().parse(spec) if name]
    except ValueError:
        raise ImportFailure(_("Bad template %(spec)s in the mapping file.") % {"spec": spec[:80]},
                            code="bad_mapping") from None


def render(spec, attributes):
    if "{" not in spec:
        return attributes.get(spec)
    parts = []
    for literal, name, _format, _conv in string.Formatter().parse(spec):
        parts.append(literal)
        if name:
            parts.append(text(attributes.get(name)))
    return text("".join(parts))


def guess_fields(columns):
    """Without a mapping file: fields whose usual column names are present."""
    guessed = {}
    for name, candidates in GUESSES.items():
        if name != "id" and (column := _guess(columns, candidates)):
            guessed[name] = column
    return guessed


def _guess(columns, candidates):
    lowered = {re.sub(r"[\s.-]+", "_", str(column).strip().lower()): column for column in columns}
    return next((lowered[name] for name in candidates if name in lowered), None)


def _casefolded(values):
    return {name: {str(k).strip().casefold(): v for k, v in table.items()} for name, table in values.items()}
