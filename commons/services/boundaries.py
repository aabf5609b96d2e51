"""Loading Italy's administrative boundaries (ISTAT via Openpolis) and the SNAI inner-areas classes."""

import csv
import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.db import connection, transaction

from commons.geometry import repaired_multipolygon, to_geos
from commons.models import InnerAreaClass, Municipality, Province, Region

OPENPOLIS_VERSION = "2023.1"
OPENPOLIS_URL = "https://raw.githubusercontent.com/openpolis/geojson-italy/{version}/geojson/limits_IT_{layer}.geojson"
LAYER_FILES = {
    "regions": "it_regions.geojson",
    "provinces": "it_provinces.geojson",
    "municipalities": "it_municipalities.geojson",
}
# SHA-256 of the pinned upstream files. Empty means "not pinned yet": the loader prints the digest it
# computed so an operator can pin it here after checking the file (this machine has no access to GitHub).
OPENPOLIS_SHA256 = {"regions": "", "provinces": "", "municipalities": ""}
SNAI_FILE = "aree_interne_2020_comuni_2023codes.csv"


class BoundaryError(Exception):
    pass


@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    repairs: list = field(default_factory=list)
    unclassified: list = field(default_factory=list)
    enclaves: dict = field(default_factory=dict)  # code -> km² (None: no hole of the municipalities holds it)

    def summary(self):
        parts = [f"{layer}: {self.created[layer]} created, {self.updated[layer]} updated" for layer in self.created]
        enclaves = ", ".join(f"{code} " + ("not found" if km2 is None else f"{km2:.2f} km²")
                             for code, km2 in self.enclaves.items())
        parts += [f"{len(self.repairs)} geometries repaired",
                  f"{len(self.unclassified)} municipalities without inner-areas class", f"enclaves: {enclaves or 'none'}"]
        return "; ".join(parts)


def download_layers(target_dir, *, version=OPENPOLIS_VERSION, log=print):
    """Download the Openpolis layers into target_dir; returns the directory."""
    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    for layer, filename in LAYER_FILES.items():
        url = OPENPOLIS_URL.format(version=version, layer=layer)
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                payload = response.read()
        except (urllib.error.URLError, TimeoutError) as exc:
            raise BoundaryError(
                f"Cannot download {url} ({exc}). Without internet, point REGISTRY_BOUNDARIES_DIR "
                "(or the command's directory argument) at a folder holding it_regions.geojson, "
                "it_provinces.geojson and it_municipalities.geojson."
            ) from exc
        digest = hashlib.sha256(payload).hexdigest()
        expected = OPENPOLIS_SHA256.get(layer)
        if expected and digest != expected:
            raise BoundaryError(f"{url}: SHA-256 {digest} does not match the pinned {expected}.")
        if not expected:
            log(f"{url}: SHA-256 {digest} (not pinned yet)")
        (target / filename).write_bytes(payload)
    return target


def read_features(path):
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise BoundaryError(f"Missing boundary file {path}.") from None
    except json.JSONDecodeError as exc:
        raise BoundaryError(f"{path} is not valid GeoJSON: {exc}.") from None
    return data.get("features", [])


def _geometry(feature, label, report):
    geom = shapely.geometry.shape(feature["geometry"])
    geom, reason = repaired_multipolygon(geom)
    if reason:
        report.repairs.append(f"{label}: {reason}")
    if geom.is_empty:
        raise BoundaryError(f"{label} has an empty geometry after repair.")
    return to_geos(geom)


def _upsert(model, objects, report, layer, update_fields):
    existing = set(model.objects.filter(pk__in=[obj.pk for obj in objects]).values_list("pk", flat=True))
    model.objects.bulk_create(
        objects, batch_size=500, update_conflicts=True, unique_fields=["code"], update_fields=update_fields
    )
    report.created[layer] = len(objects) - len(existing)
    report.updated[layer] = len(existing)


def load_inner_area_classes(snai_dir):
    """Map ISTAT municipality code -> SNAI 2020 class (A..F)."""
    path = Path(snai_dir) / SNAI_FILE
    classes = {}
    valid = set(InnerAreaClass.values)
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            value = (row.get("cod_ai_2020") or "").strip().upper()
            if value in valid:
                classes[row["com_istat_code"].strip().zfill(6)] = value
    return classes


def load_boundaries(directory, *, snai_dir=None, progress=lambda iterable, **kw: iterable):
    """Upsert regions, provinces and municipalities by ISTAT code; all or nothing."""
    directory = Path(directory)
    report = LoadReport()
    classes = load_inner_area_classes(snai_dir) if snai_dir else None
    layers = {layer: read_features(directory / name) for layer, name in LAYER_FILES.items()}
    regions = _regions(progress(layers["regions"], desc="Regions"), report)
    provinces = _provinces(progress(layers["provinces"], desc="Provinces"), {r.code for r in regions}, report)
    municipalities = _municipalities(progress(layers["municipalities"], desc="Municipalities"),
                                     {p.code for p in provinces}, classes, report)
    with transaction.atomic():
        _upsert(Region, regions, report, "regions", ["name", "geom"])
        _upsert(Province, provinces, report, "provinces", ["name", "acronym", "region", "geom"])
        _upsert(Municipality, municipalities, report, "municipalities",
                ["name", "cadastral_code", "province", "region", "inner_area_class", "geom"])
        report.enclaves = enclaves_refresh()
    return report


def _regions(features, report):
    regions = []
    for feat in features:
        props = feat["properties"]
        label = f"region {props['reg_istat_code']} {props['reg_name']}"
        regions.append(Region(code=props["reg_istat_code"], name=props["reg_name"], geom=_geometry(feat, label, report)))
    return regions


def _provinces(features, region_codes, report):
    provinces = []
    for feat in features:
        props = feat["properties"]
        label = f"province {props['prov_istat_code']} {props['prov_name']}"
        if props["reg_istat_code"] not in region_codes:
            raise BoundaryError(f"{label}: unknown region code {props['reg_istat_code']}.")
        provinces.append(Province(
            code=props["prov_istat_code"], name=props["prov_name"], acronym=props.get("prov_acr") or "",
            region_id=props["reg_istat_code"], geom=_geometry(feat, label, report),
        ))
    return provinces


def _municipalities(features, province_codes, classes, report):
    """Municipalities with their SNAI class (`classes` None: no SNAI folder given, none is reported missing)."""
    municipalities = []
    for feat in features:
        props = feat["properties"]
        code = props["com_istat_code"]
        label = f"municipality {code} {props['name']}"
        if props["prov_istat_code"] not in province_codes:
            raise BoundaryError(f"{label}: unknown province code {props['prov_istat_code']}.")
        if classes is not None and code not in classes:
            report.unclassified.append(label)
        municipalities.append(Municipality(
            code=code, name=props["name"], cadastral_code=props.get("com_catasto_code") or "",
            province_id=props["prov_istat_code"], region_id=props["reg_istat_code"],
            inner_area_class=(classes or {}).get(code, ""), geom=_geometry(feat, label, report),
        ))
    return municipalities


def enclaves_refresh():
    """Recompute San Marino and Vatican City from the municipalities (commons.models.areas.Enclave); {code: km²}."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT commons_enclaves_refresh()")
        cursor.execute("SELECT code, ST_Area(geom::geography) / 1e6 FROM commons_enclave ORDER BY code")
        return dict(cursor.fetchall())
