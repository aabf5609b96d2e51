"""The coordinate reference systems the registry serves and reads, and the SQL that puts a geometry in one.

Only the integer EPSG codes listed here ever reach PostGIS or GDAL (RELIABILITY.md: GDAL 3.6 cannot block file
and network access from a spatial-reference text, so no client text is handed to it). Sites are stored in
EPSG:4326 with longitude first (OGC:CRS84 is exactly that); EPSG:4326 itself, RDN2008 (6706) and the RDN2008
UTM zones "N-E" (6707, 6708) put latitude or northing first, as their EPSG definitions say: those are written
with ST_FlipCoordinates (tests check the list against GDAL's own EPSGTreatsAsLatLong / NorthingEasting).
"""

from dataclasses import dataclass

from commons.site_fields import PRECISION

STORAGE_SRID = 4326
METRE_PRECISION = 2  # decimals of a projected coordinate: centimetres


@dataclass(frozen=True)
class Crs:
    srid: int  # the EPSG code PostGIS transforms to
    name: str
    second_axis_first: bool = False  # latitude (or northing) first
    geographic: bool = False

    @property
    def precision(self):
        return PRECISION if self.geographic else METRE_PRECISION


CRS84 = Crs(4326, "WGS 84 (longitude, latitude)", geographic=True)
# OGC URI -> Crs; CRS84 first (the default of every OGC API request).
SUPPORTED = {
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84": CRS84,
    "http://www.opengis.net/def/crs/EPSG/0/4326": Crs(4326, "WGS 84 (latitude, longitude)", True, True),
    "http://www.opengis.net/def/crs/EPSG/0/3857": Crs(3857, "WGS 84 / Pseudo-Mercator"),
    "http://www.opengis.net/def/crs/EPSG/0/3003": Crs(3003, "Monte Mario / Italy zone 1"),
    "http://www.opengis.net/def/crs/EPSG/0/3004": Crs(3004, "Monte Mario / Italy zone 2"),
    "http://www.opengis.net/def/crs/EPSG/0/6706": Crs(6706, "RDN2008 (latitude, longitude)", True, True),
    "http://www.opengis.net/def/crs/EPSG/0/6707": Crs(6707, "RDN2008 / UTM zone 32N (N-E)", True),
    "http://www.opengis.net/def/crs/EPSG/0/6708": Crs(6708, "RDN2008 / UTM zone 33N (N-E)", True),
    "http://www.opengis.net/def/crs/EPSG/0/7791": Crs(7791, "RDN2008 / UTM zone 32N"),
    "http://www.opengis.net/def/crs/EPSG/0/7792": Crs(7792, "RDN2008 / UTM zone 33N"),
    "http://www.opengis.net/def/crs/EPSG/0/25832": Crs(25832, "ETRS89 / UTM zone 32N"),
    "http://www.opengis.net/def/crs/EPSG/0/25833": Crs(25833, "ETRS89 / UTM zone 33N"),
    "http://www.opengis.net/def/crs/EPSG/0/25834": Crs(25834, "ETRS89 / UTM zone 34N"),
    "http://www.opengis.net/def/crs/EPSG/0/32632": Crs(32632, "WGS 84 / UTM zone 32N"),
    "http://www.opengis.net/def/crs/EPSG/0/32633": Crs(32633, "WGS 84 / UTM zone 33N"),
    "http://www.opengis.net/def/crs/EPSG/0/32634": Crs(32634, "WGS 84 / UTM zone 34N"),
}
CRS84_URI = next(iter(SUPPORTED))
ALLOWED_SRIDS = frozenset(crs.srid for crs in SUPPORTED.values())


def in_crs_sql(column, crs):
    """SQL of `column` (stored in 4326, longitude first) in `crs`, axes in the CRS's own order."""
    if crs.srid not in ALLOWED_SRIDS:  # never reached with a client's value: SUPPORTED is the only source
        raise ValueError(f"SRID {crs.srid} is not allowed")
    expression = column if crs.srid == STORAGE_SRID else f"ST_Transform({column}, {int(crs.srid)})"
    return f"ST_FlipCoordinates({expression})" if crs.second_axis_first else expression


def geojson_sql(column, crs):
    """ST_AsGeoJSON of `column` in `crs` (json), at the CRS's precision."""
    return f"ST_AsGeoJSON({in_crs_sql(column, crs)}, {crs.precision})::json"
