"""SQL for the OGC API face: the areas as GeoJSON pages, the extents a collection advertises, and counts.

Sites pages are mapping/read/geojson.py's (feature_page with a geometry in the asked CRS, mapping/read/crs.py);
areas (regions, provinces, municipalities) are few (20, 107, 7,896) and written here the same way: PostgreSQL
builds each Feature's text, Python joins the pieces.
"""

import time

from django.db import connections, router
from django.db.models import Max, Min

from commons.models import Region, Site

EXTENT_SECONDS = 300  # the extents change with the data, slowly: one query per worker every five minutes
_extents = {}


def area_page(queryset, *, properties, geometry, limit, offset):
    """(features_json_text, number_returned, has_next) for one page of areas ordered by ISTAT code: `properties`
    are (name, SQL over `a`, the area's table) and `geometry` the SQL of `a.geom` as json in the asked CRS."""
    ids = queryset.order_by("code").values("code")[offset: offset + limit + 1]
    ids_sql, params = ids.query.get_compiler(using=queryset.db).as_sql()
    members = ", ".join(f"'{name}', {expression}" for name, expression in properties)
    table = queryset.model._meta.db_table
    feature = (f"json_build_object('type', 'Feature', 'id', a.code, 'geometry', {geometry}, "
               f"'properties', json_build_object({members}))")
    sql = (f"WITH page AS ({ids_sql}), numbered AS (SELECT code, row_number() OVER (ORDER BY code) AS n FROM page) "
           f"SELECT count(*), coalesce(string_agg(({feature})::text, ',' ORDER BY a.code) "
           f"FILTER (WHERE numbered.n <= %s), '') FROM numbered JOIN {table} a ON a.code = numbered.code")
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        count, features = cursor.fetchone()
    return features, min(count, limit), count > limit


def area_feature(queryset, code, *, properties, geometry):
    """The Feature text of one area, or None."""
    features, returned, _more = area_page(queryset.filter(code=code), properties=properties, geometry=geometry,
                                          limit=1, offset=0)
    return features if returned else None


def _cached(name, compute):
    kept = _extents.get(name)
    if kept is None or time.monotonic() - kept[0] > EXTENT_SECONDS:
        kept = (time.monotonic(), compute())
        _extents[name] = kept
    return kept[1]


def italy_bbox():
    """[minlon, minlat, maxlon, maxlat] of the regions (every site and area lies inside them)."""
    def compute():
        with connections[router.db_for_read(Region)].cursor() as cursor:
            cursor.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                           "FROM (SELECT ST_Extent(geom) AS e FROM commons_region) t")
            row = cursor.fetchone()
        return [round(value, 6) for value in row] if row and row[0] is not None else [6.6, 35.4, 18.6, 47.1]
    return _cached("bbox", compute)


def sites_interval():
    """[first, last] updated_at of the visible sites, as ISO 8601 (None when there are none)."""
    def compute():
        span = Site.objects.visible().aggregate(first=Min("updated_at"), last=Max("updated_at"))
        return [moment.isoformat().replace("+00:00", "Z") if moment else None for moment in span.values()]
    return _cached("interval", compute)


def forget_extents():
    """Tests load data and read the extents again at once."""
    _extents.clear()
