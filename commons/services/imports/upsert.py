"""Idempotent upsert of imported sites on (source, source_id), keeping what people edited in the registry.

Each imported field is merged three ways: `base` = its value at the last import (Site.source_data), `ours` = its
value in the registry now, `theirs` = its value in this import.

- theirs == base: the dataset did not change it; nothing to do (a registry edit stays).
- ours == base: nobody edited it; it takes the new value (an update).
- ours == theirs: the registry already has it; only base moves on.
- otherwise: edited in the registry *and* changed in the dataset: the registry value stays and the field is
  reported as a conflict (base stays too, so the conflict is reported again until someone settles it).

Location and outline merge as one unit (an outline's location is its point on surface). Writes are set-based:
rows are COPYed into a temporary staging table, then one INSERT ... ON CONFLICT and one UPDATE ... FROM.
"""

import hashlib
import json
from dataclasses import dataclass, field

import shapely
from django.db import connection
from django.utils import timezone

from commons.models import ConfirmerRole, Site, SiteStatus
from commons.site_fields import GEOMETRY as GEOMETRY_IMPORT
from commons.site_fields import MAPPED, column_defaults, import_fields, model_defaults

VALUE_COLUMNS = import_fields()
GEOMETRY = import_fields(GEOMETRY_IMPORT)
TEXT_DEFAULTS = model_defaults(import_fields(MAPPED))  # a record always carries the others (title, kind)
_NOT_IMPORTED = object()  # base of a field mapped for the first time on a site somebody already filled in


@dataclass
class Record:
    number: int
    source_id: str
    values: dict  # imported field -> value (text, int or choice); remembered in source_data
    location: object = None  # GEOS Point, EPSG:4326
    outline: object = None  # GEOS MultiPolygon, EPSG:4326
    istat: str = ""  # municipality code, when the row is placed by municipality only
    status: str = SiteStatus.REPORTED
    attributes: dict = field(default_factory=dict)
    placement: object = None


@dataclass
class Plan:
    """What one batch does (or would do, in a dry run)."""

    creates: list = field(default_factory=list)  # Record
    updates: list = field(default_factory=list)  # (site id, Record, changed fields, new source_data)
    refreshes: list = field(default_factory=list)  # (site id, Record, [], new source_data): base moved only
    unchanged: int = 0
    conflicts: list = field(default_factory=list)  # dicts


def source_value(name, value):
    """The JSON-able form of a field value that source_data remembers and merges compare."""
    if name == "location":
        if value is None:
            return None
        x, y = value.coords  # one GEOS call instead of two
        return f"POINT({x:.6f} {y:.6f})"
    if name == "outline":
        return None if value is None else outline_digest(value)
    return value


def outline_digest(outline):
    """A short fingerprint of an outline at 6 decimals (≈ 11 cm): equal shapes, equal digests."""
    shape = shapely.from_wkb(bytes(outline.wkb)) if not isinstance(outline, shapely.Geometry) else outline
    wkt = shapely.to_wkt(shape, rounding_precision=6, trim=False)
    return "sha1:" + hashlib.sha1(wkt.encode(), usedforsecurity=False).hexdigest()


def record_source_data(record):
    data = {name: source_value(name, value) for name, value in record.values.items()}
    data["location"] = source_value("location", record.location)
    data["outline"] = source_value("outline", record.outline)
    return data


def _groups(names):
    yield GEOMETRY
    yield from ((name,) for name in sorted(names) if name not in GEOMETRY)


def _assumed_base(name, ours):
    """For a field never imported on this site: empty or default counts as untouched, anything else as edited."""
    model_field = Site._meta.get_field(name)
    if ours in (None, "") or (name not in GEOMETRY and ours == model_field.get_default()):
        return ours
    return _NOT_IMPORTED


def merge(site, record):
    """(changed fields, new source_data, conflicts) for an existing site and this import's record."""
    base = dict(site.source_data or {})
    theirs_all = record_source_data(record)
    ours_all = {name: source_value(name, getattr(site, name)) for name in theirs_all}
    changed, conflicts = [], []
    for group in _groups(theirs_all):
        theirs = tuple(theirs_all[n] for n in group)
        ours = tuple(ours_all[n] for n in group)
        old = tuple(base[n] if n in base else _assumed_base(n, ours_all[n]) for n in group)
        if theirs == old or ours == theirs:
            base.update(zip(group, theirs))
        elif ours == old:
            changed.extend(group)
            base.update(zip(group, theirs))
        else:
            conflicts.extend({"site_id": site.pk, "source_id": record.source_id, "field": n,
                              "registry": ours_all[n], "source": theirs_all[n]}
                             for n in group if ours_all[n] != theirs_all[n])
    return changed, base, conflicts


def plan_batch(dataset_slug, records, *, lock):
    """Compare a batch with the registry: which rows create, update, or leave sites unchanged."""
    existing = Site.objects.filter(source=dataset_slug, source_id__in=[r.source_id for r in records])
    if lock:
        existing = existing.select_for_update()
    by_id = {site.source_id: site for site in existing.only("id", "source_id", "source_data", *VALUE_COLUMNS)}
    plan = Plan()
    for record in records:
        site = by_id.get(record.source_id)
        if site is None:
            plan.creates.append(record)
            continue
        changed, base, conflicts = merge(site, record)
        plan.conflicts.extend(conflicts)
        if changed:
            plan.updates.append((site.pk, record, changed, base))
        else:
            plan.unchanged += 1
            if base != site.source_data:
                plan.refreshes.append((site.pk, record, [], base))
    return plan


def stage_columns():
    """(name, type) of the staging table: the imported columns and the bookkeeping, typed as in commons_site."""
    def typed(name, column=None):
        return column or name, Site._meta.get_field(name).db_type(connection)

    return (
        ("site_id", Site._meta.pk.rel_db_type(connection)), ("fields", "text[]"), typed("source_id"),
        *(typed(name) for name in VALUE_COLUMNS), typed("status"), ("source_data", "jsonb"),
        *(typed(name, f"{name}_id") for name in ("municipality", "province", "region")),
    )


def write_plan(dataset_slug, plan, *, as_of=None):
    """Apply a plan with COPY into a staging table, one INSERT and one UPDATE; returns ids of created sites.
    Created sites count as confirmed by the dataset `as_of` (its date; default now)."""
    stage = stage_columns()
    with connection.cursor() as cursor:
        columns = ", ".join(f"{name} {kind}" for name, kind in stage)
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS import_stage ({columns})")
        cursor.execute("TRUNCATE import_stage")
        rows = [_stage_row(None, [], record, record_source_data(record)) for record in plan.creates]
        rows += [_stage_row(pk, changed, record, base) for pk, record, changed, base in plan.updates + plan.refreshes]
        with cursor.cursor.copy(f"COPY import_stage ({', '.join(name for name, _ in stage)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        created = _insert(cursor, dataset_slug, as_of or timezone.now()) if plan.creates else []
        if plan.updates or plan.refreshes:
            cursor.execute(UPDATE_SQL)
    return created


def _stage_row(site_id, changed, record, source_data):
    values = {**TEXT_DEFAULTS, **record.values}
    for name in GEOMETRY:
        geometry = getattr(record, name)
        values[name] = geometry.ewkb.hex() if geometry else None
    placement = record.placement
    return (
        site_id, changed, record.source_id, *(values[name] for name in VALUE_COLUMNS), record.status,
        json.dumps(source_data), placement.municipality, placement.province, placement.region,
    )


# Set by the INSERT itself besides the imported columns; every other column gets its model default.
BOOKKEEPING = ("id", "land_area_m2", "status", "hidden", "source", "source_id", "source_data", "version", "created_at",
               "updated_at", "municipality", "province", "region", "location_3857", "last_confirmed_at",
               "last_confirmed_by")


def _insert(cursor, dataset_slug, as_of):
    extra = column_defaults(exclude={*VALUE_COLUMNS, *BOOKKEEPING})
    extra_names = "".join(f", {connection.ops.quote_name(name)}" for name, _ in extra)
    extra_values = ", %s" * len(extra)
    values = ", ".join(Site._meta.get_field(name).column for name in VALUE_COLUMNS)
    cursor.execute(
        f"""INSERT INTO commons_site ({values}, land_area_m2, status, hidden, source, source_id, source_data,
                version, created_at, updated_at, municipality_id, province_id, region_id, last_confirmed_at,
                last_confirmed_by{extra_names})
            SELECT {values}, round(ST_Area(outline::geography)), status, false, %s, source_id, source_data, 1,
                now(), now(), municipality_id, province_id, region_id, %s, %s{extra_values}
            FROM import_stage WHERE site_id IS NULL ORDER BY source_id
            ON CONFLICT (source, source_id) WHERE NOT (source_id::text = '') DO NOTHING
            RETURNING id""",
        [dataset_slug, as_of, ConfirmerRole.DATASET.value, *[value for _, value in extra]],
    )
    return [row[0] for row in cursor.fetchall()]


def _set(column):
    return f"{column} = CASE WHEN '{column}' = ANY(u.fields) THEN u.{column} ELSE s.{column} END"


# A geometry change moves the site to the municipality of its new probe; the version only moves when a
# visible field changed, so a web edit in progress is not invalidated by a bookkeeping-only refresh.
UPDATE_SQL = f"""
UPDATE commons_site s SET
    {", ".join(_set(column) for column in VALUE_COLUMNS)},
    land_area_m2 = CASE WHEN 'outline' = ANY(u.fields) THEN round(ST_Area(u.outline::geography))
                   ELSE s.land_area_m2 END,
    municipality_id = CASE WHEN 'location' = ANY(u.fields) THEN u.municipality_id ELSE s.municipality_id END,
    province_id = CASE WHEN 'location' = ANY(u.fields) THEN u.province_id ELSE s.province_id END,
    region_id = CASE WHEN 'location' = ANY(u.fields) THEN u.region_id ELSE s.region_id END,
    source_data = u.source_data,
    version = s.version + CASE WHEN cardinality(u.fields) > 0 THEN 1 ELSE 0 END,
    updated_at = CASE WHEN cardinality(u.fields) > 0 THEN now() ELSE s.updated_at END
FROM import_stage u
WHERE s.id = u.site_id
"""


def confirm_present(dataset_slug, source_ids, as_of):
    """Sites of the dataset this import still holds are confirmed by it as of its date (never moved back), and are
    in the source again if a full import had missed them. Returns how many sites changed. Nothing else moves:
    no version, no updated_at (a confirmation edits nothing)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE commons_site SET last_confirmed_at = greatest(last_confirmed_at, %s), "
            "last_confirmed_by = CASE WHEN last_confirmed_at < %s THEN %s ELSE last_confirmed_by END, "
            "missing_from_source_at = NULL "
            "WHERE source = %s AND source_id = ANY(%s) "
            "AND (last_confirmed_at < %s OR missing_from_source_at IS NOT NULL)",
            [as_of, as_of, ConfirmerRole.DATASET.value, dataset_slug, list(source_ids), as_of])
        return cursor.rowcount


def mark_missing(dataset_slug, source_ids):
    """After a full import: the dataset's sites it no longer holds are marked "no longer in the source" (kept,
    never deleted; listed for moderators). Returns how many were newly marked."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE commons_site SET missing_from_source_at = now() WHERE source = %s AND source_id <> '' "
            "AND missing_from_source_at IS NULL AND NOT (source_id = ANY(%s))", [dataset_slug, sorted(source_ids)])
        return cursor.rowcount
