"""Exports read back: CSV parsed, GeoJSON decoded, GeoPackage opened by GDAL's ogrinfo; ogrinfo also reads the
list endpoint of a live server."""

import csv
import io
import json
import re
import subprocess

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point

from commons.models import SiteKind
from tests.factories import MILANO, ROMA, SiteFactory, square

ATTRIBUTION = "BE.CO-OP registro dei beni comuni"


def some_sites():
    land = SiteFactory(kind=SiteKind.LAND, title="Terreno, \"grande\"", location=Point(*ROMA, srid=4326),
                       outline=square(*ROMA), address="Via Àppia 1")
    building = SiteFactory(location=Point(*MILANO, srid=4326))
    SiteFactory(hidden=True)
    return land, building


def content(response):
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    assert response.streaming
    return b"".join(response.streaming_content)


def ogrinfo(*args):
    result = subprocess.run(["ogrinfo", "-ro", "-so", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def layer_summary(output, layer):
    section = output.split(f"Layer name: {layer}")[1].split("Layer name:")[0]
    count = int(re.search(r"Feature Count: (\d+)", section).group(1))
    geometry = re.search(r"Geometry: (.+)", section)
    return count, geometry.group(1).strip() if geometry else None


@pytest.mark.django_db
def test_the_csv_export_has_lon_lat_wkt_and_licence_columns(client):
    land, building = some_sites()
    response = client.get("/api/v1/exports/sites.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"] and 'rel="license"' in response["Link"]
    text = content(response).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [int(row["id"]) for row in rows] == [building.pk, land.pk]
    row = rows[1]
    assert row["title"] == 'Terreno, "grande"' and row["address"] == "Via Àppia 1"
    assert (float(row["lon"]), float(row["lat"])) == tuple(ROMA)
    assert GEOSGeometry(row["wkt"]).equals(Point(*ROMA))
    assert GEOSGeometry(row["outline_wkt"]).geom_type == "MultiPolygon" and rows[0]["outline_wkt"] == ""
    assert row["licence"] == "CC BY 4.0" and row["attribution"].startswith(ATTRIBUTION)
    assert row["has_outline"] == "true" and row["municipality_name"] == "Roma"


@pytest.mark.django_db
def test_the_geojson_export_is_a_feature_collection_with_licence(client):
    land, building = some_sites()
    collection = json.loads(content(client.get("/api/v1/exports/sites.geojson?kind=land")))
    assert collection["type"] == "FeatureCollection" and collection["licence"] == "CC BY 4.0"
    assert collection["attribution"].startswith(ATTRIBUTION)
    assert [f["id"] for f in collection["features"]] == [land.pk]
    assert collection["features"][0]["properties"]["address"] == "Via Àppia 1"
    empty = json.loads(content(client.get("/api/v1/exports/sites.geojson?kind=village")))
    assert empty["features"] == []


@pytest.mark.django_db(transaction=True)
def test_the_geopackage_opens_in_gdal_with_the_right_counts_and_types(client, tmp_path):
    some_sites()
    for _ in range(3):
        SiteFactory(kind=SiteKind.LAND)
    response = client.get("/api/v1/exports/sites.gpkg?kind=land")
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    path = tmp_path / "sites.gpkg"
    path.write_bytes(content(response))
    output = ogrinfo("-al", str(path))
    assert layer_summary(output, "sites") == (4, "Point")
    assert layer_summary(output, "site_outlines") == (1, "Multi Polygon")
    assert layer_summary(output, "about")[0] == 1
    assert "EPSG\",4326" in output.replace(" ", "")
    about = subprocess.run(["ogrinfo", "-ro", "-al", "-q", str(path), "about"], capture_output=True, text=True)
    assert "licence (String) = CC BY 4.0" in about.stdout and ATTRIBUTION in about.stdout


@pytest.mark.django_db(transaction=True)
def test_ogrinfo_reads_the_list_endpoint_of_a_live_server(live_server):
    some_sites()
    for _ in range(4):
        SiteFactory()
    output = ogrinfo("-al", f"{live_server.url}/api/v1/sites/?limit=5")
    assert layer_summary(output, "OGRGeoJSON") == (5, "Point")
    output = ogrinfo("-al", f"{live_server.url}/api/v1/sites/?kind=land")
    count, geometry = layer_summary(output, "OGRGeoJSON")
    assert (count, geometry) == (1, "Point")
    assert "municipality_name: String" in output and "updated_at: DateTime" in output


@pytest.mark.django_db
def test_exports_run_without_jit_and_give_the_setting_back():
    """JIT compiles a national export's expressions for ~0.5 s before the first row, out of the statement
    timeout's reach; exports turn it off for their own statement (and ogr2ogr's) and restore it after."""
    from django.db import connection

    from mapping.read.exports import _export_budget, _pg_source

    def jit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            return cursor.fetchone()[0]

    assert jit() == "on"  # PostgreSQL's default, which tiles and exports turn off for themselves
    with _export_budget("default"):
        assert jit() == "off"
    assert jit() == "on"
    assert "options='-c jit=off -c statement_timeout=1500'" in _pg_source(connection.settings_dict, 1.5)
    assert "options='-c jit=off'" in _pg_source(connection.settings_dict)
