"""Exports of any filtered set of sites: GeoJSON, CSV and GeoPackage, each carrying licence and attribution.

GeoJSON and CSV are streamed from COPY ... TO STDOUT (PostgreSQL writes each Feature, or the whole CSV file): memory
stays flat for a national export. The GeoPackage is written by GDAL's ogr2ogr reading PostgreSQL directly into a
temporary file that is streamed and then deleted. Only integer EPSG codes reach GDAL (see settings: gis.W001).

Every export runs under REGISTRY_EXPORT_STATEMENT_TIMEOUT_MS (mapping/read/timeouts.py). Each stream starts its
statement before its first byte, in the view, so a timeout or an outage before the first row is still answered
503 (mapping/read/unavailable.py); one that strikes mid-stream can only close the connection without the final
chunk: the client sees a truncated transfer, never a complete-looking file. The CSV header is written here, not by
COPY's HEADER option: PostgreSQL sends that line before it runs the query, so the first byte came before the
statement had done its work and a timeout during the sort was a truncated 200 rather than a 503 (fault run of
2026-12-02, `exports_under_budget`). GeoJSON used a server-side cursor: one
opened outside a transaction is a WITH HOLD cursor, filled by its implicit COMMIT, which statement_timeout does not
cover (measured: a DECLARE ... WITH HOLD of pg_sleep(1) took 1 s under a 200 ms timeout), so it is one COPY now.
Without a buffering proxy, COPY's statement also lasts as long as the client takes to download.
"""

import contextlib
import datetime as dt
import io
import os
import shutil
import subprocess
import tempfile
import time

from django.conf import settings
from django.db import Error, connection, connections
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse

from commons.site_fields import BOOLEAN, DATE_TIME, EXPORT, OUTLINES, fields_for
from mapping.read.geojson import EXPORT_PROPERTIES, FROM_SITES, PRECISION, feature_collection_head, feature_sql, ids_sql
from mapping.read.timeouts import QueryTimeout, statement_timeout

LICENCE_URLS = {"CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/"}
OGR2OGR_TIMEOUT_S = 600


def _texts(sql, params, using):
    """The single text column of `sql`'s rows, streamed by one COPY statement."""
    connection = connections[using]
    query = connection.ops.compose_sql(sql, params)  # COPY takes no parameters
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT BINARY)") as copy:
            copy.set_types(["text"])
            for (text,) in copy.rows():
                yield text


class _Started:
    """Chunks whose first one is computed at once, in the view (see the module docstring); closing it closes them."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.first = next(chunks)

    def __iter__(self):
        yield self.first
        yield from self.chunks

    def close(self):
        self.chunks.close()


@contextlib.contextmanager
def _export_budget(using):
    """The export's statement under REGISTRY_EXPORT_STATEMENT_TIMEOUT_MS and without JIT compilation.

    PostgreSQL's JIT compiles a national export's expressions before the first row (100k sites: 562 ms of
    inlining, optimisation and emission, and the whole CSV statement 2.24 s with it against 0.96 s without), and
    a statement timeout cannot interrupt the compiler: under a 500 ms export budget a CSV COPY ran 1.75 s (fault
    run of 2026-12-02, bench/README.md "Faults"). The setting goes back to the server's once the export ends."""
    connection = connections[using]
    with statement_timeout(using, settings.REGISTRY_EXPORT_STATEMENT_TIMEOUT_MS):
        with connection.cursor() as cursor:
            cursor.execute(NO_JIT)
        try:
            yield
        finally:
            _jit_back(connection)


NO_JIT = "SELECT set_config('jit', 'off', false)"


def _jit_back(connection):
    if connection.connection is None:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")
    except Error:
        connection.close()  # never leave a persistent connection with another session's settings


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
    ids, params = ids_sql(sites)
    feature, feature_params = feature_sql(
        EXPORT_PROPERTIES, url_prefix=request.build_absolute_uri(reverse("api:site-list")))
    sql = f"SELECT ({feature})::text FROM {FROM_SITES} WHERE s.id IN ({ids}) ORDER BY s.id DESC"
    with _export_budget(using):
        features = _texts(sql, [*feature_params, *params], using)
        first = next(features, None)  # the statement runs before the first byte
        head = feature_collection_head(licence=settings.REGISTRY_DATA_LICENCE,
                                       attribution=settings.REGISTRY_ATTRIBUTION)
        if first is None:
            yield head + "]}\n"
            return
        buffer = [head, first]
        for text in features:
            buffer.append("," + text)
            if len(buffer) >= 500:
                yield "".join(buffer)
                buffer = []
        yield "".join(buffer) + "]}\n"


def geojson_export(sites, request):
    response = StreamingHttpResponse(_Started(geojson_chunks(sites, request, sites.db)),
                                     content_type="application/geo+json")
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
    return f"COPY ({query}) TO STDOUT WITH (FORMAT csv)"


def csv_header():
    """The header line COPY's HEADER option would write (the column names are plain identifiers)."""
    names = ["id", *(field.name for field in fields_for(EXPORT)), "lon", "lat", "wkt", "outline_wkt", "licence",
             "attribution"]
    return ",".join(names) + "\n"


def csv_chunks(sites, using):
    connection = connections[using]
    with _export_budget(using), connection.wrap_database_errors, connection.cursor() as cursor, \
            cursor.cursor.copy(csv_sql(sites)) as copy:
        data = iter(copy)
        first = next(data, b"")  # the statement has sorted every row before the first one comes
        # The UTF-8 BOM lets spreadsheet programs read accented Italian names correctly.
        yield ("\ufeff" + csv_header()).encode() + bytes(first)
        for chunk in data:
            yield bytes(chunk)


def csv_export(sites):
    response = StreamingHttpResponse(_Started(csv_chunks(sites, sites.db)), content_type="text/csv; charset=utf-8")
    return _headers(response, "csv")


class _TemporaryFile(io.FileIO):
    """A file whose folder disappears once the response has been sent."""

    def __init__(self, path, folder):
        super().__init__(path, "rb")
        self.folder = folder

    def close(self):
        super().close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _pg_source(db, timeout_s=None):
    parts = {"dbname": db["NAME"], "host": db.get("HOST") or "", "port": db.get("PORT") or "",
             "user": db.get("USER") or "",
             "options": " ".join(["-c jit=off", *([f"-c statement_timeout={max(1, int(timeout_s * 1000))}"]
                                                  if timeout_s else [])])}
    return "PG:" + " ".join(f"{key}='{value}'" for key, value in parts.items() if value)


def _ogr2ogr(target, sql, layer, geometry_type, description, *, update, using, deadline):
    """One ogr2ogr run, stopped (with its statement) at `deadline` (time.monotonic(); None: OGR2OGR_TIMEOUT_S)."""
    timeout_s = None if deadline is None else deadline - time.monotonic()
    if timeout_s is not None and timeout_s <= 0:
        raise QueryTimeout("the GeoPackage ran out of its export budget")
    db = connections[using].settings_dict
    command = ["ogr2ogr", "-f", "GPKG", *(["-update"] if update else []), target, _pg_source(db, timeout_s),
               "-sql", sql, "-nln", layer, "-lco", f"DESCRIPTION={description}", "-lco", "FID=fid"]
    if geometry_type:
        command += ["-nlt", geometry_type, "-a_srs", "EPSG:4326"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=timeout_s or OGR2OGR_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired as exc:
        raise QueryTimeout("ogr2ogr ran out of the export budget") from exc
    except subprocess.CalledProcessError as exc:
        if b"statement timeout" in (exc.stderr or b""):
            raise QueryTimeout("ogr2ogr's statement ran out of the export budget") from exc
        raise


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
    budget_ms = settings.REGISTRY_EXPORT_STATEMENT_TIMEOUT_MS  # the three runs share it
    deadline = time.monotonic() + budget_ms / 1000 if budget_ms else None
    try:
        _ogr2ogr(target, points, "sites", "POINT", attribution, update=False, using=sites.db, deadline=deadline)
        _ogr2ogr(target, outlines, "site_outlines", "MULTIPOLYGON", attribution, update=True, using=sites.db,
                 deadline=deadline)
        _ogr2ogr(target, about, "about", None, attribution, update=True, using=sites.db, deadline=deadline)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target, folder


def geopackage_export(sites):
    target, folder = geopackage_file(sites)
    response = FileResponse(_TemporaryFile(target, folder), content_type="application/geopackage+sqlite3")
    return _headers(response, "gpkg")
