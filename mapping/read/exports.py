"""Exports of any filtered set of sites: GeoJSON, CSV and GeoPackage, each carrying licence and attribution.

GeoJSON is streamed from a server-side cursor (PostgreSQL writes each Feature) and CSV from COPY ... TO STDOUT
(PostgreSQL writes the whole file): memory stays flat for a national export. The GeoPackage is written by GDAL's
ogr2ogr reading PostgreSQL directly into a temporary file that is streamed and then deleted. Only integer EPSG
codes reach GDAL (see settings: gis.W001).
"""

import datetime as dt
import io
import os
import shutil
import subprocess
import tempfile

from django.conf import settings
from django.db import connection, connections
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse

from commons.site_fields import BOOLEAN, DATE_TIME, EXPORT, OUTLINES, fields_for
from mapping.read.geojson import EXPORT_PROPERTIES, FROM_SITES, PRECISION, feature_collection_head, feature_sql, ids_sql

CHUNK_ROWS = 2000
LICENCE_URLS = {"CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/"}
OGR2OGR_TIMEOUT_S = 600


def _rows(sql, params, using):
    """Rows of `sql` through a server-side cursor, CHUNK_ROWS at a time."""
    with connections[using].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield from rows


def _filename(extension):
    return f"beco-sites-{dt.date.today().isoformat()}.{extension}"


def _headers(response, extension):
    response["Content-Disposition"] = f'attachment; filename="{_filename(extension)}"'
    licence = settings.REGISTRY_DATA_LICENCE
    if licence in LICENCE_URLS:
        response["Link"] = f'<{LICENCE_URLS[licence]}>; rel="license"'
    response["X-Licence"] = licence
    return response


def geojson_chunks(sites, request, using):
    yield feature_collection_head(licence=settings.REGISTRY_DATA_LICENCE, attribution=settings.REGISTRY_ATTRIBUTION)
    ids, params = ids_sql(sites)
    feature, feature_params = feature_sql(
        EXPORT_PROPERTIES, url_prefix=request.build_absolute_uri(reverse("api:site-list")))
    sql = f"SELECT ({feature})::text FROM {FROM_SITES} WHERE s.id IN ({ids}) ORDER BY s.id DESC"
    buffer, separator = [], ""
    for (text,) in _rows(sql, [*feature_params, *params], using):
        buffer.append(separator + text)
        separator = ","
        if len(buffer) >= 500:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer) + "]}\n"


def geojson_export(sites, request):
    response = StreamingHttpResponse(geojson_chunks(sites, request, sites.db), content_type="application/geo+json")
    return _headers(response, "geojson")


def _csv_expression(field):
    if field.type == DATE_TIME:
        return f"to_json({field.sql}) #>> '{{}}'"  # ISO 8601 with a T, as in the GeoJSON
    if field.type == BOOLEAN:
        return f"{field.sql}::text"  # true/false rather than COPY's t/f
    return field.sql


def csv_sql(sites):
    """One COPY ... TO STDOUT statement (values inlined: COPY takes no parameters) writing the whole CSV."""
    ids, params = ids_sql(sites)
    columns = ", ".join(f"{_csv_expression(field)} AS {field.name}" for field in fields_for(EXPORT))
    select = (
        f"SELECT s.id, {columns}, round(ST_X(s.location)::numeric, {PRECISION}) AS lon, "
        f"round(ST_Y(s.location)::numeric, {PRECISION}) AS lat, ST_AsText(s.location, {PRECISION}) AS wkt, "
        f"coalesce(ST_AsText(s.outline, {PRECISION}), '') AS outline_wkt, %s::text AS licence, "
        f"%s::text AS attribution FROM {FROM_SITES} WHERE s.id IN ({ids}) ORDER BY s.id DESC"
    )
    query = connection.ops.compose_sql(
        select, [settings.REGISTRY_DATA_LICENCE, settings.REGISTRY_ATTRIBUTION, *params])
    return f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"


def csv_chunks(sites, using):
    # The UTF-8 BOM lets spreadsheet programs read accented Italian names correctly.
    yield "\ufeff".encode()
    with connections[using].cursor() as cursor, cursor.cursor.copy(csv_sql(sites)) as copy:
        for data in copy:
            yield bytes(data)


def csv_export(sites):
    response = StreamingHttpResponse(csv_chunks(sites, sites.db), content_type="text/csv; charset=utf-8")
    return _headers(response, "csv")


class _TemporaryFile(io.FileIO):
    """A file whose folder disappears once the response has been sent."""

    def __init__(self, path, folder):
        super().__init__(path, "rb")
        self.folder = folder

    def close(self):
        super().close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _pg_source(db):
    parts = {"dbname": db["NAME"], "host": db.get("HOST") or "", "port": db.get("PORT") or "",
             "user": db.get("USER") or ""}
    return "PG:" + " ".join(f"{key}='{value}'" for key, value in parts.items() if value)


def _ogr2ogr(target, sql, layer, geometry_type, description, *, update, using):
    db = connections[using].settings_dict
    command = ["ogr2ogr", "-f", "GPKG", *(["-update"] if update else []), target, _pg_source(db), "-sql", sql,
               "-nln", layer, "-lco", f"DESCRIPTION={description}", "-lco", "FID=fid"]
    if geometry_type:
        command += ["-nlt", geometry_type, "-a_srs", "EPSG:4326"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    subprocess.run(command, check=True, capture_output=True, timeout=OGR2OGR_TIMEOUT_S, env=env)


def _gpkg_columns(fields):
    """The columns of a GeoPackage layer; timestamps go last, as PostgreSQL writes them in text."""
    columns = [f"{field.sql} AS {field.name}" for field in fields if field.type != DATE_TIME]
    return ", ".join(columns + [f"{field.sql}::text AS {field.name}" for field in fields if field.type == DATE_TIME])


def geopackage_file(sites):
    """Build the GeoPackage (layers sites, site_outlines, about) and return its temporary path and folder."""
    folder = tempfile.mkdtemp(prefix="beco-gpkg-")
    target = os.path.join(folder, "sites.gpkg")
    ids, params = ids_sql(sites)
    ids = connection.ops.compose_sql(ids, params)
    attribution = f"{settings.REGISTRY_ATTRIBUTION} ({settings.REGISTRY_DATA_LICENCE})"
    points = (f"SELECT s.id AS site_id, {_gpkg_columns(fields_for(EXPORT))}, s.location AS geom FROM {FROM_SITES} "
              f"WHERE s.id IN ({ids}) ORDER BY s.id DESC")
    outlines = (f"SELECT s.id AS site_id, {_gpkg_columns(fields_for(OUTLINES))}, s.outline AS geom "
                f"FROM {FROM_SITES} WHERE s.outline IS NOT NULL AND s.id IN ({ids}) ORDER BY s.id DESC")
    about = connection.ops.compose_sql(
        "SELECT %s::text AS licence, %s::text AS attribution, %s::text AS exported_at",
        [settings.REGISTRY_DATA_LICENCE, settings.REGISTRY_ATTRIBUTION, dt.datetime.now(dt.UTC).isoformat()])
    try:
        _ogr2ogr(target, points, "sites", "POINT", attribution, update=False, using=sites.db)
        _ogr2ogr(target, outlines, "site_outlines", "MULTIPOLYGON", attribution, update=True, using=sites.db)
        _ogr2ogr(target, about, "about", None, attribution, update=True, using=sites.db)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target, folder


def geopackage_export(sites):
    target, folder = geopackage_file(sites)
    response = FileResponse(_TemporaryFile(target, folder), content_type="application/geopackage+sqlite3")
    return _headers(response, "gpkg")
