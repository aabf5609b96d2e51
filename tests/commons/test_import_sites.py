"""import_sites: every format, messy CSVs, rejected rows with reasons, coordinate systems given or declared."""

import csv
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from commons.models import ImportRun, LocationPrecision, Site, SourceDataset

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
KNOWN = json.loads((FIXTURES / "known_points.json").read_text())
DATASET = ["--licence", "CC BY 4.0", "--attribution", "Prova — CC BY 4.0"]

pytestmark = pytest.mark.django_db


def run_import(path, source, *args):
    call_command("import_sites", str(path), "--source", source, *DATASET, *args, verbosity=0)
    return ImportRun.objects.filter(dataset_id=source).latest("pk")


def metres_between(a, b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_Distance(ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, "
                       "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)", [*a, *b])
        return cursor.fetchone()[0]


def read_rejects(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["source_id"] or row["row"]: row for row in csv.DictReader(handle)}


def test_geojson_imports_good_rows_and_rejects_each_bad_one_with_its_reason(tmp_path):
    rejects = tmp_path / "rejects.csv"
    run = run_import(FIXTURES / "sites_4326.geojson", "prova-geojson", "--rejects", str(rejects))

    assert (run.status, run.created, run.rejected, run.processed_rows) == ("done", 4, 6, 10)
    by_id = read_rejects(rejects)
    assert {key: row["code"] for key, row in by_id.items()} == {
        "B011": "self_intersection", "B012": "out_of_bounds", "B013": "wrong_type", "8": "missing_id",
        "B014": "missing_geometry", "B015": "unknown_value",
    }
    assert "Astronave" in by_id["B015"]["reason"] and by_id["B015"]["field"] == "kind"
    assert by_id["B012"]["denominazione"] == "Edificio a Parigi"  # the row's own columns follow the reason
    square = Site.objects.get(source="prova-geojson", source_id="B010")
    assert square.kind == "urban_complex" and square.outline is not None
    assert square.municipality_id == "037006" and 9000 < square.land_area_m2 < 12000  # Bologna, ~95 m × 111 m
    assert square.outline.contains(square.location)


@pytest.mark.parametrize("name, source", [
    ("sites_3003.gpkg", "prova-gpkg-3003"),
    ("sites_32632.geojson", "prova-geojson-32632"),
    ("sites_32633.shp", "prova-shp-32633"),
    ("sites_32633.zip", "prova-zip-32633"),
    ("sites_3004.shp", "prova-shp-3004"),
])
def test_projected_files_land_within_a_metre_of_the_known_wgs84_positions(name, source):
    run = run_import(FIXTURES / name, source)

    assert (run.created, run.rejected) == (4, 0)
    for site in Site.objects.filter(source=source):
        place = site.title.removeprefix("Ex edificio ")
        assert metres_between((site.location.x, site.location.y), KNOWN[place]) < 1.0, place
    assert run.report["srid"] == int(name.split("_")[1].split(".")[0])


def test_shapefile_crs_is_read_from_the_prj_name_when_it_has_no_epsg_code():
    assert "AUTHORITY" not in (FIXTURES / "sites_3004.prj").read_text()
    run = run_import(FIXTURES / "sites_3004.shp", "prova-prj-name")
    assert run.report["srid"] == 3004


def test_unrecognised_prj_stops_the_run_until_crs_is_given(tmp_path):
    for part in FIXTURES.glob("sites_32633.*"):
        if part.suffix in (".shp", ".shx", ".dbf", ".cpg"):
            shutil.copy(part, tmp_path / f"beni{part.suffix}")
    (tmp_path / "beni.prj").write_text('PROJCS["Home made",GEOGCS["x"],PROJECTION["tmerc"],'
                                       'PARAMETER["+init=http://example.invalid/evil"]]')
    with pytest.raises(CommandError, match=r"\[unknown_crs\]"):
        run_import(tmp_path / "beni.shp", "prova-prj-ignota")
    assert ImportRun.objects.get(dataset_id="prova-prj-ignota").status == "failed"

    run = run_import(tmp_path / "beni.shp", "prova-prj-ignota", "--crs", "32633")
    assert run.created == 4


@pytest.mark.parametrize("crs", ["2154", "EPSG:4230", "+proj=longlat", "abc"])
def test_crs_outside_the_allowed_list_is_refused(crs):
    with pytest.raises(CommandError, match=r"\[srid_not_allowed\]"):
        run_import(FIXTURES / "sites_32633.shp", "prova-crs-vietato", "--crs", crs)
    assert not Site.objects.filter(source="prova-crs-vietato").exists()


def test_geojson_crs_link_is_refused(tmp_path):
    data = json.loads((FIXTURES / "sites_32632.geojson").read_text())
    data["crs"] = {"type": "link", "properties": {"href": "http://example.invalid/crs.wkt"}}
    path = tmp_path / "link.geojson"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"\[srid_not_allowed\]"):
        run_import(path, "prova-crs-link")


def test_messy_latin1_csv_with_semicolons_and_decimal_commas_and_a_mapping(tmp_path):
    rejects = tmp_path / "scarti.csv"
    call_command("import_sites", str(FIXTURES / "inventario_latin1.csv"), "--source", "comune-prova",
                 "--mapping", str(FIXTURES / "inventario.toml"), "--rejects", str(rejects), verbosity=0)

    dataset = SourceDataset.objects.get(slug="comune-prova")
    assert (dataset.licence, dataset.attribution) == ("CC BY 4.0", "Comune di Prova — CC BY 4.0")
    sites = {s.source_id: s for s in Site.objects.filter(source="comune-prova")}
    assert sorted(sites) == ["C1", "C2", "C3"]
    c1, c2, c3 = sites["C1"], sites["C2"], sites["C3"]
    assert (c1.title, c1.description) == ("Ex scuola di Città", "Già sede della scuola")
    assert (c1.kind, c1.ownership, c1.condition, c1.dormant_since, c1.floor_area_m2) == (
        "building", "municipality", "good", 1998, 1251)
    assert metres_between((c1.location.x, c1.location.y), KNOWN["colosseo"]) < 0.01
    assert (c2.ownership, c2.condition, c2.dormant_since, c2.floor_area_m2) == ("municipality", "unknown", None, None)
    assert (c3.title, c3.description) == ("Mulino; ad acqua", 'Nota con "virgolette"')
    assert (c3.kind, c3.ownership, c3.condition, c3.dormant_since) == ("cultural", "state", "ruin", 1890)
    rows = read_rejects(rejects)
    assert {k: (r["code"], r["field"]) for k, r in rows.items()} == {
        "C4": ("invalid_value", "location"), "C5": ("missing_title", "title")}
    assert rows["C4"]["LONGITUDINE"] == "abc"


def test_messy_csv_without_mapping_recognises_usual_italian_column_names():
    run = run_import(FIXTURES / "inventario_latin1.csv", "comune-senza-mapping")
    assert (run.created, run.rejected) == (3, 2)
    site = Site.objects.get(source="comune-senza-mapping", source_id="C1")
    assert (site.title, site.kind, site.ownership, site.floor_area_m2) == ("Ex scuola di Città", "building",
                                                                            "municipality", 1251)


def test_wkt_csv_reads_points_and_outlines_and_rejects_broken_ones(tmp_path):
    rejects = tmp_path / "rejects.csv"
    run = run_import(FIXTURES / "sites_wkt.csv", "prova-wkt", "--rejects", str(rejects))
    assert (run.created, run.rejected) == (2, 3)
    assert {k: r["code"] for k, r in read_rejects(rejects).items()} == {
        "W2": "self_intersection", "W4": "invalid_value", "W5": "wrong_column_count"}
    assert Site.objects.get(source="prova-wkt", source_id="W1").outline.num_geom == 1


def test_istat_code_csv_places_rows_inside_their_municipality():
    run = run_import(FIXTURES / "sites_istat.tsv", "prova-istat")
    assert (run.created, run.rejected, run.report["rejected_by_code"]) == (3, 1, {"unknown_municipality": 1})
    sites = {s.source_id: s for s in Site.objects.filter(source="prova-istat").select_related("municipality")}
    assert sites["I1"].municipality_id == sites["I4"].municipality_id == "058091"
    assert sites["I2"].municipality_id == "001272"  # '001272' and '58091' are both read as 6-digit codes
    assert sites["I4"].kind == "industrial"
    for site in sites.values():
        assert site.location_precision == LocationPrecision.MUNICIPALITY
        assert site.municipality.geom.contains(site.location)
    assert sites["I1"].location != sites["I4"].location  # two sites of one town do not share a point


def test_new_dataset_without_licence_is_refused():
    with pytest.raises(CommandError, match=r"\[dataset_details_missing\]"):
        call_command("import_sites", str(FIXTURES / "sites_4326.geojson"), "--source", "senza-licenza", verbosity=0)
    assert not SourceDataset.objects.filter(slug="senza-licenza").exists()


@pytest.mark.parametrize("slug", ["citizen", "demo", "anbsc", "Not A Slug"])
def test_reserved_or_malformed_source_names_are_refused(slug):
    with pytest.raises(CommandError, match=r"\[(reserved_source|bad_source)\]"):
        run_import(FIXTURES / "sites_4326.geojson", slug)


def test_dry_run_shows_what_would_happen_and_writes_no_site():
    run = run_import(FIXTURES / "sites_4326.geojson", "prova-dry", "--dry-run")
    assert (run.dry_run, run.created, run.rejected) == (True, 4, 6)
    assert {item["source_id"] for item in run.report["would_create"]} == {"B001", "B002", "B003", "B010"}
    assert not Site.objects.filter(source="prova-dry").exists()


def test_unreachable_url_gives_a_clear_error():
    with pytest.raises(CommandError, match=r"127\.0\.0\.1:9.*\[download_failed\]"):
        run_import("http://127.0.0.1:9/inventario.geojson", "prova-url")


def test_outline_over_the_vertex_limit_is_rejected(tmp_path, settings):
    import math

    n = settings.REGISTRY_MAX_VERTICES + 1
    ring = [[12.49 + 0.001 * math.cos(2 * math.pi * i / n), 41.89 + 0.001 * math.sin(2 * math.pi * i / n)]
            for i in range(n - 1)]
    ring.append(ring[0])
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"codice": "V1", "denominazione": "Troppi vertici"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    path = tmp_path / "vertici.geojson"
    path.write_text(json.dumps(data))
    rejects = tmp_path / "rejects.csv"
    run = run_import(path, "prova-vertici", "--rejects", str(rejects))
    assert (run.created, read_rejects(rejects)["V1"]["code"]) == (0, "too_many_vertices")


def test_geopackage_with_several_layers_needs_the_layer_named(tmp_path):
    import subprocess

    gpkg = tmp_path / "due_strati.gpkg"
    shutil.copy(FIXTURES / "sites_3003.gpkg", gpkg)
    subprocess.run(["ogr2ogr", "-update", "-nln", "altro", str(gpkg), str(FIXTURES / "sites_4326.geojson")],
                   check=True, capture_output=True)
    with pytest.raises(CommandError, match=r"altro.*beni.*\[several_layers\]|beni.*altro.*\[several_layers\]"):
        run_import(gpkg, "prova-strati")
    mapping = tmp_path / "strato.json"
    mapping.write_text(json.dumps({"layer": "beni"}))
    run = run_import(gpkg, "prova-strati", "--mapping", str(mapping))
    assert (run.created, run.report["srid"]) == (4, 3003)


def test_bulk_placement_agrees_with_the_one_site_spatial_join():
    from django.contrib.gis.geos import Point

    from commons.models import Municipality
    from commons.services.imports.placement import place_points
    from commons.services.sites import municipality_at

    with connection.cursor() as cursor:  # points on and around borders and coasts, where the two could differ
        cursor.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT (ST_DumpPoints(ST_Boundary(geom))).geom AS p "
                       "FROM commons_municipality WHERE code IN ('058091', '099014', '092009', '083041', '001272')"
                       ") v ORDER BY md5(ST_AsText(p)) LIMIT 120")
        vertices = cursor.fetchall()
    probes = [Point(x + dx, y + dy, srid=4326) for x, y in vertices
              for dx, dy in ((0.004, 0), (-0.004, 0), (0, 0.006), (0, 0), (0.02, 0.02), (-0.02, -0.02))]

    placed = place_points(probes)

    expected = [municipality_at(probe) for probe in probes]
    assert [p.municipality if p else None for p in placed] == [m.code if m else None for m in expected]
    at_sea = [p for p, e in zip(probes, expected) if e and not Municipality.objects.filter(geom__intersects=p).exists()]
    assert at_sea and any(e is None for e in expected)  # both the coast tolerance and "outside Italy" were met


def test_rows_outside_italys_territory_or_too_large_are_rejected_and_the_others_imported(tmp_path):
    from tests.factories import GIANT_RECTANGLE, NAPLES_PIER, SAN_MARINO_DOGANA, SLOVENIA_CIRCLE, VATICAN

    def feature(code, geometry):
        return {"type": "Feature", "properties": {"codice": code, "denominazione": f"Bene {code}"},
                "geometry": geometry}

    rows = [
        feature("T1", {"type": "Point", "coordinates": list(VATICAN)}),
        feature("T2", {"type": "Point", "coordinates": list(SAN_MARINO_DOGANA)}),
        feature("T3", {"type": "Polygon", "coordinates": [SLOVENIA_CIRCLE]}),
        feature("T4", {"type": "Polygon", "coordinates": [GIANT_RECTANGLE]}),
        feature("T5", {"type": "Point", "coordinates": list(NAPLES_PIER)}),
        feature("T6", {"type": "Point", "coordinates": [12.4922, 41.8902]}),
    ]
    path = tmp_path / "territorio.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": rows}))
    rejects = tmp_path / "rejects.csv"
    run = run_import(path, "prova-territorio", "--rejects", str(rejects))

    by_id = read_rejects(rejects)
    assert {key: (row["code"], row["field"]) for key, row in by_id.items()} == {
        "T1": ("out_of_bounds", "location"), "T2": ("out_of_bounds", "location"),
        "T3": ("out_of_bounds", "outline"), "T4": ("outline_too_large", "outline")}
    assert "500 km²" in by_id["T4"]["reason"] and "13." in by_id["T3"]["reason"]  # the limit; where it leaves Italy
    assert (run.created, run.rejected, run.report["rejected_by_code"]) == (
        2, 4, {"out_of_bounds": 3, "outline_too_large": 1})
    assert sorted(Site.objects.filter(source="prova-territorio").values_list("source_id", flat=True)) == ["T5", "T6"]
