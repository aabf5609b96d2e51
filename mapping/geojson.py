"""RFC 7946 GeoJSON for sites, built by PostgreSQL (json_build_object + ST_AsGeoJSON), never object by object.

A filtered queryset (from mapping.filters) gives the ids; PostgreSQL writes each Feature's text. Python only
joins the pieces, so a 1,000-feature page costs about what the SQL costs (see ../shared/BENCHMARK.md).
"""

import json

from django.conf import settings
from django.db import connection

# Public properties of a site, as (name, SQL over `s` = commons_site and `m` = commons_municipality).
# Never add reporter, e-mail or other personal data here: lists, tiles and exports are public (A3).
LIST_PROPERTIES = [
    ("title", "s.title"),
    ("kind", "s.kind"),
    ("status", "s.status"),
    ("ownership", "s.ownership"),
    ("condition", "s.condition"),
    ("location_precision", "s.location_precision"),
    ("land_area_m2", "s.land_area_m2"),
    ("floor_area_m2", "s.floor_area_m2"),
    ("has_outline", "(s.outline IS NOT NULL)"),
    ("region", "s.region_id"),
    ("province", "s.province_id"),
    ("municipality", "s.municipality_id"),
    ("municipality_name", "m.name"),
    ("inner_area_class", "m.inner_area_class"),
    ("updated_at", "s.updated_at"),
]
EXPORT_PROPERTIES = LIST_PROPERTIES + [
    ("description", "s.description"),
    ("address", "s.address"),
    ("cadastral_refs", "s.cadastral_refs"),
    ("dormant_since", "s.dormant_since"),
    ("source", "s.source"),
    ("created_at", "s.created_at"),
]
PRECISION = settings.REGISTRY_COORD_PRECISION
FROM_SITES = "commons_site s JOIN commons_municipality m ON m.code = s.municipality_id"


def ids_sql(queryset, *, limit=None, offset=0, matches_first=False):
    """SQL (and params) selecting the ids of `queryset`: all of them, or one page of them newest first.

    With `matches_first` (a spatial or text filter) the matches are collected through their own index and then
    sorted: otherwise PostgreSQL may walk the primary key backwards testing millions of rows against a small
    bbox or a text query. Without it the planner chooses (a newest-first walk is best for broad filters).
    """
    ids = queryset.order_by().values("id")
    sql, params = ids.query.get_compiler(using=queryset.db).as_sql()
    if limit is None:  # every match, in no particular order (used as `s.id IN (...)`)
        return sql, params
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}"
    if matches_first:
        return f"WITH matched AS MATERIALIZED ({sql}) SELECT id FROM matched ORDER BY id DESC{page}", params
    ordered = queryset.order_by("-id").values("id")
    sql, params = ordered.query.get_compiler(using=queryset.db).as_sql()
    return f"{sql}{page}", params


def feature_sql(properties, *, url_prefix):
    """SQL expression for one Feature as json (needs `s`, `m` in scope and one %s param for the url prefix)."""
    members = ", ".join(f"'{name}', {expression}" for name, expression in properties)
    return (
        "json_build_object('type', 'Feature', 'id', s.id, "
        f"'geometry', ST_AsGeoJSON(s.location, {PRECISION})::json, "
        f"'properties', json_build_object('id', s.id, {members}, 'url', %s || s.id || '/'))"
    ), [url_prefix]


def feature_page(queryset, *, limit, offset, url_prefix, matches_first=False):
    """(features_json_text, number_returned, has_next) for one page: `limit` rows plus one to see ahead."""
    page_sql, page_params = ids_sql(queryset, limit=limit + 1, offset=offset, matches_first=matches_first)
    feature, feature_params = feature_sql(LIST_PROPERTIES, url_prefix=url_prefix)
    sql = (
        f"WITH page AS ({page_sql}), numbered AS (SELECT id, row_number() OVER (ORDER BY id DESC) AS n FROM page) "
        f"SELECT count(*), coalesce(string_agg(({feature})::text, ',' ORDER BY s.id DESC) "
        f"FILTER (WHERE numbered.n <= %s), '') "
        f"FROM numbered JOIN {FROM_SITES} ON s.id = numbered.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*page_params, *feature_params, limit])
        count, features = cursor.fetchone()
    return features, min(count, limit), count > limit


def feature_collection_head(**members):
    """The opening of a FeatureCollection whose `features` array follows (foreign members go first)."""
    head = {"type": "FeatureCollection", **members}
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ['
