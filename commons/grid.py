"""The Web Mercator tile grid, once: the square's size, tile numbers of a longitude/latitude, a tile's bounds.

Used by the stored map cell of a site (commons.models.sites), the precomputed counts (commons.models.aggregates),
the tile writer and the tile-by-tile bbox lists (mapping.read).
"""

import math

WORLD_HALF = 20037508.342789244  # half the width of the Web Mercator square, metres
MAX_LATITUDE = 85.05112878  # the square's edge in degrees: tiles end there
MAX_ZOOM = 22


def tiles_per_side(z):
    return 2**z


def cell_size(z, cells_per_tile=1):
    """Side in metres of a tile at zoom z (or of one of its cells_per_tile² cells)."""
    return 2 * WORLD_HALF / 2**z / cells_per_tile


def tile_x(lon, z):
    return int(math.floor((lon + 180) / 360 * 2**z))


def mercator_y(lat):
    """The latitude in Web Mercator's unit-free y (asinh of tan), clamped to the square."""
    return math.asinh(math.tan(math.radians(max(min(lat, MAX_LATITUDE), -MAX_LATITUDE))))


def tile_y(lat, z):
    return int(math.floor((1 - mercator_y(lat) / math.pi) / 2 * 2**z))


def tile_bounds(x, y, z):
    """(west, south, east, north) in degrees of the map tile x, y at zoom z."""
    n = 2**z
    lat = lambda row: math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))  # noqa: E731
    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def is_tile(z, x, y):
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z
