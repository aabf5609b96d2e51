"""Italy's territory: where a site may lie. One rule for every write path (API, admin, imports) and the database.

A place is in Italy when it lies in a municipality or within COAST_TOLERANCE_M of one (simplified coastlines cut
off beaches and piers), and never in San Marino or Vatican City, whatever the tolerance (commons.models.Enclave).
An outline must lie in that territory as a whole, not only through its point. The rule itself is the SQL function
commons_territory_gap (migration 0008), which gives the part of a geometry outside the territory; the database
calls it too, in the site_in_territory trigger.

An outline is also limited in size (settings.REGISTRY_MAX_OUTLINE_KM2), measured first: a rectangle drawn over a
region is refused with its own code before any territory work is spent on it.
"""

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from commons.errors import RegistryValidationError

# Simplified coastlines cut off some beaches and piers: a point this close to a municipality still belongs to it.
# Migration 0008 holds a frozen copy for the database trigger.
COAST_TOLERANCE_M = 1000

# Area on the ellipsoid (as Site.land_area_m2); the territory only for outlines within the size limit.
_CHECK_SQL = """
SELECT ord, area, ST_X(gap), ST_Y(gap) FROM (
    SELECT ord, area,
        CASE WHEN area IS NULL OR area <= %s THEN ST_PointOnSurface(commons_territory_gap(g, %s)) END AS gap
    FROM (
        SELECT ord, g, CASE WHEN ST_Dimension(g) = 2 THEN ST_Area(g::geography) END AS area
        FROM unnest(%s::bytea[]) WITH ORDINALITY AS u(wkb, ord)
        CROSS JOIN LATERAL (SELECT ST_GeomFromWKB(wkb, 4326) AS g) parsed
        WHERE wkb IS NOT NULL
    ) measured
) checked
WHERE gap IS NOT NULL OR area > %s
"""


def territory_problems(geometries):
    """For each GEOS geometry in EPSG:4326 (or None): the RegistryValidationError refusing it, or None.

    A point is about the field `location`, a polygon or multipolygon about `outline`. One query for all of them.
    """
    limit_m2 = settings.REGISTRY_MAX_OUTLINE_KM2 * 1_000_000
    wkbs = [None if geom is None else bytes(geom.wkb) for geom in geometries]
    problems = [None] * len(wkbs)
    with connection.cursor() as cursor:
        cursor.execute(_CHECK_SQL, [limit_m2, COAST_TOLERANCE_M, wkbs, limit_m2])
        for ordinal, area, lon, lat in cursor.fetchall():
            polygonal = area is not None
            if polygonal and area > limit_m2:
                problems[ordinal - 1] = _too_large(area)
            else:
                problems[ordinal - 1] = _outside(polygonal, [round(lon, 6), round(lat, 6)])
    return problems


def check_territory(*geometries):
    """Raise the first problem among these geometries (None are skipped): size first, then territory."""
    for problem in territory_problems(geometries):
        if problem is not None:
            raise problem


def _too_large(area_m2):
    limit = settings.REGISTRY_MAX_OUTLINE_KM2
    return RegistryValidationError(
        _("An outline may cover at most %(limit)d km² and this one covers %(area)d km²: draw the site itself, "
          "not the area around it."),
        code="outline_too_large", field="outline",
        params={"limit": limit, "area": round(area_m2 / 1_000_000)},
    )


def _outside(polygonal, location):
    if polygonal:
        message = _("Part of the outline is outside Italy, near %(where)s: the registry only holds sites on "
                    "Italian territory.")
    else:
        message = _("This place is outside Italy: the registry only holds sites on Italian territory.")
    return RegistryValidationError(
        message, code="out_of_bounds", field="outline" if polygonal else "location",
        params={"where": f"{location[0]:.6f}, {location[1]:.6f}", "location": location},
    )


# A cooperative's drawn territory (Cooperative.territory_area) is not a site: it may be drawn roughly, across the
# sea and over a border, since only Italian sites are ever matched against it. Each of its polygons must touch
# Italy, and the whole may not cover more than settings.REGISTRY_MAX_TERRITORY_KM2.
_AREA_SQL = """
SELECT ST_Area(g::geography),
       (SELECT ST_AsText(ST_PointOnSurface(part.geom)) FROM ST_Dump(g) AS part
        WHERE NOT EXISTS (SELECT 1 FROM commons_region r WHERE ST_Intersects(r.geom, part.geom)) LIMIT 1)
FROM (SELECT ST_GeomFromWKB(%s, 4326) AS g) drawn
"""


def check_drawn_territory(area, *, field="area"):
    """Raise the RegistryValidationError refusing a cooperative's drawn MultiPolygon (EPSG:4326), if any."""
    limit = settings.REGISTRY_MAX_TERRITORY_KM2
    with connection.cursor() as cursor:
        cursor.execute(_AREA_SQL, [bytes(area.wkb)])
        area_m2, outside = cursor.fetchone()
    if area_m2 > limit * 1_000_000:
        raise RegistryValidationError(
            _("The area you drew covers %(area)d km² and may cover at most %(limit)d km² (a little more than "
              "Sicily, the largest region): for a wider territory choose regions or provinces instead."),
            code="area_too_large", field=field, params={"limit": limit, "area": round(area_m2 / 1_000_000)})
    if outside:
        lon, lat = (float(v) for v in outside[len("POINT("):-1].split())
        raise RegistryValidationError(
            _("One of the areas you drew, near %(where)s, is entirely outside Italy: the registry only holds sites "
              "on Italian territory."),
            code="out_of_bounds", field=field,
            params={"where": f"{lon:.6f}, {lat:.6f}", "location": [round(lon, 6), round(lat, 6)]})
