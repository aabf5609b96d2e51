import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from commons.models import Municipality, Province, Region
from commons.services.boundaries import load_boundaries

pytestmark = pytest.mark.django_db


def test_the_real_boundaries_are_loaded_with_inner_area_classes():
    assert Region.objects.count() == 20
    assert Province.objects.count() == 107
    assert Municipality.objects.count() == 7898
    assert Municipality.objects.get(code="058091").name == "Roma"
    assert Municipality.objects.get(code="058091").inner_area_class == "A"
    assert Municipality.objects.filter(inner_area_class__in=["D", "E", "F"]).count() == 3834
    assert Municipality.objects.get(code="081025").inner_area_class == ""  # Misiliscemi: unclassified


def test_loading_again_updates_by_istat_code_and_creates_nothing(boundaries_dir, snai_dir):
    report = load_boundaries(boundaries_dir, snai_dir=snai_dir)
    assert report.created == {"regions": 0, "provinces": 0, "municipalities": 0}
    assert report.updated == {"regions": 20, "provinces": 107, "municipalities": 7898}
    assert Municipality.objects.count() == 7898


def test_the_two_invalid_municipalities_are_repaired_and_reported(boundaries_dir, snai_dir):
    out = StringIO()
    call_command("load_boundaries", boundaries_dir, snai_dir=snai_dir, stdout=out, verbosity=0)
    text = out.getvalue()
    assert "Repaired municipality 065134 Sapri: Self-intersection" in text
    assert "Repaired municipality 075087 Trepuzzi: Self-intersection" in text
    assert "2 geometries repaired" in text
    assert Municipality.objects.filter(geom__isvalid=False).count() == 0


def _write_layers(directory, boundaries_dir, municipality_patch):
    for name in ("it_regions.geojson", "it_provinces.geojson"):
        (directory / name).write_text((Path(boundaries_dir) / name).read_text())
    feature = {
        "type": "Feature",
        "properties": {"name": "Nuovo Comune", "com_istat_code": "999999", "prov_istat_code": "058",
                       "reg_istat_code": "12", "com_catasto_code": "Z999", **municipality_patch},
        "geometry": {"type": "Polygon", "coordinates": [[[12.4, 41.8], [12.5, 41.8], [12.5, 41.9], [12.4, 41.8]]]},
    }
    (directory / "it_municipalities.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))


def test_an_unknown_province_code_names_the_record_and_writes_nothing(tmp_path, boundaries_dir):
    _write_layers(tmp_path, boundaries_dir, {"prov_istat_code": "777"})
    with pytest.raises(CommandError, match="municipality 999999 Nuovo Comune: unknown province code 777"):
        call_command("load_boundaries", str(tmp_path), verbosity=0)
    assert not Municipality.objects.filter(code="999999").exists()


def test_a_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="not a directory"):
        call_command("load_boundaries", str(tmp_path / "nope"), verbosity=0)


def test_without_a_directory_and_offline_the_error_names_the_variable(monkeypatch, settings):
    settings.REGISTRY_BOUNDARIES_DIR = ""

    def offline(*args, **kwargs):
        import urllib.error

        raise urllib.error.URLError("network unreachable")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(CommandError, match="REGISTRY_BOUNDARIES_DIR"):
        call_command("load_boundaries", verbosity=0)


def test_san_marino_and_vatican_city_are_the_holes_holding_their_reference_points():
    from django.contrib.gis.geos import Point

    from commons.models import Enclave

    areas = {e.code: e.geom.transform(3035, clone=True).area / 1e6 for e in Enclave.objects.all()}  # equal-area
    assert areas["SM"] == pytest.approx(60.5, abs=1) and areas["VA"] == pytest.approx(0.41, abs=0.05)
    assert not Municipality.objects.filter(geom__relate=(Enclave.objects.get(code="VA").geom, "T********")).exists()
    # A hole that is Italian land (Moransengo-Tonengo, missing from the 2023.1 files) is no enclave.
    moransengo = Point(8.0149, 45.1194, srid=4326)
    assert not Municipality.objects.filter(geom__intersects=moransengo).exists()
    assert not Enclave.objects.filter(geom__intersects=moransengo).exists()


def test_a_boundary_load_recomputes_the_enclaves_and_reports_them(boundaries_dir, snai_dir):
    from commons.models import Enclave

    Enclave.objects.update(geom=None)
    report = load_boundaries(boundaries_dir, snai_dir=snai_dir)
    assert set(report.enclaves) == {"SM", "VA"} and all(report.enclaves.values())
    assert "enclaves: SM 60." in report.summary()
    assert not Enclave.objects.filter(geom__isnull=True).exists()
