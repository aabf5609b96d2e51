"""bench/growth.py's table and charts on a small synthetic growth JSON (no load, no database)."""

import json

import pytest

from bench import growth
from bench.run import parse_args as run_parse_args
from bench.run import seconds_for, wanted


def figure(p50, p95, load=1.5):
    return {"p50_ms": p50, "p95_ms": p95, "rps": 100.0, "loadavg": load, "requests": 200, "errors": 0}


def size(scale, import_seconds):
    endpoints = {label: {"1": figure(4.0 * scale, 9.0 * scale), "4": figure(10.0 * scale, 20.0 * scale)}
                 for label in growth.ENDPOINTS}
    endpoints["site detail"] = {"1": figure(5.0, 7.0)}  # flat, and only one concurrency measured
    endpoints.pop("export GeoJSON")  # a size where the exports were not measured
    return {"run": "growth/runs/x.json", "database": "beco_bench", "machine": {}, "endpoints": endpoints,
            "import": {"rows": 2000, "created": 2000, "seconds": import_seconds, "command_seconds": 5.0,
                       "rows_per_s": round(2000 / import_seconds, 1), "loadavg": 2.0}}


@pytest.fixture
def results():
    return {"date": "2026-01-02T03:04:05", "sizes": [100_000, 1_000_000, 3_000_000], "commit": "abc123 test",
            "settings": {"seconds": 2, "export_seconds": 6, "repeats": 1, "warmup": 1, "tiles": 30,
                         "import_rows": 2000, "connections": [1, 4]},
            "machine": {"cpu": "cpu", "cores": 2, "memory_gb": 8, "postgresql": "PostgreSQL 15", "postgis": "3.3"},
            "by_size": {"3000000": size(2.0, 4.0), "100000": size(1.0, 2.0), "1000000": size(1.2, 2.5)},
            "notes": ["3m: something noted"]}


def test_the_table_has_every_endpoint_by_size_and_the_flat_target(results):
    text = growth.markdown(results)
    assert "load average is given with every figure" in text
    assert "| endpoint | conns | 100k p50 / p95 | 1m p50 / p95 | 3m p50 / p95 |" in text
    # Sizes in numeric order whatever the JSON's key order; the ratio is the largest size's p50 over the smallest's.
    assert "| [tile z5](growth/tile-z5.png) | 1 | 4.0 / 9.0 | 4.8 / 10.8 | 8.0 / 18.0 | 2.00× |" in text
    assert "| [site detail](growth/site-detail.png) | 4 | – / – | – / – | – / – | – |" in text
    assert "| [import 2,000 rows](growth/import.png) | 1 | 2.00 s, 1,000 rows/s | 2.50 s, 800 rows/s " \
           "| 4.00 s, 500 rows/s | 2.00× the time |" in text
    assert "worst tile z5 2.00× — **not met**" in text and "site detail" not in text.split("## Target")[1]
    assert "Note: 3m: something noted" in text


def test_one_labelled_log_scaled_png_per_endpoint(results, tmp_path):
    pytest.importorskip("matplotlib")  # the `bench` extra (make setup installs it)
    paths = growth.write(results, tmp_path)
    assert json.loads((tmp_path / "2026-01-02-growth.json").read_text())["sizes"] == results["sizes"]
    charts = sorted(p.name for p in (tmp_path / "growth").iterdir())
    assert charts == sorted(growth.chart_name(label) for label in [*growth.ENDPOINTS, growth.IMPORT])
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in paths[2:])
    # The axes as drawn: re-open the figure code path and check labels and scales.
    import matplotlib.pyplot as plt

    captured = []
    original = plt.Figure.savefig
    plt.Figure.savefig = lambda fig, *a, **kw: captured.append(fig.axes[0]) or original(fig, *a, **kw)
    try:
        growth.charts(results, tmp_path / "again")
    finally:
        plt.Figure.savefig = original
    tile = captured[0]
    assert tile.get_xscale() == "log" and tile.get_yscale() == "log"
    assert "sites" in tile.get_xlabel() and "ms" in tile.get_ylabel()
    assert [t.get_text() for t in tile.get_xticklabels()] == ["100k", "1M", "3M"]
    assert len(tile.get_lines()) == 4  # p50 and p95 at 1 and 4 connections
    assert captured[-1].get_ylabel() == "import time (s)"


def test_run_py_can_name_whole_scenarios_and_longer_runs(monkeypatch):
    monkeypatch.setattr("sys.argv", ["run.py", "--only", "=tile z5|list 1,000", "--seconds-for", "export=6"])
    args = run_parse_args()
    assert wanted(args, "tile z5") and not wanted(args, "tile z5 filtered")
    assert wanted(args, "list 1,000 features (bbox + filters)")
    assert seconds_for(args, "export GeoJSON (province + kinds)") == 6 and seconds_for(args, "tile z5") == 3
    monkeypatch.setattr("sys.argv", ["run.py", "--only", "tile z5,stats"])
    args = run_parse_args()
    assert wanted(args, "tile z5 filtered") and wanted(args, "stats filtered") and not wanted(args, "tile z8")
