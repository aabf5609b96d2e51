"""The declaration of a site's public fields (commons.site_fields): every column classified, every SQL valid."""

import re

import pytest
from django.db import connection

from commons.models import Municipality, Province, Region, Site
from commons.models.sites import COVERING_COLUMNS
from commons.services.imports.mapping import GUESSES
from commons.site_fields import (
    DETAIL, DETAIL_FROM, EXPORT, FIELDS, FROM, INTERNAL, LIST, MAPPED, OUTLINES, PAGE, editable_fields,
    fields_for, import_fields, registry_owned_fields, tile_fields,
)
from mapping.read.tiles import AGGREGATE_MAX_ZOOM, DETAIL_MIN_ZOOM

ALIASES = {"s": Site, "m": Municipality, "r": Region, "pr": Province}


def _columns_of(model):
    return {f.column for f in model._meta.concrete_fields}


def test_every_concrete_column_of_site_is_declared_public_or_internal_with_a_reason():
    concrete = {f.name for f in Site._meta.get_fields() if getattr(f, "concrete", False)}
    public = {f.name for f in FIELDS if f.column} | {name for f in FIELDS for name in (f.reads or ())}
    unclassified = concrete - public - set(INTERNAL)
    assert not unclassified, f"declare these in commons/site_fields.py, or list them in INTERNAL: {unclassified}"
    assert not public & set(INTERNAL), "a column is either public or internal"
    assert set(INTERNAL) <= concrete and all(reason.strip() for reason in INTERNAL.values())
    assert len({f.name for f in FIELDS}) == len(FIELDS)


def test_each_declared_sql_names_columns_that_exist():
    for field in FIELDS:
        for alias, column in re.findall(r"\b(s|m|r|pr)\.(\w+)", field.sql):
            assert column in _columns_of(ALIASES[alias]), f"{field.name}: {alias}.{column}"
        for name in field.reads or (field.name,):
            Site._meta.get_field(name)


@pytest.mark.django_db
def test_each_declared_sql_runs_over_the_tables_its_outputs_join():
    """Lists, exports and GeoPackage layers join only the municipality; the detail and the page the areas too."""
    with connection.cursor() as cursor:
        for field in FIELDS:
            if not field.outputs:
                continue
            narrow = {LIST, EXPORT, OUTLINES} & set(field.outputs)
            sql = f"SELECT {field.sql} FROM {FROM if narrow else DETAIL_FROM} WHERE false"
            cursor.execute(sql)


def test_points_below_the_detail_zoom_carry_only_columns_of_the_covering_index():
    for z in range(AGGREGATE_MAX_ZOOM + 1, DETAIL_MIN_ZOOM):
        carried = tile_fields("sites", z)
        assert all(set(f.reads if not f.column else (f.name,)) <= set(COVERING_COLUMNS) for f in carried), z
    assert [f.name for f in tile_fields("sites", AGGREGATE_MAX_ZOOM + 1)] == ["kind", "status", "ownership",
                                                                             "freshness"]
    assert [f.name for f in tile_fields("sites", DETAIL_MIN_ZOOM)] == [
        "kind", "status", "ownership", "freshness", "title", "has_outline", "parent"]


def test_outputs_keep_the_order_of_their_published_formats():
    list_names = ["title", "kind", "status", "ownership", "condition", "location_precision", "land_area_m2",
                  "floor_area_m2", "has_outline", "region", "province", "municipality", "municipality_name",
                  "inner_area_class", "updated_at"]
    ground_truth = ["last_confirmed_at", "last_confirmed_by", "freshness"]  # appended: published columns keep place
    nesting_and_pathways = ["parent", "pathway", "current_step"]  # appended after them, likewise
    assert [f.name for f in fields_for(LIST)] == list_names + ground_truth
    assert [f.name for f in fields_for(EXPORT)] == list_names + [
        "description", "address", "cadastral_refs", "dormant_since", "source", "created_at", *ground_truth,
        "missing_from_source_at", *nesting_and_pathways]
    assert [f.name for f in fields_for(DETAIL)] == list_names + [
        "description", "address", "cadastral_refs", "dormant_since", "version", "created_at", "outline", "areas",
        "photos", "provenance", "proposals", "history", *ground_truth, "missing_from_source_at",
        *nesting_and_pathways]
    assert [f.name for f in fields_for(OUTLINES)] == ["title", "kind", "status", "land_area_m2"]


def test_nobody_but_the_registry_sets_what_nobody_may_edit():
    editable = set(editable_fields())
    concrete = {f.name for f in Site._meta.concrete_fields}
    assert editable | set(registry_owned_fields()) == concrete and not editable & set(registry_owned_fields())
    # Since parents became client-editable (checked by commons.services.sites.check_parent) no column is left that
    # only staff may set; a STAFF column added later must keep out of the client's set.
    assert set(editable_fields("client")) <= editable
    assert {"status", "source", "reporter", "land_area_m2", "version"} <= set(registry_owned_fields())


def test_imports_map_only_editable_fields_and_their_aliases_name_mapped_fields():
    assert set(import_fields()) <= set(editable_fields())
    assert set(GUESSES) - {"id"} <= set(import_fields(MAPPED))


def test_no_output_carries_personal_data():
    outputs = {LIST, DETAIL, EXPORT, OUTLINES, PAGE}
    for field in FIELDS:
        if outputs & set(field.outputs) or field.tiles:
            assert not re.search(r"\breporter|email|e_mail", field.sql), field.name
