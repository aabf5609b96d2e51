#!/usr/bin/env python
"""The benchmark (`make bench`): seeded data, the app under gunicorn with production settings on 127.0.0.1,
wrk at 1, 4 and 16 connections, the same SQL under pgbench, the peers (tipg, a plain drf-gis list) on the same
table, the map page in headless Chromium and writes under read load. See bench/README.md for the method.

    .venv/bin/python bench/run.py                      # 100,000 sites (database <DATABASE_URL's name>_bench)
    .venv/bin/python bench/run.py --sites 1000000      # 1M sites (database <name>_bench_1m)
    .venv/bin/python bench/run.py --only "tile z5,stats" --seconds 3 --repeats 1   # a quick look

Output: bench/results/<date>-<size>.json and .md (the table with the ratios, the targets met or not).
"""

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import load, report, servers  # noqa: E402

DEFAULT_URL = "postgis://beco@127.0.0.1:54329/beco"


def data_defaults(environ, shared=None):
    """The data folders the Makefile exports for `make bench`, so that running this script directly loads the
    same offline files: ../shared/data/... (or $SHARED_DATA) when present; a variable already set is kept."""
    shared = Path(shared or environ.get("SHARED_DATA") or REPO.parent / "shared" / "data")
    anbsc = shared / "anbsc" / "immobili_in_gestione.csv"
    found = {
        "REGISTRY_BOUNDARIES_DIR": shared / "boundaries" if (shared / "boundaries" / "it_regions.geojson").is_file() else "",
        "REGISTRY_SNAI_DIR": shared / "snai" if any((shared / "snai").glob("*.csv")) else "",
        "REGISTRY_ANBSC_FILE": anbsc if anbsc.is_file() else "",
    }
    return {name: str(value) for name, value in found.items() if name not in environ}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=100_000, help="demo sites to seed (default 100000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database", help="database name (default: DATABASE_URL's name + _bench[_<size>])")
    parser.add_argument("--seconds", type=float, default=3, help="length of each wrk run")
    parser.add_argument("--sql-seconds", type=float, default=2, help="length of each pgbench run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per concurrency (the median is reported)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load before each scenario")
    parser.add_argument("--connections", default="1,4,16")
    parser.add_argument("--tiles", type=int, default=30, help="tiles per zoom (targets per list)")
    parser.add_argument("--only", help="comma-separated parts of scenario names to run ('|'-separated when a name "
                                       "holds a comma); a part written =NAME matches that scenario alone")
    parser.add_argument("--seconds-for", action="append", default=[], metavar="PART=SECONDS",
                        help="a longer (or shorter) wrk run for the scenarios whose name holds PART, e.g. export=8")
    parser.add_argument("--skip", default="", help="comma-separated: peers,sql,browser,writes")
    parser.add_argument("--output", default=str(REPO / "bench" / "results"))
    args = parser.parse_args()
    args.connections = [int(c) for c in args.connections.split(",")]
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    args.only = [s.strip() for s in args.only.split("|" if "|" in args.only else ",")] if args.only else None
    try:
        args.seconds_for = {part: float(seconds)
                            for part, seconds in (item.rsplit("=", 1) for item in args.seconds_for)}
    except ValueError:
        parser.error("--seconds-for PART=SECONDS, e.g. export=8")
    if not 1_000 <= args.sites <= 5_000_000 or not 0 < args.seconds <= 120 or not 1 <= args.repeats <= 9:
        parser.error("--sites 1000..5000000, --seconds (0, 120], --repeats 1..9")
    return args


def size_label(sites):
    return f"{sites // 1_000_000}m" if sites % 1_000_000 == 0 else f"{sites // 1000}k"


def bench_database_url(args):
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    name = args.database or parts.path.lstrip("/") + "_bench" + ("" if args.sites == 100_000 else
                                                               f"_{size_label(args.sites)}")
    return urlunsplit(parts._replace(path="/" + name))


def production_env(database_url):
    return {**os.environ, **data_defaults(os.environ),
            "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_STATIC_ROOT": str(REPO / "var" / "bench-static"),
            "PYTHONPATH": str(REPO)}


def manage(env, *arguments, quiet=True):
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL if quiet else None)


def prepare_database(env, sites, seed):
    """Create, migrate and fill the bench database once; later runs with the same size reuse it."""
    import psycopg

    url = urlsplit(env["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = urlunsplit(url._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")
    dsn = urlunsplit(url._replace(scheme="postgresql"))
    with psycopg.connect(dsn, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM commons_region LIMIT 1").fetchone():
            manage(env, "load_boundaries", "--verbosity", "0")
        present = conn.execute("SELECT count(*) FROM commons_site WHERE source = 'demo'").fetchone()[0]
        if present != sites:
            print(f"Seeding {sites} demo sites (seed {seed}; {present} present)...", flush=True)
            started = time.monotonic()
            manage(env, "seed_demo", "--sites", str(sites), "--seed", str(seed), "--reset", "--verbosity", "0")
            print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
            conn.execute("VACUUM ANALYZE")
        # The aggregates' freshness bands as of today (what `send_rechecks` does on a schedule), so freshness
        # filters are measured from the precomputed counts rather than the live fallback of a reused database.
        conn.execute("SELECT commons_site_aggregates_refresh_bands(12, 24)")
    if not (Path(env["DJANGO_STATIC_ROOT"]) / "staticfiles.json").exists():
        manage(env, "collectstatic", "--noinput")


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), postgis_lib_version(), current_setting('shared_buffers'), "
                       "current_setting('work_mem'), current_setting('jit')")
        pg, postgis, shared_buffers, work_mem, jit = cursor.fetchone()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory / 1024 / 1024, 1),
            "python": platform.python_version(), "postgresql": pg.split(" on ")[0], "postgis": postgis,
            "shared_buffers": shared_buffers, "work_mem": work_mem, "jit": jit,
            "loadavg_start": [round(v, 2) for v in os.getloadavg()]}


def wanted(args, name):
    """Whether --only asks for scenario `name`: a part it contains, or "=name" itself."""
    return args.only is None or any(name.lower() == part[1:].lower() if part.startswith("=")
                                    else part.lower() in name.lower() for part in args.only)


def seconds_for(args, name):
    """Each wrk run's length for scenario `name` (--seconds, or a --seconds-for whose part it holds)."""
    return next((seconds for part, seconds in getattr(args, "seconds_for", {}).items()
                 if part.lower() in name.lower()), args.seconds)


def http_scenario(args, server, scenario, results):
    print(f"  {scenario.name} ({len(scenario.paths)} targets)", flush=True)
    sizes = load.fetch_all(server.url, scenario.paths)
    measured = load.http_matrix(server.url, scenario.paths, connections=args.connections, repeats=args.repeats,
                                seconds=seconds_for(args, scenario.name), warmup=args.warmup, sampler=server.sampler)
    results["scenarios"].append({"name": scenario.name, "group": scenario.group, "server": server.name,
                                 "sizes": sizes, "http": measured, "example": scenario.paths[0]})
    report.save_partial(results, Path(args.output))


def run_app(args, env, scenarios, log_dir, results):
    with servers.Gunicorn(env, log_dir) as app:
        results["app_workers"] = len(servers.children(app.process.pid))
        threads = int(env.get("GUNICORN_THREADS") or 1)
        results["app_worker_kind"] = f"gthread, {threads} threads" if threads > 1 else "sync"
        lean_off = env.get("REGISTRY_LEAN_PATH", "1").strip().lower() in ("0", "false", "no", "off")
        results["lean_path"] = "off" if lean_off else "on"
        for scenario in scenarios:
            if wanted(args, scenario.name):
                http_scenario(args, app, scenario, results)
        if "browser" not in args.skip and wanted(args, "map page"):
            from bench import browser

            print("  map page in Chromium", flush=True)
            try:
                results["map_page"] = browser.first_features(app.url)
            except Exception as exc:  # noqa: BLE001 - one failed part must not lose the others
                results["notes"].append(f"map page not measured: {exc.__class__.__name__}: {str(exc)[:300]}")


def run_peers(args, env, points, log_dir, results):
    from bench import targets

    if wanted(args, "drf-gis"):
        with servers.Gunicorn(env, log_dir, settings_module="bench.drfgis_settings", name="drf-gis") as peer:
            http_scenario(args, peer, targets.drfgis_scenario(points, args.tiles), results)
    tipg = [s for s in targets.tipg_scenarios(points, args.tiles) + [targets.tipg_items_scenario(points, args.tiles)]
            if wanted(args, s.name)]
    if tipg and not servers.Tipg.install():
        results["notes"].append("tipg not measured: it could not be installed in bench/.venv-peers.")
        return
    if tipg:
        with servers.Tipg(env["DATABASE_URL"], log_dir) as peer:
            results["tipg_workers"] = peer.workers
            for scenario in tipg:
                http_scenario(args, peer, scenario, results)


def run_sql(args, env, scenarios, work_dir, results):
    url = env["DATABASE_URL"].replace("postgis://", "postgresql://", 1)
    for scenario in scenarios:
        if not scenario.replay_sql or not wanted(args, scenario.name):
            continue
        print(f"  SQL: {scenario.name}", flush=True)
        row = next((r for r in results["scenarios"] if r["name"] == scenario.name), None)
        if row is None:
            row = {"name": scenario.name, "group": scenario.group, "server": "app"}
            results["scenarios"].append(row)
        kwargs = {"connections": args.connections, "repeats": args.repeats, "seconds": args.sql_seconds,
                  "work_dir": work_dir}
        row["sql"] = load.sql_matrix(url, scenario.scripts(), **kwargs)
        row["comparators"] = {name: load.sql_matrix(url, scripts(), **kwargs)
                              for name, scripts in scenario.comparators.items()}
        report.save_partial(results, Path(args.output))


def run_writes(args, env, results):
    print("  writes under read load (bench/mixed_load.py)", flush=True)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        output = handle.name
    command = [sys.executable, "bench/mixed_load.py", "--seconds", str(max(10, args.seconds * 4)),
               "--connections", "16", "--output", output, "--cleanup"]
    completed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    try:
        results["writes_under_load"] = json.loads(Path(output).read_text())
    except (OSError, ValueError):
        results["notes"].append(f"mixed_load.py failed: {completed.stderr[-1000:]}")
    finally:
        Path(output).unlink(missing_ok=True)


def guarded(results, label, step, *arguments):
    """Run one part of the benchmark; a failure is noted in the results instead of losing the others."""
    try:
        step(*arguments)
    except Exception as exc:  # noqa: BLE001
        results["notes"].append(f"{label} stopped: {exc.__class__.__name__}: {str(exc)[:500]}")
        print(f"  {label} stopped: {exc}", flush=True)


def main():
    args = parse_args()
    env = production_env(bench_database_url(args))
    started = time.monotonic()
    prepare_database(env, args.sites, args.seed)
    os.environ.update(env)
    import django

    django.setup()
    from bench import targets

    points = targets.sample_points(max(400, args.tiles * 10), args.seed)
    scenarios = [s for s in targets.tile_scenarios(points, args.tiles) + targets.api_scenarios(points, args.tiles)
                 + [targets.ogc_scenario(points, args.tiles)] if wanted(args, s.name)]
    results = {"date": dt.datetime.now().isoformat(timespec="seconds"), "sites": args.sites, "seed": args.seed,
               "database": urlsplit(env["DATABASE_URL"]).path.lstrip("/"), "machine": machine(),
               "settings": {k: getattr(args, k) for k in ("seconds", "sql_seconds", "repeats", "warmup",
                                                          "connections", "tiles", "seconds_for")},
               "scenarios": [], "notes": []}
    with tempfile.TemporaryDirectory(prefix="beco-bench-") as work_dir:
        print("App under gunicorn:", flush=True)
        run_app(args, env, scenarios, work_dir, results)
        if "peers" not in args.skip:
            print("Peers:", flush=True)
            guarded(results, "peers", run_peers, args, env, points, work_dir, results)
        if "sql" not in args.skip:
            print("Raw SQL under pgbench:", flush=True)
            guarded(results, "raw SQL", run_sql, args, env, scenarios, work_dir, results)
    if "writes" not in args.skip and wanted(args, "writes"):
        guarded(results, "writes under load", run_writes, args, env, results)
    results["machine"]["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    results["duration_s"] = round(time.monotonic() - started)
    paths = report.write(results, Path(args.output))
    report.partial_path(results, Path(args.output)).unlink(missing_ok=True)
    print(f"Done in {results['duration_s']} s: {', '.join(str(p) for p in paths)}")


if __name__ == "__main__":
    main()
