"""Placing many sites at once: the spatial join of commons.services.sites in bulk SQL, and points inside a municipality.

`place_points` gives exactly what `municipality_at` gives for each probe (the intersecting municipality first by
name, else the nearest within the coast tolerance), in two set-based queries instead of two per site.
"""

import hashlib
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import connection

from commons.services.territory import COAST_TOLERANCE_M

SAMPLE_ATTEMPTS = 128


@dataclass(frozen=True)
class Placement:
    municipality: str
    province: str
    region: str


_INTERSECTING = """
SELECT p.ord, m.code, m.province_id, m.region_id
FROM unnest(%s::bytea[]) WITH ORDINALITY AS p(wkb, ord)
CROSS JOIN LATERAL (
    SELECT code, province_id, region_id FROM commons_municipality
    WHERE ST_Intersects(geom, ST_GeomFromWKB(p.wkb, 4326)) ORDER BY name LIMIT 1
) m
"""
# degrees_for() in SQL: the index prefilter box, then the exact distance on the sphere as Django's Distance.
_NEAREST = """
SELECT p.ord, m.code, m.province_id, m.region_id
FROM (SELECT ord, ST_GeomFromWKB(wkb, 4326) AS g FROM unnest(%s::bytea[]) WITH ORDINALITY AS t(wkb, ord)) p
CROSS JOIN LATERAL (
    SELECT code, province_id, region_id, ST_DistanceSphere(geom, p.g) AS distance FROM commons_municipality
    WHERE ST_DWithin(geom, p.g, %s / (111320 * greatest(cos(radians(abs(ST_Y(p.g)) + 1)), 0.01)))
    ORDER BY distance LIMIT 1
) m
WHERE m.distance <= %s
"""


def place_points(points):
    """For each GEOS/shapely point in EPSG:4326 (or None): its Placement, or None when outside Italy."""
    result = [None] * len(points)
    wkbs = [_wkb(point) for point in points]
    missing = _run(_INTERSECTING, [wkbs], result)
    if missing:
        subset = [wkbs[i] if i in missing else None for i in range(len(wkbs))]
        _run(_NEAREST, [subset, COAST_TOLERANCE_M, COAST_TOLERANCE_M], result)
    return result


def _wkb(point):
    if point is None:
        return None
    if hasattr(point, "wkb") and not isinstance(point, shapely.Geometry):
        return bytes(point.wkb)
    return shapely.to_wkb(point)


def _run(sql, params, result):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for ordinal, code, province, region in cursor.fetchall():
            result[ordinal - 1] = Placement(code, province, region)
    return {i for i, placement in enumerate(result) if placement is None and params[0][i] is not None}


class MunicipalityShapes:
    """Municipality boundaries as shapely polygons, loaded once per code and kept for the whole run."""

    def __init__(self):
        self._parts = {}  # code -> (array of polygons, cumulative areas)

    def known(self, codes):
        self.load(codes)
        return {code for code in codes if code in self._parts}

    def load(self, codes):
        wanted = sorted(set(codes) - set(self._parts))
        if not wanted:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT code, ST_AsBinary(geom) FROM commons_municipality WHERE code = ANY(%s)", [wanted])
            for code, wkb in cursor.fetchall():
                parts = shapely.get_parts(shapely.from_wkb(bytes(wkb)))
                shapely.prepare(parts)
                self._parts[code] = (parts, np.cumsum(shapely.area(parts)))

    def _part(self, code, seed, attempt):
        """One polygon of a municipality, chosen with probability proportional to its area (islands!)."""
        parts, cumulative = self._parts[code]
        u = _uniform(seed, f"part{attempt}")[0]
        return parts[min(int(np.searchsorted(cumulative, u * cumulative[-1], side="right")), len(parts) - 1)]

    def points(self, codes, seeds, attempt_offset=0):
        """A deterministic point inside each municipality: uniform in one of its polygons, by rejection.

        The n-th candidate for a seed is the same on every run, so a re-import puts a site where it was.
        """
        self.load(codes)
        shapes = np.array([self._part(c, s, attempt_offset) for c, s in zip(codes, seeds)], dtype=object)
        bounds = shapely.bounds(shapes)
        surface = shapely.point_on_surface(shapes)
        x, y = shapely.get_x(surface), shapely.get_y(surface)
        pending = np.arange(len(codes))
        for attempt in range(attempt_offset, attempt_offset + SAMPLE_ATTEMPTS):
            if not len(pending):
                break
            u = np.array([_uniform(seeds[i], attempt) for i in pending])
            tx = bounds[pending, 0] + u[:, 0] * (bounds[pending, 2] - bounds[pending, 0])
            ty = bounds[pending, 1] + u[:, 1] * (bounds[pending, 3] - bounds[pending, 1])
            inside = shapely.contains_xy(shapes[pending], tx, ty)
            x[pending[inside]], y[pending[inside]] = tx[inside], ty[inside]
            pending = pending[~inside]
        return x, y  # a polygon missed every time keeps its point on surface, which is inside too


def _uniform(seed, attempt):
    digest = hashlib.blake2b(f"{seed}#{attempt}".encode(), digest_size=16).digest()
    return int.from_bytes(digest[:8], "big") / 2**64, int.from_bytes(digest[8:], "big") / 2**64
