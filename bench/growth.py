#!/usr/bin/env python
"""Growth (issue 17): how each endpoint's latency grows with the registry, at several sizes in one command.

    .venv/bin/python bench/growth.py --sizes 100000,1000000,3000000      # ~25–40 min with a 3M seed to make
    .venv/bin/python bench/growth.py --report bench/results/2026-12-02-growth.json   # redraw table and charts

For each size: `bench/run.py` (its database per size, prepared and reused by its `prepare_database`; the app under
gunicorn with production settings; wrk) over the growth scenarios below at 1 and 4 connections, without peers, raw
SQL, browser or writes; then an import of the same `--import-rows` GeoJSON sites through `manage.py import_sites`
(the real import service), timed, and the imported sites deleted again. Output:

- bench/results/growth/runs/<date>-<size>.{json,md}: every figure of each size, as bench/run.py writes them;
- bench/results/<date>-growth.{json,md}: endpoint × size → p50/p95 at 1 and 4 connections, import rows/s;
- bench/results/growth/<endpoint>.png: p50/p95 against size (log scale), one chart per endpoint.
"""

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import report  # noqa: E402
from bench.run import bench_database_url, manage, production_env, size_label  # noqa: E402

# Chart/table label -> bench/run.py scenario name (bench/targets.py).
ENDPOINTS = {
    "tile z5": "tile z5", "tile z5 filtered": "tile z5 filtered",
    "tile z8": "tile z8", "tile z8 filtered": "tile z8 filtered",
    "tile z11": "tile z11", "tile z11 filtered": "tile z11 filtered",
    "tile z14": "tile z14", "tile z14 filtered": "tile z14 filtered",
    "list 1,000 features": "list 1,000 features (bbox + filters)",
    "site detail": "site detail",
    "stats": "stats region × kind × status",
    "export GeoJSON": "export GeoJSON (province + kinds)",
}
IMPORT = "import"  # the import's label in the growth results
IMPORT_SOURCE = "bench-growth-import"  # the dataset the timed import writes to (deleted afterwards)
CONNECTIONS = (1, 4)
LOCK_TIMEOUT_MS = 30_000  # the timed import's lock_timeout
# BENCHMARK.md's growth target: tiles, detail and counts flat, p50 within 1.5× from the smallest size to the largest.
FLAT = ("tile", "site detail", "stats")
FLAT_LIMIT = 1.5


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000,3000000", help="comma-separated numbers of sites")
    parser.add_argument("--seconds", type=float, default=2, help="length of each wrk run (bench/run.py --seconds)")
    parser.add_argument("--export-seconds", type=float, default=6,
                        help="length of each wrk run of the exports (a province's export takes ~1–3 s)")
    parser.add_argument("--repeats", type=int, default=1, help="wrk runs per concurrency (median reported)")
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--tiles", type=int, default=30, help="targets per scenario (bench/run.py --tiles)")
    parser.add_argument("--import-rows", type=int, default=2000, help="rows of the timed import (same at each size)")
    parser.add_argument("--output", default=str(REPO / "bench" / "results"))
    parser.add_argument("--reuse-runs", action="store_true",
                        help="a size whose bench/run.py results of today are in growth/runs is not measured again "
                             "(only its import is)")
    parser.add_argument("--report", metavar="GROWTH_JSON", help="only redraw the table and charts of a growth JSON")
    parser.add_argument("--add-to", metavar="GROWTH_JSON",
                        help="measure --sizes and merge them into this growth JSON (a size measured again replaces "
                             "the old figures); its table and charts are redrawn over every size")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not args.sizes or not all(1_000 <= s <= 5_000_000 for s in args.sizes) or not 100 <= args.import_rows <= 7000:
        parser.error("--sizes in 1000..5000000, --import-rows in 100..7000 (one site per municipality at most)")
    return args


# Measuring ---------------------------------------------------------------------------------------------------

def run_size(args, sites, runs_dir):
    """bench/run.py over the growth scenarios at one size; returns its results (the JSON it wrote)."""
    path = runs_dir / f"{dt.date.today().isoformat()}-{size_label(sites)}.json"
    if args.reuse_runs and path.exists():
        print(f"== {sites:,} sites: reusing {path}", flush=True)
        return json.loads(path.read_text()), path
    only = "|".join(f"={name}" for name in ENDPOINTS.values())
    command = [sys.executable, str(REPO / "bench" / "run.py"), "--sites", str(sites), "--only", only,
               "--skip", "peers,sql,browser,writes", "--seconds", str(args.seconds), "--repeats", str(args.repeats),
               "--warmup", str(args.warmup), "--connections", ",".join(map(str, CONNECTIONS)),
               "--tiles", str(args.tiles), "--seconds-for", f"export={args.export_seconds}",
               "--output", str(runs_dir)]
    print(f"== {sites:,} sites: {' '.join(command[2:4])} ...", flush=True)
    subprocess.run(command, cwd=REPO, check=True)
    return json.loads(path.read_text()), path


def import_file(env, rows, path):
    """A GeoJSON of `rows` sites, one per municipality (a point inside it), the same file in every bench database."""
    import psycopg

    dsn = env["DATABASE_URL"].replace("postgis://", "postgresql://", 1)
    with psycopg.connect(dsn) as conn:
        points = conn.execute("SELECT code, name, ST_X(p), ST_Y(p) FROM (SELECT code, name, ST_PointOnSurface(geom) p "
                              "FROM commons_municipality ORDER BY md5(code) LIMIT %s) m", [rows]).fetchall()
    kinds = ("Fabbricato", "Terreno", "Capannone", "Borgo", "Bene culturale")
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
                 "properties": {"id": f"G{i:05d}", "denominazione": f"Bene di prova {i} di {name}",
                                "tipologia": kinds[i % len(kinds)], "proprieta": "Comune",
                                "indirizzo": f"Via di prova {i % 120 + 1}, {name}",
                                "descrizione": "Sito importato dal benchmark di crescita e poi cancellato."}}
                for i, (_code, name, x, y) in enumerate(points)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return len(features)


CLEANUP = f"""
from commons.models import ImportRun, Site, SourceDataset
Site.objects.filter(source={IMPORT_SOURCE!r}).delete()
ImportRun.objects.filter(dataset_id={IMPORT_SOURCE!r}).delete()
SourceDataset.objects.filter(slug={IMPORT_SOURCE!r}).delete()
"""


def run_import(env, rows, work_dir):
    """`manage.py import_sites` of `rows` new sites into the bench database, timed; the sites are deleted after."""
    import psycopg

    path = Path(work_dir) / "growth-import.geojson"
    rows = import_file(env, rows, path)
    # A lock held by someone else (a migration of the shared bench database) fails the import rather than being timed.
    env = {**env, "PGOPTIONS": f"-c lock_timeout={LOCK_TIMEOUT_MS}"}
    manage(env, "shell", "-c", CLEANUP)  # what an interrupted earlier run may have left
    loadavg = round(os.getloadavg()[0], 2)
    started = time.monotonic()
    subprocess.run([sys.executable, "manage.py", "import_sites", str(path), "--source", IMPORT_SOURCE,
                    "--name", "Benchmark di crescita", "--licence", "CC0-1.0", "--attribution", "bench/growth.py",
                    "--verbosity", "0"], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.monotonic() - started
    dsn = env["DATABASE_URL"].replace("postgis://", "postgresql://", 1)
    with psycopg.connect(dsn) as conn:
        created, seconds = conn.execute(
            "SELECT created, extract(epoch FROM finished_at - created_at) FROM commons_importrun "
            "WHERE dataset_id = %s ORDER BY id DESC LIMIT 1", [IMPORT_SOURCE]).fetchone()
    manage(env, "shell", "-c", CLEANUP)
    seconds = float(seconds)
    return {"rows": rows, "created": created, "seconds": round(seconds, 2), "command_seconds": round(wall, 2),
            "rows_per_s": round(created / seconds, 1) if seconds else None, "loadavg": loadavg}


def figures(results):
    """{label: {connections: {p50_ms, p95_ms, rps, loadavg, requests}}} of one bench/run.py results."""
    named = {row["name"]: row for row in results["scenarios"]}
    out = {}
    for label, name in ENDPOINTS.items():
        http = named.get(name, {}).get("http", {})
        out[label] = {str(c): {k: http[str(c)].get(k) for k in ("p50_ms", "p95_ms", "rps", "loadavg", "requests",
                                                                "errors")}
                      for c in CONNECTIONS if str(c) in http}
        out[label]["body_bytes_mean"] = named.get(name, {}).get("sizes", {}).get("body_bytes_mean")
    return out


def measure(args, growth=None):
    """Every size of --sizes, into `growth` (a new growth record unless one is given to add to)."""
    output = Path(args.output)
    runs_dir = output / "growth" / "runs"
    growth = growth or {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "sizes": args.sizes,
              "settings": {k: getattr(args, k) for k in ("seconds", "export_seconds", "repeats", "warmup", "tiles",
                                                         "import_rows")} | {"connections": list(CONNECTIONS)},
              "commit": git_commit(), "loadavg_start": [round(v, 2) for v in os.getloadavg()],
              "by_size": {}, "notes": []}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="beco-growth-") as work_dir:
        for sites in args.sizes:
            size_started = time.monotonic()
            results, path = run_size(args, sites, runs_dir)
            env = production_env(bench_database_url(argparse.Namespace(sites=sites, database=None)))
            print(f"  import of {args.import_rows} rows", flush=True)
            entry = {"date": results["date"], "run": str(path.relative_to(output)), "database": results["database"],
                     "machine": results["machine"], "settings": results.get("settings"), "app_workers": results.get("app_workers"),
                     "endpoints": figures(results), IMPORT: {}}
            try:
                entry[IMPORT] = run_import(env, args.import_rows, work_dir)
            except subprocess.CalledProcessError as exc:  # one failed import must not lose the size's figures
                growth["notes"].append(f"{size_label(sites)}: the import was not measured ({exc}).")
            entry["duration_s"] = round(time.monotonic() - size_started)
            growth["machine"] = {k: v for k, v in results["machine"].items() if not k.startswith("loadavg")}
            growth["by_size"][str(sites)] = entry
            growth["sizes"] = sizes_of(growth)
            growth["notes"] += [f"{size_label(sites)}: {note}" for note in results.get("notes", [])]
            save(growth, output, partial=True)
    growth["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    growth["duration_s"] = growth.get("duration_s", 0) + round(time.monotonic() - started)
    return growth


def git_commit():
    completed = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%h (%cs)"], capture_output=True,
                               text=True, check=False)
    return completed.stdout.strip()


# Reporting ---------------------------------------------------------------------------------------------------

def stem(growth):
    return f"{growth['date'][:10]}-growth"


def save(growth, output, partial=False):
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{stem(growth)}.json{'.tmp' if partial else ''}"
    path.write_text(json.dumps(growth, indent=1, ensure_ascii=False) + "\n")
    return path


def sizes_of(growth):
    return sorted(int(s) for s in growth["by_size"])


def series(growth, label, conns, metric):
    """[(sites, value)] of one endpoint's figure across sizes (sizes without it left out)."""
    points = []
    for sites in sizes_of(growth):
        value = growth["by_size"][str(sites)]["endpoints"].get(label, {}).get(str(conns), {}).get(metric)
        if value is not None:
            points.append((sites, value))
    return points


def growth_ratio(growth, label, conns=1, metric="p50_ms"):
    points = series(growth, label, conns, metric)
    return points[-1][1] / points[0][1] if len(points) >= 2 and points[0][1] else None


def markdown(growth, chart_dir="growth"):
    sizes = sizes_of(growth)
    m = growth.get("machine", {})
    s = growth["settings"]
    heads = " | ".join(f"{size_label(n)} p50 / p95" for n in sizes)
    lines = [
        f"# Growth {growth['date']} — {', '.join(f'{n:,}' for n in sizes)} sites",
        "",
        f"**Machine**: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('memory_gb', '?')} GB (the 1-minute "
        f"load average is given with every figure: wrk, gunicorn and PostgreSQL share the cores, so about 2–4 is the "
        f"benchmark's own load, more means other work ran too). {m.get('postgresql', '')}, PostGIS {m.get('postgis', '')}. "
        f"Code measured: {growth.get('commit', '?')}. "
        f"Each size: `bench/run.py` (gunicorn, production settings), {s['repeats']} wrk run(s) of {s['seconds']} s "
        f"per concurrency ({s['export_seconds']} s for exports) after a {s['warmup']} s warm-up, {s['tiles']} targets "
        "per scenario; latencies in ms. Import: `manage.py import_sites` of the same "
        f"{s['import_rows']:,}-row GeoJSON (new sites, then deleted), time of the import run itself.",
        "",
        "Runs: " + "; ".join(_run_line(n, growth["by_size"][str(n)]) for n in sizes) + ".",
        "",
        f"| endpoint | conns | {heads} | p50 {size_label(sizes[-1])} / {size_label(sizes[0])} | load avg |",
        "|---|---|" + "---|" * len(sizes) + "---|---|",
    ]
    for label in ENDPOINTS:
        for conns in CONNECTIONS:
            cells, loads = [], []
            for n in sizes:
                fig = growth["by_size"][str(n)]["endpoints"].get(label, {}).get(str(conns), {})
                cells.append(f"{report._fmt(fig.get('p50_ms'))} / {report._fmt(fig.get('p95_ms'))}")
                loads.append(report._fmt(fig.get("loadavg")))
            ratio = growth_ratio(growth, label, conns)
            lines.append(f"| [{label}]({chart_dir}/{chart_name(label)}) | {conns} | {' | '.join(cells)} "
                         f"| {f'{ratio:.2f}×' if ratio else '–'} | {' / '.join(loads)} |")
    imports = [growth["by_size"][str(n)].get(IMPORT, {}) for n in sizes]
    cells = [f"{report._fmt(i.get('seconds'), 2)} s, {report._fmt(i.get('rows_per_s'))} rows/s" for i in imports]
    first, last = imports[0].get("rows_per_s"), imports[-1].get("rows_per_s")
    lines.append(f"| [import {s['import_rows']:,} rows]({chart_dir}/{chart_name(IMPORT)}) | 1 | {' | '.join(cells)} "
                 f"| {f'{first / last:.2f}× the time' if first and last else '–'} "
                 f"| {' / '.join(report._fmt(i.get('loadavg')) for i in imports)} |")
    lines += ["", "## Target", "", flat_verdict(growth)]
    for note in growth.get("notes", []):
        lines.append(f"\nNote: {note}")
    return "\n".join(lines) + "\n"


def _run_line(sites, entry):
    machine = entry.get("machine", {})
    start, end = (machine.get(k, [None])[0] for k in ("loadavg_start", "loadavg_end"))
    export = ((entry.get("settings") or {}).get("seconds_for") or {}).get("export")
    return (f"{size_label(sites)} at {entry.get('date', '?')} Rome time (`{entry.get('run', '?')}`, load average "
            f"{start} at the start, {end} at the end{f', exports {export:g} s' if export else ''})")


def flat_verdict(growth):
    """BENCHMARK.md: tiles, detail and counts flat (p50 within 1.5× from the smallest size to the largest)."""
    sizes = sizes_of(growth)
    ratios = {label: growth_ratio(growth, label) for label in ENDPOINTS if label.startswith(FLAT)}
    ratios = {label: r for label, r in ratios.items() if r is not None}
    if not ratios:
        return "Not enough sizes measured for the growth target."
    worst = max(ratios, key=ratios.get)
    over = [f"{label} {r:.2f}×" for label, r in ratios.items() if r > FLAT_LIMIT]
    verdict = "met" if not over else f"**not met** ({', '.join(over)})"
    return (f"Tiles, detail and counts flat, p50 at 1 connection within {FLAT_LIMIT}× from "
            f"{size_label(sizes[0])} to {size_label(sizes[-1])}: worst {worst} {ratios[worst]:.2f}× — {verdict}.")


def chart_name(label):
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") + ".png"


def charts(growth, directory):
    """One PNG per endpoint: p50 and p95 at 1 and 4 connections against the number of sites (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    directory.mkdir(parents=True, exist_ok=True)
    sizes = sizes_of(growth)
    size_ticks = FuncFormatter(lambda v, _pos: size_label(int(v)).upper().replace("K", "k") if v >= 1000 else f"{v:g}")
    plain = FuncFormatter(lambda v, _pos: f"{v:g}")
    cores = growth.get("machine", {}).get("cores", "?")
    subtitle = f"{growth['date'][:10]}, {cores}-core machine (load average per point in the table)"
    paths = []
    for label in list(ENDPOINTS) + [IMPORT]:
        fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
        if label == IMPORT:
            points = [(n, growth["by_size"][str(n)][IMPORT].get("seconds")) for n in sizes]
            points = [(n, v) for n, v in points if v is not None]
            if points:
                ax.plot(*zip(*points), marker="o", label=f"{growth['settings']['import_rows']:,} new sites")
            ax.set_ylabel("import time (s)")
            ax.set_ylim(bottom=0)
            title = f"import of {growth['settings']['import_rows']:,} sites (manage.py import_sites)"
        else:
            for conns, color in zip(CONNECTIONS, ("tab:blue", "tab:orange")):
                for metric, style, marker in (("p50_ms", "-", "o"), ("p95_ms", "--", "^")):
                    points = series(growth, label, conns, metric)
                    if points:
                        ax.plot(*zip(*points), color=color, linestyle=style, marker=marker,
                                label=f"{metric[:3]}, {conns} connection{'s' if conns > 1 else ''}")
            ax.set_ylabel("latency (ms, log scale)")
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(plain)
            low, high = ax.get_ylim()
            if high / low < 30:  # labelled minor ticks only while they cannot crowd
                ax.yaxis.set_minor_formatter(plain)
            title = label
        ax.set_xscale("log")
        ax.set_xticks(sizes)
        ax.xaxis.set_major_formatter(size_ticks)
        ax.xaxis.set_minor_locator(LogLocator(subs="all"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("sites in the registry (log scale)")
        ax.set_title(f"{title}\n{subtitle}", fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
        fig.tight_layout()
        path = directory / chart_name(label)
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


def write(growth, output):
    """The growth JSON, its table and one chart per endpoint; returns the paths written."""
    json_path = save(growth, output)
    md_path = output / f"{stem(growth)}.md"
    md_path.write_text(markdown(growth))
    return [json_path, md_path, *charts(growth, output / "growth")]


def main(argv=None):
    args = parse_args(argv)
    if args.report:
        growth = json.loads(Path(args.report).read_text())
    else:
        growth = measure(args, json.loads(Path(args.add_to).read_text()) if args.add_to else None)
    paths = write(growth, Path(args.output))
    (Path(args.output) / f"{stem(growth)}.json.tmp").unlink(missing_ok=True)
    print(f"Done{' in ' + str(growth.get('duration_s')) + ' s' if not args.report else ''}: "
          f"{', '.join(str(p) for p in paths[:2])} and {len(paths) - 2} charts in {Path(args.output) / 'growth'}")


if __name__ == "__main__":
    main()
