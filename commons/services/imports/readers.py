"""Reading GeoJSON, GeoPackage, Shapefile and CSV files into plain rows (attributes + geometry in the file's CRS).

Only the Shapefile path goes through GDAL (django.contrib.gis.gdal.DataSource), and only after its .prj has
been set aside: GeoJSON is parsed with json + shapely, a GeoPackage is read as the SQLite file it is, a CSV with
the csv module. Spatial-reference declarations are turned into integer EPSG codes by `crs` (see there why).
"""

import csv
import io
import json
import re
import shutil
import sqlite3
import tempfile
import zipfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import shapely
import shapely.geometry
from django.contrib.gis.gdal import DataSource
from django.contrib.gis.gdal.error import GDALException
from django.utils.translation import gettext as _

from .crs import WGS84, srid_from_geojson_crs, srid_from_prj
from .errors import ImportFailure
from .values import is_missing, parse_number, text

SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".cpg")
MAX_ZIP_MEMBERS = 200
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
# A 2,000-vertex outline as WKT is ~80 KB, over the csv module's 128 KB default once quoted and padded.
csv.field_size_limit(16 * 1024 * 1024)

LON_NAMES = ("lon", "lng", "long", "longitude", "longitudine", "x", "coord_x", "x_coord", "est", "easting")
LAT_NAMES = ("lat", "latitude", "latitudine", "y", "coord_y", "y_coord", "nord", "northing")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "geometria", "shape")
ISTAT_NAMES = ("codistat", "cod_istat", "codice_istat", "istat", "pro_com_t", "pro_com", "com_istat_code",
               "cod_comune", "codice_comune")


@dataclass
class SourceRow:
    number: int  # feature number, or the CSV line where the record ends
    attributes: dict
    geometry: object = None  # shapely, in the file's CRS
    istat: str = ""  # municipality code when the row is placed by its municipality only
    problem: tuple = None  # (code, message, field) found while reading


@dataclass
class SourceTable:
    format: str
    columns: list
    srid: int | None  # what the file declares; None when it declares nothing we can read
    total: int
    rows: object  # iterator of SourceRow
    geometry_columns: dict = field(default_factory=dict)
    srid_note: str = ""  # why `srid` is None although the file tried to declare one


@contextmanager
def open_table(path, *, options=None):
    """Open an import file (or a .zip holding one) and yield a SourceTable; temporary files go away after."""
    options = options or {}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="beco-import-")))
        path = Path(path)
        kind = detect_format(path)
        if kind == "zip":
            path, kind = _unzip(path, tmp)
        reader = {"geojson": _read_geojson, "gpkg": _read_gpkg, "shapefile": _read_shapefile, "csv": _read_csv}[kind]
        yield reader(path, options, tmp, stack)


def detect_format(path):
    """geojson, gpkg, shapefile, csv or zip, from the file's first bytes and then its name."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        raise ImportFailure(_("Cannot read %(path)s (%(reason)s).") % {"path": path, "reason": exc.strerror},
                            code="unreadable_file") from None
    suffix = Path(path).suffix.lower()
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if suffix == ".shp":
        return "shapefile"
    if suffix in (".geojson", ".json") or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return "geojson"
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    raise ImportFailure(_("Unsupported file: send GeoJSON, GeoPackage (.gpkg), a zipped Shapefile or CSV."),
                        code="unsupported_format")


def _unzip(path, tmp):
    """Extract a zip safely (flat names, bounded size) and return the one dataset it holds."""
    target = tmp / "unzipped"
    target.mkdir()
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and "__MACOSX" not in m.filename
                       and not Path(m.filename).name.startswith(".")]
            if len(members) > MAX_ZIP_MEMBERS:
                raise ImportFailure(_("The zip file holds too many files."), code="zip_too_large")
            budget = MAX_UNZIPPED_BYTES
            for member in members:
                budget -= _extract(archive, member, target / Path(member.filename).name, budget)
    except zipfile.BadZipFile:
        raise ImportFailure(_("The zip file is damaged."), code="unreadable_file") from None
    return _dataset_in(target)


def _extract(archive, member, destination, budget):
    written = 0
    with archive.open(member) as source, open(destination, "wb") as sink:
        while chunk := source.read(1024 * 1024):
            written += len(chunk)
            if written > budget:
                raise ImportFailure(_("The zip file expands to more than %(mb)d MB.")
                                    % {"mb": MAX_UNZIPPED_BYTES // 2**20}, code="zip_too_large")
            sink.write(chunk)
    return written


def _dataset_in(folder):
    files = sorted(folder.iterdir())
    shapefiles = [f for f in files if f.suffix.lower() == ".shp"]
    if len(shapefiles) == 1:
        return shapefiles[0], "shapefile"
    others = [f for f in files if f.suffix.lower() in (".gpkg", ".geojson", ".json", ".csv", ".txt", ".tsv")]
    if not shapefiles and len(others) == 1:
        kind = detect_format(others[0])
        if kind != "zip":
            return others[0], kind
    raise ImportFailure(_("The zip file must hold exactly one dataset (one .shp with its .shx/.dbf/.prj, or one "
                          ".gpkg, .geojson or .csv)."), code="unsupported_format")


# GeoJSON -------------------------------------------------------------------------------------------------

def _read_geojson(path, options, tmp, stack):
    try:
        data = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ImportFailure(_("The file is not valid GeoJSON (UTF-8 JSON)."), code="invalid_geojson") from None
    if not isinstance(data, dict):
        raise ImportFailure(_("The file is not a GeoJSON FeatureCollection."), code="invalid_geojson")
    if data.get("type") == "Feature":
        features = [data]
    elif data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        features = data["features"]
    else:
        raise ImportFailure(_("The file is not a GeoJSON FeatureCollection."), code="invalid_geojson")
    srid = srid_from_geojson_crs(data.get("crs")) or WGS84  # RFC 7946: no crs member means WGS84
    columns = list(dict.fromkeys(key for f in features if isinstance(f, dict)
                                 for key in _properties(f)))
    return SourceTable("geojson", columns, srid, len(features), (_geojson_row(n, f) for n, f in enumerate(features, 1)))


def _properties(feature):
    props = feature.get("properties")
    props = dict(props) if isinstance(props, dict) else {}
    if "id" in feature and "id" not in props:
        props["id"] = feature["id"]
    return {key: json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value
            for key, value in props.items()}


def _geojson_row(number, feature):
    if not isinstance(feature, dict):
        return SourceRow(number, {}, problem=("invalid_geojson", _("This feature is not a JSON object."), ""))
    attributes = _properties(feature)
    raw = feature.get("geometry")
    if raw is None:
        return SourceRow(number, attributes)
    try:
        geometry = shapely.geometry.shape(raw)
    except Exception:  # shapely raises many kinds of errors for malformed coordinates
        return SourceRow(number, attributes, problem=("invalid_geojson", _("The geometry is not valid GeoJSON."),
                                                           "location"))
    return SourceRow(number, attributes, geometry=geometry)


# GeoPackage ----------------------------------------------------------------------------------------------

def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def _read_gpkg(path, options, tmp, stack):
    connection = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    stack.callback(connection.close)
    try:
        layers = connection.execute("SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns "
                                    "ORDER BY table_name").fetchall()
    except sqlite3.DatabaseError:
        raise ImportFailure(_("The file is not a GeoPackage."), code="unsupported_format") from None
    table, geometry_column, srs_id = _choose_layer(layers, options.get("layer"))
    srid, note = _gpkg_srid(connection, srs_id)
    columns = [row[1] for row in connection.execute(f"PRAGMA table_info({_quote(table)})")]
    total = connection.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]
    attribute_columns = [c for c in columns if c != geometry_column]
    cursor = connection.execute(f"SELECT * FROM {_quote(table)}")
    rows = (_gpkg_row(n, dict(zip(columns, values)), geometry_column) for n, values in enumerate(cursor, 1))
    return SourceTable("gpkg", attribute_columns, srid, total, rows, srid_note=note)


def _choose_layer(layers, wanted):
    if not layers:
        raise ImportFailure(_("The GeoPackage has no layer with geometries."), code="unsupported_format")
    if wanted:
        for layer in layers:
            if layer[0] == wanted:
                return layer
        raise ImportFailure(_("The GeoPackage has no layer %(layer)s.") % {"layer": wanted}, code="unknown_layer")
    if len(layers) > 1:
        raise ImportFailure(_("The GeoPackage has several layers (%(names)s): name one as `layer` in the mapping "
                              "file.") % {"names": ", ".join(layer[0] for layer in layers)}, code="several_layers")
    return layers[0]


def _gpkg_srid(connection, srs_id):
    row = connection.execute("SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys "
                             "WHERE srs_id = ?", (srs_id,)).fetchone()
    if row and str(row[0]).upper() == "EPSG" and isinstance(row[1], int):
        return row[1], ""
    if srs_id in (0, -1) or row is None:
        return None, ""
    return None, _("the GeoPackage declares a coordinate system without an EPSG code")


def gpkg_wkb(blob):
    """The WKB inside a GeoPackage geometry blob ('GP' header, flags, srs id, optional envelope); None if empty."""
    blob = bytes(blob)
    if blob[:2] != b"GP" or len(blob) < 8:
        raise ValueError("not a GeoPackage geometry")
    flags = blob[3]
    if flags & 0b10000:
        return None
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111)
    if envelope is None:
        raise ValueError("bad envelope code")
    return blob[8 + envelope:]


def _gpkg_row(number, values, geometry_column):
    blob = values.pop(geometry_column, None)
    attributes = {k: (None if isinstance(v, bytes) else v) for k, v in values.items()}
    if blob is None:
        return SourceRow(number, attributes)
    try:
        wkb = gpkg_wkb(blob)
        geometry = shapely.from_wkb(wkb) if wkb else None
    except (ValueError, shapely.errors.GEOSException):
        return SourceRow(number, attributes, problem=("invalid_geometry", _("The geometry cannot be read."),
                                                           "location"))
    return SourceRow(number, attributes, geometry=geometry)


# Shapefile -----------------------------------------------------------------------------------------------

def _sibling(path, suffix):
    for candidate in Path(path).parent.iterdir():
        if candidate.stem == Path(path).stem and candidate.suffix.lower() == suffix:
            return candidate
    return None


def _read_shapefile(path, options, tmp, stack):
    """Copy .shp/.shx/.dbf/.cpg aside without the .prj (GDAL would parse it), read the .prj ourselves."""
    work = tmp / "shape"
    work.mkdir()
    for suffix in SHAPEFILE_PARTS:
        part = _sibling(path, suffix)
        if part is None and suffix != ".cpg":
            raise ImportFailure(_("The Shapefile lacks its %(part)s file.") % {"part": suffix}, code="missing_part")
        if part is not None:
            shutil.copyfile(part, work / f"layer{suffix}")
    srid, note = None, ""
    prj = _sibling(path, ".prj")
    if prj is not None:
        srid = srid_from_prj(prj.read_text(encoding="latin-1")[:65536])
        note = "" if srid else _("the .prj names a coordinate system the registry cannot recognise")
    try:
        layer = DataSource(str(work / "layer.shp"), encoding="utf-8")[0]
    except (GDALException, IndexError):
        raise ImportFailure(_("The Shapefile cannot be read."), code="unreadable_file") from None
    columns = list(layer.fields)
    rows = (_shape_row(n, feature, columns) for n, feature in enumerate(layer, 1))
    return SourceTable("shapefile", columns, srid, layer.num_feat, rows, srid_note=note)


def _shape_row(number, feature, columns):
    attributes = {}
    for name in columns:
        try:
            attributes[name] = feature[name].value
        except (GDALException, UnicodeDecodeError, ValueError):
            attributes[name] = None
    try:
        geom = feature.geom
    except GDALException:
        return SourceRow(number, attributes)
    if geom is None:
        return SourceRow(number, attributes)
    return SourceRow(number, attributes, geometry=shapely.from_wkb(bytes(geom.wkb)))


# CSV -----------------------------------------------------------------------------------------------------

def decode_text(raw, encoding=None):
    """Text of a CSV: the given encoding, else UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    if encoding:
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            raise ImportFailure(_("The file cannot be read as %(encoding)s.") % {"encoding": encoding[:30]},
                                code="bad_encoding") from None
    for candidate in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(candidate)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")


def sniff_delimiter(text_):
    header = next((line for line in text_.splitlines() if line.strip()), "")
    counts = {d: header.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(path, options, tmp, stack):
    content = decode_text(Path(path).read_bytes(), options.get("encoding"))
    delimiter = options.get("delimiter") or sniff_delimiter(content)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    header = [name.strip() for name in next(reader, [])]
    if not any(header):
        raise ImportFailure(_("The CSV file is empty."), code="empty_file")
    records = [(reader.line_num, cells) for cells in reader if any(cell.strip() for cell in cells)]
    geometry_columns = csv_geometry_columns(header, options.get("geometry") or {})
    decimal = options.get("decimal")
    rows = (_csv_row(line, header, cells, geometry_columns, decimal) for line, cells in records)
    return SourceTable("csv", header, None, len(records), rows, geometry_columns=geometry_columns)


def _find(header, names):
    lowered = {re.sub(r"[\s.-]+", "_", name.strip().lower()): name for name in header}
    return next((lowered[name] for name in names if name in lowered), None)


def csv_geometry_columns(header, declared):
    """Which columns hold the place: {'lon','lat'}, {'wkt'} or {'istat'}, as declared or guessed from names."""
    if declared:
        if set(declared) not in ({"lon", "lat"}, {"wkt"}, {"istat"}):
            raise ImportFailure(_("[geometry] must give lon and lat, or wkt, or istat."), code="bad_mapping")
        missing = [column for column in declared.values() if column not in header]
        if missing:
            raise ImportFailure(_("The CSV has no column %(column)s.") % {"column": missing[0]}, code="unknown_column")
        return dict(declared)
    lon, lat = _find(header, LON_NAMES), _find(header, LAT_NAMES)
    if lon and lat:
        return {"lon": lon, "lat": lat}
    if wkt := _find(header, WKT_NAMES):
        return {"wkt": wkt}
    if istat := _find(header, ISTAT_NAMES):
        return {"istat": istat}
    raise ImportFailure(_("The CSV has no recognisable place columns: name them in the mapping file "
                          "([geometry] lon/lat, wkt or istat)."), code="no_geometry_columns")


def _csv_row(line, header, cells, columns, decimal):
    attributes = dict(zip(header, cells + [""] * (len(header) - len(cells))))
    if len(cells) > len(header):
        return SourceRow(line, attributes, problem=("wrong_column_count", _(
            "The row has %(cells)d cells but the header %(columns)d (an unquoted delimiter inside a value?).")
            % {"cells": len(cells), "columns": len(header)}, ""))
    row = SourceRow(line, attributes)
    try:
        if "istat" in columns:
            row.istat = istat_code(attributes[columns["istat"]])
        elif "wkt" in columns:
            row.geometry = _wkt(attributes[columns["wkt"]])
        else:
            row.geometry = _lon_lat(attributes[columns["lon"]], attributes[columns["lat"]], decimal)
    except ValueError as exc:
        row.problem = ("invalid_value", str(exc), "location")
    return row


def _lon_lat(lon, lat, decimal):
    try:
        x, y = parse_number(lon, decimal=decimal), parse_number(lat, decimal=decimal)
    except ValueError:
        raise ValueError(_("The coordinates %(lon)s, %(lat)s are not numbers.")
                         % {"lon": str(lon)[:30], "lat": str(lat)[:30]}) from None
    return None if x is None or y is None else shapely.Point(x, y)


def istat_code(value):
    """A 6-digit ISTAT municipality code ('1001' and '1001.0' become '001001'); '' when missing."""
    cell = text(value)
    if not cell:
        return ""
    digits = cell[:-2] if cell.endswith(".0") else cell
    if not digits.isdigit() or len(digits) > 6:
        raise ValueError(_("%(value)s is not an ISTAT municipality code.") % {"value": cell[:20]})
    return digits.zfill(6)


def _wkt(value):
    if is_missing(value):
        return None
    cell = str(value).strip()
    if cell.upper().startswith("SRID="):
        raise ValueError(_("Write plain WKT without an SRID= prefix; give the coordinate system with --crs."))
    try:
        return shapely.from_wkt(cell)
    except shapely.errors.GEOSException:
        raise ValueError(_("The WKT geometry cannot be read.")) from None
