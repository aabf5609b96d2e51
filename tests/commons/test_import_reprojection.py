"""Reprojection accuracy, checked against coordinates computed here without GDAL or PROJ.

The projected coordinates of known WGS84 points are computed in pure Python (transverse Mercator by Krüger's
series; for Monte Mario the EPSG:1660 seven-parameter Helmert shift, position-vector convention), written to a
CSV, imported with --crs, and must land back within a metre of where they started (the Helmert itself is
accurate to ~4 m against the ground, so this checks the pipeline: the right CRS, axis order and datum shift).
"""

import math

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection

from commons.models import Site

WGS84 = (6378137.0, 1 / 298.257223563)
INTERNATIONAL_1924 = (6378388.0, 1 / 297.0)
MONTE_MARIO_TO_WGS84 = {"x": -104.1, "y": -49.1, "z": -9.9, "rx": 0.971, "ry": -2.917, "rz": 0.714, "s": -11.68}
MAINLAND = {"colosseo": (12.492231, 41.890210), "duomo-milano": (9.191383, 45.464211),
            "uffizi-firenze": (11.255290, 43.767850), "plebiscito-napoli": (14.248678, 40.835934)}


def transverse_mercator(lon, lat, *, ellipsoid, lon0, x0, k0=0.9996):
    a, f = ellipsoid
    n = f / (2 - f)
    big_a = a / (1 + n) * (1 + n**2 / 4 + n**4 / 64)
    alpha = [n / 2 - 2 * n**2 / 3 + 5 * n**3 / 16, 13 * n**2 / 48 - 3 * n**3 / 5, 61 * n**3 / 240]
    phi, dlam = math.radians(lat), math.radians(lon - lon0)
    c = 2 * math.sqrt(n) / (1 + n)
    t = math.sinh(math.atanh(math.sin(phi)) - c * math.atanh(c * math.sin(phi)))
    xi, eta = math.atan2(t, math.cos(dlam)), math.atanh(math.sin(dlam) / math.sqrt(1 + t * t))
    east = eta + sum(al * math.cos(2 * j * xi) * math.sinh(2 * j * eta) for j, al in enumerate(alpha, 1))
    north = xi + sum(al * math.sin(2 * j * xi) * math.cosh(2 * j * eta) for j, al in enumerate(alpha, 1))
    return x0 + k0 * big_a * east, k0 * big_a * north


def _ecef(lon, lat, ellipsoid):
    a, f = ellipsoid
    e2 = f * (2 - f)
    phi, lam = math.radians(lat), math.radians(lon)
    nu = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    return np.array([nu * math.cos(phi) * math.cos(lam), nu * math.cos(phi) * math.sin(lam),
                     nu * (1 - e2) * math.sin(phi)])


def _geodetic(xyz, ellipsoid):
    a, f = ellipsoid
    e2 = f * (2 - f)
    x, y, z = xyz
    p = math.hypot(x, y)
    phi = math.atan2(z, p * (1 - e2))
    for _ in range(10):
        nu = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
        phi = math.atan2(z, p * (1 - e2 * nu / (nu + p / math.cos(phi) - nu)))
    return math.degrees(math.atan2(y, x)), math.degrees(phi)


def wgs84_to_3003(lon, lat):
    p, arcsec = MONTE_MARIO_TO_WGS84, math.radians(1 / 3600)
    rx, ry, rz = p["rx"] * arcsec, p["ry"] * arcsec, p["rz"] * arcsec
    rotation = (1 + p["s"] * 1e-6) * np.array([[1, -rz, ry], [rz, 1, -rx], [-ry, rx, 1]])
    shifted = _ecef(lon, lat, WGS84) - np.array([p["x"], p["y"], p["z"]])
    mm_lon, mm_lat = _geodetic(np.linalg.solve(rotation, shifted), INTERNATIONAL_1924)
    return transverse_mercator(mm_lon, mm_lat, ellipsoid=INTERNATIONAL_1924, lon0=9, x0=1_500_000)


def wgs84_to_32633(lon, lat):
    return transverse_mercator(lon, lat, ellipsoid=WGS84, lon0=15, x0=500_000)


def _distance_m(site, lon, lat):
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_Distance(%s::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)",
                       [site.location.ewkt, lon, lat])
        return cursor.fetchone()[0]


@pytest.mark.django_db
@pytest.mark.parametrize("srid, project", [(3003, wgs84_to_3003), (32633, wgs84_to_32633)])
def test_known_points_land_within_a_metre(tmp_path, srid, project):
    lines = ["id;nome;x;y"]
    for name, (lon, lat) in MAINLAND.items():
        x, y = project(lon, lat)
        lines.append(f"{name};Punto {name};{x:.3f};{y:.3f}".replace(".", ","))  # Italian decimal commas too
    path = tmp_path / f"punti_{srid}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    call_command("import_sites", str(path), "--source", f"punti-{srid}", "--crs", str(srid), "--licence", "CC0",
                 "--attribution", "test", verbosity=0)

    sites = {site.source_id: site for site in Site.objects.filter(source=f"punti-{srid}")}
    assert sorted(sites) == sorted(MAINLAND)
    for name, (lon, lat) in MAINLAND.items():
        assert _distance_m(sites[name], lon, lat) < 1.0, name

