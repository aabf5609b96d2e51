"""Each imported geometry passes the same checks as a web report (commons.geovalidation), after reprojection."""

import json

import shapely
import shapely.geometry
from django.utils.translation import gettext as _

from commons.errors import RegistryValidationError
from commons.geovalidation import POINT, POLYGONAL, as_multipolygon, parse_geometry

from .crs import to_wgs84
from .errors import RowRejected


def site_geometry(geometry, srid):
    """(location, outline) as GEOS geometries in EPSG:4326 from a source geometry, or RowRejected.

    Z and M values are dropped (the registry is 2D); a MultiPoint of one point counts as that point; an
    outline's location is its point on surface, the probe the spatial join uses.
    """
    if geometry is None or geometry.is_empty:
        raise RowRejected("missing_geometry", _("The row has no geometry."), field="location")
    geometry = shapely.force_2d(geometry)
    if geometry.geom_type == "MultiPoint" and len(geometry.geoms) == 1:
        geometry = geometry.geoms[0]
    if geometry.geom_type not in ("Point", "Polygon", "MultiPolygon"):
        raise RowRejected("wrong_type", _("A site is a point or a polygon, not a %(type)s.")
                          % {"type": geometry.geom_type}, field="location")
    try:
        geometry = to_wgs84(geometry, srid)
    except Exception:  # GDAL raises on coordinates it cannot project (e.g. far outside the zone)
        raise RowRejected("out_of_bounds", _("The coordinates cannot be converted from EPSG:%(srid)s.")
                          % {"srid": srid}, field="location") from None
    return _checked(geometry)


def _checked(geometry):
    polygonal = geometry.geom_type != "Point"
    field = "outline" if polygonal else "location"
    raw = json.dumps(shapely.geometry.mapping(geometry))
    try:
        parsed = parse_geometry(raw, field=field, allowed=POLYGONAL if polygonal else POINT)
    except RegistryValidationError as exc:
        message = exc.messages[0]
        hint = (exc.params or {}).get("hint")
        if exc.code == "out_of_bounds":
            hint = hint or _("Wrong coordinate system? Give it with --crs or `crs` in the mapping file.")
        raise RowRejected(exc.code, f"{message} {hint}" if hint else message, field=field) from None
    if not polygonal:
        return parsed, None
    outline = as_multipolygon(parsed)
    location = outline.point_on_surface
    location.srid = 4326
    return location, outline
