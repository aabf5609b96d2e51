"""Small geometry helpers shared by loaders, seeders and validators (shapely 2 <-> GEOS)."""

import math

import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from shapely.geometry import MultiPolygon as ShapelyMultiPolygon


def polygonal_part(geom):
    """Keep only the polygons of a geometry (make_valid may add stray lines or points)."""
    if geom.geom_type == "Polygon":
        return ShapelyMultiPolygon([geom])
    if geom.geom_type == "MultiPolygon":
        return geom
    polygons = []
    for part in getattr(geom, "geoms", []):
        if part.geom_type in ("Polygon", "MultiPolygon"):
            polygons.extend(polygonal_part(part).geoms)
    return ShapelyMultiPolygon(polygons)


def repaired_multipolygon(geom):
    """Return (multipolygon, reason) where reason explains a repair, or None when none was needed."""
    reason = None
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        geom = shapely.make_valid(geom)
    return polygonal_part(geom), reason


def to_geos(geom, srid=4326):
    result = GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=srid)
    if result.geom_type == "Polygon":
        result = MultiPolygon(result, srid=srid)
    return result


def degrees_for(metres, latitude):
    """A distance in degrees that covers at least `metres` in every direction at this latitude (index prefilter)."""
    return metres / (111_320 * max(math.cos(math.radians(abs(latitude) + 1)), 0.01))
