"""Strict GeoJSON geometry input: every write path (API, web report form, filters) parses geometries here.

Usage::

    from commons.geovalidation import parse_geometry

    point = parse_geometry(raw, field="location", allowed=("Point",))
    outline = parse_geometry(raw, field="outline", allowed=("Polygon", "MultiPolygon"))

`raw` is a GeoJSON geometry object: a dict already decoded, or its JSON text (as posted by a form field).
The result is a GEOSGeometry in EPSG:4326 of exactly the type sent (use `as_multipolygon` for an outline).
Anything doubtful raises `commons.errors.RegistryValidationError` with `field`, a stable `code` and a
sentence; nothing is ever repaired silently. Codes:

- ``invalid_geojson``    not a GeoJSON geometry (bad JSON, too deep, bad structure, unclosed ring, < 4 positions)
- ``wrong_type``         a type outside `allowed` (GeometryCollection, Feature, a Point for an outline...)
- ``empty``              no coordinates
- ``has_z``              a position with more than two numbers (3D/4D)
- ``nan_or_inf``         NaN or Infinity among the coordinates
- ``too_many_vertices``  more than settings.REGISTRY_MAX_VERTICES positions
- ``srid_not_allowed``   a `crs` member, or an EWKT ``SRID=...;`` prefix: only plain EPSG:4326 is accepted
- ``out_of_bounds``      outside Italy's box (params["hint"] suggests swapped lat/lon when swapping fits)
- ``self_intersection``  rings crossing themselves or each other (params["location"] = [lon, lat])
- ``invalid_geometry``   other OGC invalidity (hole outside its shell, overlapping parts...), with location

No user-supplied spatial-reference text ever reaches GDAL/PROJ: geometries are built from numbers by GEOS.
The box is only the first, offline test: where Italy really is (municipalities within the coast tolerance, not
San Marino or Vatican City) and how large an outline may be are decided by commons.services.territory, which
needs the database and is called by the services that write sites.
"""

import json
import math
import re

from django.conf import settings
from django.contrib.gis.geos import LinearRing, MultiPolygon, Point, Polygon
from django.utils.translation import gettext as _

from commons.errors import RegistryValidationError
from commons.models.sites import ITALY_BBOX

POINT = ("Point",)
POLYGONAL = ("Polygon", "MultiPolygon")
# Nesting of a MultiPolygon's coordinates is 4; anything much deeper is an attack or a mistake.
MAX_JSON_DEPTH = 16
WORLD_BBOX = (-180.0, -90.0, 180.0, 90.0)
_LOCATION = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)")


def parse_geometry(raw, *, field, allowed=POINT, bounds=ITALY_BBOX):
    """Decode, check and build one geometry; raise RegistryValidationError on the first problem found."""
    data = _decode(raw, field)
    geom_type = data.get("type")
    if "crs" in data:
        raise _error(field, "srid_not_allowed", _("Coordinates must be plain WGS84 longitude/latitude "
                                                   "(EPSG:4326) without a 'crs' member."))
    if geom_type not in allowed:
        raise _error(field, "wrong_type", _("Expected a GeoJSON geometry of type %(allowed)s, got %(got)s."),
                     allowed=" or ".join(allowed), got=str(geom_type)[:40])
    if "coordinates" not in data:
        raise _error(field, "invalid_geojson", _("A GeoJSON geometry needs a 'coordinates' member."))
    rings = _structure(data["coordinates"], geom_type, field)
    positions = [position for polygon in rings for ring in polygon for position in ring]
    _check_numbers(positions, field)
    _check_bounds(positions, field, bounds)
    geom = _build(geom_type, rings)
    _check_validity(geom, field)
    return geom


def as_multipolygon(geom):
    """An outline is stored as a MultiPolygon: wrap a single Polygon (same shape, nothing repaired)."""
    if geom.geom_type == "Polygon":
        return MultiPolygon(geom, srid=geom.srid)
    return geom


def json_depth(value):
    """Nesting depth of decoded JSON, computed without recursion (deep input must not crash us)."""
    depth, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            depth = max(depth, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return depth


def _error(field, code, message, **params):
    return RegistryValidationError(message, code=code, field=field, params=params or None)


def _decode(raw, field):
    if isinstance(raw, (str, bytes)):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if re.match(r"\s*SRID\s*=", text, re.IGNORECASE):
            raise _error(field, "srid_not_allowed", _("Send GeoJSON in EPSG:4326, not EWKT with an SRID prefix."))
        if not text.strip():
            raise _error(field, "empty", _("The geometry is empty."))
        try:
            raw = json.loads(text)
        except RecursionError:
            raise _error(field, "invalid_geojson", _("The geometry is nested too deeply.")) from None
        except ValueError:
            raise _error(field, "invalid_geojson", _("The geometry is not valid JSON.")) from None
    if not isinstance(raw, dict):
        raise _error(field, "invalid_geojson", _("A GeoJSON geometry must be a JSON object with 'type'."))
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise _error(field, "invalid_geojson", _("The geometry is nested too deeply."))
    return raw


def _structure(coordinates, geom_type, field):
    """Return the coordinates as polygons → rings → positions (a Point is one ring of one position)."""
    if coordinates in (None, []):
        raise _error(field, "empty", _("The geometry is empty."))
    if geom_type == "Point":
        return [[[_position(coordinates, field)]]]
    polygons = [coordinates] if geom_type == "Polygon" else _array(coordinates, field)
    result = []
    for polygon in polygons:
        rings = [[_position(p, field) for p in _array(ring, field)] for ring in _array(polygon, field)]
        if not rings or not rings[0]:
            raise _error(field, "empty", _("The geometry is empty."))
        for ring in rings:
            _check_ring(ring, field)
        result.append(rings)
    if sum(len(ring) for polygon in result for ring in polygon) > settings.REGISTRY_MAX_VERTICES:
        raise _error(field, "too_many_vertices", _("An outline may have at most %(limit)d vertices."),
                     limit=settings.REGISTRY_MAX_VERTICES)
    return result


def _array(value, field):
    if not isinstance(value, list):
        raise _error(field, "invalid_geojson", _("The coordinates do not have the structure of the geometry type."))
    if len(value) > settings.REGISTRY_MAX_VERTICES:
        raise _error(field, "too_many_vertices", _("An outline may have at most %(limit)d vertices."),
                     limit=settings.REGISTRY_MAX_VERTICES)
    return value


def _position(value, field):
    if not isinstance(value, list) or not value:
        raise _error(field, "invalid_geojson", _("A position must be an array [longitude, latitude]."))
    if len(value) > 2 and all(_is_number(v) for v in value):
        raise _error(field, "has_z", _("Only 2D coordinates are accepted: drop the elevation (third value)."))
    if len(value) != 2 or not all(_is_number(v) for v in value):
        raise _error(field, "invalid_geojson", _("A position must be an array [longitude, latitude]."))
    return value


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_ring(ring, field):
    if len(ring) < 4:
        raise _error(field, "invalid_geojson", _("A polygon ring needs at least 4 positions (first = last)."))
    if ring[0] != ring[-1]:
        raise _error(field, "invalid_geojson", _("A polygon ring must be closed: its last position must equal "
                                                  "its first."))


def _check_numbers(positions, field):
    if not all(math.isfinite(v) for position in positions for v in position):
        raise _error(field, "nan_or_inf", _("Coordinates must be finite numbers (no NaN or Infinity)."))


def _inside(positions, box):
    return all(box[0] <= lon <= box[2] and box[1] <= lat <= box[3] for lon, lat in positions)


def _check_bounds(positions, field, bounds):
    if _inside(positions, bounds):
        return
    params = {}
    if _inside([(lat, lon) for lon, lat in positions], bounds):
        params["hint"] = _("Latitude and longitude swapped? GeoJSON order is [longitude, latitude].")
    if bounds == ITALY_BBOX:
        message = _("This place is outside Italy: the registry only holds sites on Italian territory.")
    else:
        message = _("Coordinates must be longitude -180..180 and latitude -90..90.")
    raise _error(field, "out_of_bounds", message, **params)


def _build(geom_type, rings):
    if geom_type == "Point":
        return Point(*rings[0][0][0], srid=4326)
    polygons = [Polygon(*[LinearRing(ring) for ring in polygon]) for polygon in rings]
    if geom_type == "Polygon":
        polygons[0].srid = 4326
        return polygons[0]
    return MultiPolygon(*polygons, srid=4326)


def _check_validity(geom, field):
    reason = geom.valid_reason  # (not `.valid`, which also logs a GEOS notice for every bad input)
    if reason == "Valid Geometry":
        return
    match = _LOCATION.search(reason)
    location = [float(match.group(1)), float(match.group(2))] if match else None
    if "self-intersection" in reason.lower():
        raise _error(field, "self_intersection", _("The outline crosses itself near %(where)s: redraw it so "
                                                    "its edges do not cross."),
                     where=_where(location), location=location)
    raise _error(field, "invalid_geometry", _("The outline is not a valid polygon (%(reason)s)."),
                 reason=reason.split("[")[0], location=location)


def _where(location):
    return f"{location[0]:.6f}, {location[1]:.6f}" if location else "?"
