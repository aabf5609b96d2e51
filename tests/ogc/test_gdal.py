"""GDAL's OAPIF driver, as installed (GDAL 3.6 here), against a live server: it lists the collections with their
geometry types, counts the sites, pages through a region, copies a filtered layer into a GeoPackage with the API's
count, and its -where on a queryable reaches the server (the request log shows the equality parameter).

GDAL 3.6's driver has no CRS open option (added in 3.7: `ogrinfo --format OAPIF` lists URL, PAGE_SIZE, USERPWD
and IGNORE_SCHEMA only): it always asks for CRS84. Server-side reprojection is checked over HTTP in test_crs.py
and with owslib in test_owslib.py.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.gis.gdal import DataSource
from django.core.signals import request_started
from django.db.models import Count

from commons.models import Site
from commons.services.demo import seed_demo
from mapping.read.features import forget_extents

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="gdal-bin is not installed")]
GDAL_ENV = {"GDAL_HTTP_TIMEOUT": "60", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": "none", "GDAL_DISABLE_READDIR_ON_OPEN": "YES",
            "PATH": "/usr/bin:/bin"}


@pytest.fixture
def request_log():
    """The path and query string of every request the live server receives."""
    seen = []

    def record(sender, environ=None, **kwargs):
        if environ is not None:
            seen.append(f"{environ.get('PATH_INFO')}?{environ.get('QUERY_STRING', '')}")

    request_started.connect(record, weak=False)
    yield seen
    request_started.disconnect(record)


@pytest.fixture
def served(live_server):
    seed_demo(sites=250, seed=21)
    forget_extents()
    return f"{live_server.url}/ogc/"


def run(*args):
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, env=GDAL_ENV, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_ogrinfo_lists_the_collections_with_their_geometry_types(served):
    listing = run("ogrinfo", "-ro", "-q", f"OAPIF:{served}")
    # "1: sites (title: Beni dormienti (punti)) (Point)"
    layers = dict(re.match(r"^\d+: (\S+) .*\(([^()]+)\)$", line).groups() for line in listing.splitlines()
                  if re.match(r"^\d+: ", line))
    assert layers == {
        "sites": "Point", "site-outlines": "Multi Polygon", "regions": "Multi Polygon",
        "provinces": "Multi Polygon", "municipalities": "Multi Polygon"}


def test_ogrinfo_counts_the_sites_as_the_api_does(served):
    summary = run("ogrinfo", "-ro", "-so", f"OAPIF:{served}", "sites")
    assert f"Feature Count: {Site.objects.visible().count()}" in summary


def test_a_region_is_paged_through_and_where_is_answered_by_the_server(served, request_log):
    region = Site.objects.visible().values("region_id").annotate(n=Count("id")).order_by("-n").first()
    code, expected = region["region_id"], region["n"]
    assert expected > 10
    listing = run("ogrinfo", "-ro", "-q", "-oo", "PAGE_SIZE=5", "-where", f"region = '{code}'", f"OAPIF:{served}",
                  "sites")
    assert listing.count("OGRFeature(sites)") == expected
    pages = [line for line in request_log if line.startswith("/ogc/collections/sites/items?")
             and f"region={code}" in line]
    assert len(pages) >= expected // 5 and any("offset=5" in line for line in pages), request_log


def test_ogr2ogr_copies_a_filtered_layer_into_a_geopackage_with_the_api_count(served, tmp_path, request_log, client):
    target = tmp_path / "buildings.gpkg"
    run("ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{served}", "sites", "-where", "kind = 'building'")
    layer = DataSource(str(target))[0]
    api = client.get("/ogc/collections/sites/items", {"kind": "building", "limit": 1}).json()["numberMatched"]
    assert len(layer) == api == Site.objects.visible().filter(kind="building").count() > 0
    assert {feature.get("kind") for feature in layer} == {"building"}
    assert any("kind=building" in line for line in request_log if "/items?" in line)


def test_the_installed_driver_has_no_crs_option_so_the_readme_says_so():
    options = run("ogrinfo", "--format", "OAPIF")
    version = run("ogrinfo", "--version")
    if version.startswith("GDAL 3.6"):
        assert 'name="CRS"' not in options
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    assert "GDAL 3.6 (Debian 12) has no CRS open option" in readme
