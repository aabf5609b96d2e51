"""Coordinate reference systems of imported files, by integer EPSG code only.

GDAL 3.6 cannot sandbox spatial-reference definitions (Django's gis.W001): a WKT or PROJ string from an
uploaded file could make PROJ read files or URLs. So no text from a file ever reaches GDAL/PROJ here: we
read a .prj, a GeoPackage's srs table or a GeoJSON `crs` member ourselves, turn it into an integer EPSG
code, check it against settings.REGISTRY_ALLOWED_IMPORT_SRIDS, and only that integer is handed to GDAL.
"""

import re
from functools import lru_cache

import shapely
from django.conf import settings
from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference
from django.utils.translation import gettext as _

from .errors import ImportFailure

WGS84 = 4326

# Names that ESRI-style .prj files (ArcGIS, QGIS, ogr2ogr) give the allowed systems; the EPSG names are
# added from GDAL itself (by integer code). Keys are lower-case letters and digits only.
ESRI_NAMES = {
    "gcswgs1984": 4326,
    "gcsetrs1989": 4258,
    "wgs1984webmercatorauxiliarysphere": 3857,
    "wgs1984webmercator": 3857,
    "montemarioitaly1": 3003,
    "montemarioitaly2": 3004,
    "wgs1984utmzone32n": 32632,
    "wgs1984utmzone33n": 32633,
    "wgs1984utmzone34n": 32634,
    "etrs1989utmzone32n": 25832,
    "etrs1989utmzone33n": 25833,
    "etrs1989utmzone34n": 25834,
    "gcsrdn2008": 6706,
    "rdn2008tm32": 6707,
    "rdn2008tm33": 6708,
    "rdn2008utmzone32n": 7791,
    "rdn2008utmzone33n": 7792,
}
_EPSG_URN = re.compile(r"^(?:urn:ogc:def:crs:EPSG:[\d.]*:|EPSG:{1,2}|https?://www\.opengis\.net/def/crs/EPSG/0/)(\d+)$",
                       re.IGNORECASE)
_CRS84 = re.compile(r"^(?:urn:ogc:def:crs:OGC:[\d.]*:CRS84|https?://www\.opengis\.net/def/crs/OGC/1\.3/CRS84)$",
                    re.IGNORECASE)
_PRJ_NAME = re.compile(r'^\s*(?:PROJCS|GEOGCS|PROJCRS|GEOGCRS|GEODCRS)\s*\[\s*"([^"]+)"', re.IGNORECASE)
# The root's own authority closes the text: AUTHORITY["EPSG","3003"]] (WKT1) or ID["EPSG",3003]] (WKT2).
_PRJ_AUTHORITY = re.compile(r'(?:AUTHORITY\s*\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]|ID\s*\[\s*"EPSG"\s*,\s*(\d+)\s*\])'
                            r'\s*\]\s*$', re.IGNORECASE)


def allowed_srids():
    return list(settings.REGISTRY_ALLOWED_IMPORT_SRIDS)


def check_srid(value, *, origin):
    """An allowed integer EPSG code from a CLI option, a mapping file or a file's declaration, else ImportFailure."""
    try:
        srid = int(str(value).strip().upper().removeprefix("EPSG:"))
    except ValueError:
        srid = None
    if srid not in allowed_srids():
        raise ImportFailure(
            _("%(origin)s: coordinate system %(value)s is not accepted. Allowed EPSG codes: %(allowed)s.")
            % {"origin": origin, "value": str(value)[:60], "allowed": ", ".join(map(str, allowed_srids()))},
            code="srid_not_allowed",
        )
    return srid


def _normalise(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


@lru_cache(maxsize=1)
def _known_names():
    names = dict(ESRI_NAMES)
    for srid in allowed_srids():
        names.setdefault(_normalise(SpatialReference(srid).name), srid)
    return names


def srid_from_prj(text):
    """The EPSG code a .prj declares (its EPSG authority, else its name), or None if we cannot tell."""
    text = text.strip()
    authority = _PRJ_AUTHORITY.search(text)
    if authority:
        return int(authority.group(1) or authority.group(2))
    name = _PRJ_NAME.match(text)
    if name:
        return _known_names().get(_normalise(name.group(1)))
    return None


def srid_from_geojson_crs(member):
    """The EPSG code of a legacy GeoJSON `crs` member ({"type": "name", ...}); links are refused."""
    if member is None:
        return None
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else None
    if not isinstance(name, str) or member.get("type") != "name":
        raise ImportFailure(_("The GeoJSON 'crs' member must name an EPSG code (e.g. urn:ogc:def:crs:EPSG::3003); "
                              "remove it or pass --crs."), code="srid_not_allowed")
    if _CRS84.match(name.strip()):
        return WGS84
    match = _EPSG_URN.match(name.strip())
    if not match:
        raise ImportFailure(_("The GeoJSON 'crs' member %(name)s is not an EPSG code; pass --crs.")
                            % {"name": name[:80]}, code="srid_not_allowed")
    return int(match.group(1))


@lru_cache(maxsize=None)
def _transform_to_wgs84(srid):
    return CoordTransform(SpatialReference(srid), SpatialReference(WGS84))


def to_wgs84(geom, srid):
    """A shapely geometry in EPSG:`srid` (an allowed integer) reprojected to longitude/latitude."""
    if srid == WGS84 or geom is None:
        return geom
    if srid not in allowed_srids():  # defence in depth: callers already checked
        raise ImportFailure(_("Coordinate system %(srid)s is not accepted.") % {"srid": srid}, code="srid_not_allowed")
    ogr = OGRGeometry(memoryview(shapely.to_wkb(geom, output_dimension=2)))
    ogr.transform(_transform_to_wgs84(srid))
    return shapely.from_wkb(bytes(ogr.wkb))
