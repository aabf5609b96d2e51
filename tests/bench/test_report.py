"""The benchmark's own plumbing, without running a benchmark: database naming and the results table."""

import pytest

from bench import report
from bench.run import bench_database_url, data_defaults, size_label


class Args:
    database = None

    def __init__(self, sites):
        self.sites = sites


def test_each_size_gets_its_own_database_next_to_the_configured_one(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgis://beco@127.0.0.1:54329/beco")
    assert bench_database_url(Args(100_000)).endswith("/beco_bench")
    assert bench_database_url(Args(1_000_000)).endswith("/beco_bench_1m")
    assert size_label(250_000) == "250k"


def test_run_directly_it_defaults_the_data_folders_as_make_bench_does(tmp_path):
    (tmp_path / "boundaries").mkdir()
    (tmp_path / "boundaries" / "it_regions.geojson").write_text("{}")
    (tmp_path / "snai").mkdir()
    (tmp_path / "snai" / "aree_interne.csv").write_text("")
    assert data_defaults({}, shared=tmp_path) == {
        "REGISTRY_BOUNDARIES_DIR": str(tmp_path / "boundaries"), "REGISTRY_SNAI_DIR": str(tmp_path / "snai"),
        "REGISTRY_ANBSC_FILE": ""}
    # A variable already in the environment wins, as with the Makefile's ?=.
    assert "REGISTRY_SNAI_DIR" not in data_defaults({"REGISTRY_SNAI_DIR": "/elsewhere"}, shared=tmp_path)
    assert data_defaults({"SHARED_DATA": str(tmp_path)})["REGISTRY_BOUNDARIES_DIR"] == str(tmp_path / "boundaries")


def run(p50, p95, rps, raw=None):
    http = {"p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p95), "rps": float(rps), "errors": 0}
    row = {"http": {"1": http, "4": http}}
    if raw is not None:
        row["sql"] = {"1": {"p50_ms": raw, "rps": 1000}, "4": {"p50_ms": raw, "rps": 2000}}
    return row


@pytest.fixture
def results():
    scenarios = [
        {"name": "tile z5", "group": "tile", "server": "app", "sizes": {"body_bytes_max": 4000}, **run(3, 9, 600, 1),
         "comparators": {"on-the-fly aggregation": {"1": {"p50_ms": 900}}}},
        {"name": "tile z5 text search (live)", "group": "tile", "server": "app", "sizes": {"body_bytes_max": 3000},
         **run(400, 900, 3)},
        {"name": "tile z14", "group": "tile", "server": "app", "sizes": {"body_bytes_max": 900}, **run(3.5, 8, 500, 0.4)},
        {"name": "tipg tile z14", "group": "tile", "server": "tipg", **run(48, 60, 80)},
        {"name": "list 1,000 features (bbox + filters)", "group": "list", "server": "app", **run(30, 50, 70, 20)},
        {"name": "drf-gis list 1,000 features", "group": "list", "server": "drf-gis", **run(500, 900, 6)},
        {"name": "stats region × kind × status", "group": "stats", "server": "app", **run(6, 9, 150, 1)},
    ]
    return {"date": "2026-01-01T00:00:00", "sites": 1_000_000, "seed": 42, "scenarios": scenarios, "notes": [],
            "settings": {"repeats": 3, "seconds": 4, "sql_seconds": 3, "connections": [1, 4]},
            "machine": {"cpu": "cpu", "cores": 2, "memory_gb": 8, "postgresql": "PostgreSQL 15", "postgis": "3.3",
                        "shared_buffers": "256MB", "work_mem": "4MB", "jit": "on", "python": "3.11",
                        "loadavg_start": [1, 1, 1], "loadavg_end": [2, 2, 2]},
            "map_page": {"first_features_ms": 700, "html_ms": 200, "dom_content_loaded_ms": 400, "tile_requests": 12,
                         "runs": [{}, {}, {}]}}


def test_the_table_states_each_target_with_its_verdict(results):
    text = report.markdown(results)
    assert "| tile p95 ≤ 50 ms at 4 connections (zooms 5–14, no filter and the map's filters) | worst 9.0 ms " \
           "(tile z5) | met |" in text
    assert "| … with a text search (live fallback) | worst 900 ms (tile z5 text search (live)) | **not met** |" in text
    assert "tile z5: ≥ 20× faster than on-the-fly SQL aggregation (p50, 1 connection) | 3.0 ms vs 900 ms: 300× | met" \
        in text
    assert "tile z14: p50 ≤ 1.2 × raw SQL + 1 ms (1 connection) | 3.5 ms vs raw 0.40 ms (limit 1.5) | **not met**" \
        in text
    assert "tile z14 throughput ≥ 5 × tipg (4 connections) | 500 vs 80 req/s: 6.2× | met" in text
    assert "≥ 10 × the req/s of a drf-gis list (4 connections) | 70.0 vs 6.0 req/s: 11.7× | met" in text
    assert "counts per region × kind × status p50 ≤ 5 ms (1 connection) | 6.0 ms | **not met**" in text
    assert "map page: first features drawn ≤ 1.5 s | 700 ms | met" in text
    assert text.count("| tile z5 | ") == 2  # one row per concurrency


def test_results_are_written_as_json_and_markdown(results, tmp_path):
    json_path, md_path = report.write(results, tmp_path)
    assert json_path.name.endswith("-1m.json") and md_path.read_text().startswith("# Benchmark")


@pytest.mark.django_db(transaction=True)
def test_the_ogc_scenario_answers_and_its_sql_is_captured_for_pgbench(settings):
    from django.contrib.gis.geos import Point

    from bench import targets
    from tests.factories import SiteFactory

    settings.ALLOWED_HOSTS = ["*"]
    for lon, lat in ((12.49, 41.89), (9.19, 45.46), (14.25, 40.85)):
        SiteFactory(location=Point(lon, lat, srid=4326), kind="building")
    points = targets.sample_points(20, 1)
    scenario = targets.ogc_scenario(points, 2)
    assert scenario.paths[0].startswith("/ogc/collections/sites/items?bbox=") and "filter=" in scenario.paths[0]
    scripts = scenario.scripts()
    assert len(scripts) == 2 and all("json_build_object" in script for script in scripts)
    tipg = targets.tipg_items_scenario(points, 2)
    assert "hidden%20%3D%20false" in tipg.paths[0] and not tipg.replay_sql


def test_the_report_states_the_ogc_targets():
    named = {"OGC items 1,000 with a CQL2 filter": {"http": {"1": {"p50_ms": 12.0}, "4": {"rps": 300.0}},
                                                   "sql": {"1": {"p50_ms": 9.0}}},
             "tipg OGC items 1,000 with a CQL2 filter": {"http": {"4": {"rps": 40.0}}}}
    lines = report._ogc_lines(named)
    assert len(lines) == 2
    assert "(limit 15.5)" in lines[0]
    assert "7.5×" in lines[1]
