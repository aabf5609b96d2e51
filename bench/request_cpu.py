#!/usr/bin/env python
"""CPU time the app's workers spend per request, under gunicorn with production settings, for several server
variants side by side: a figure that a busy shared machine disturbs far less than latencies (a request waiting
for a core costs no CPU time). For each variant, in turn, `--rounds` times: gunicorn started as bench/run.py
starts it, wrk at one connection over the paths for `--seconds`, and the workers' user + system time
(/proc/<pid>/stat) divided by the requests answered. PostgreSQL's own time is not in it (it is the same SQL).

    .venv/bin/python bench/request_cpu.py --database beco_bench_1m \\
        --variant "full=REGISTRY_LEAN_PATH=0" --variant "lean=" --variant "lean gthread=GUNICORN_THREADS=2"

Variants are NAME=VAR=VALUE,VAR=VALUE (environment of that gunicorn). Prints one JSON object.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import load, servers  # noqa: E402
from bench.run import DEFAULT_URL, production_env  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
PATHS = {  # the in-process benchmark's paths (bench/inprocess.py), plus a z11 tile with the map's filters
    "tile z14": ["/tiles/sites/14/8759/6079.pbf"],
    "tile z11 filtered": ["/tiles/sites/11/1094/759.pbf?status=reported,verified,assigned,in_reuse&kind=building,land"],
    "health": ["/health/"],
}


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def workers_cpu(master):
    return sum(cpu_seconds(pid) for pid in servers.children(master))


def measure(env, targets, seconds, work_dir):
    """{target: figures} from one gunicorn."""
    figures = {}
    with servers.Gunicorn(env, work_dir) as app:
        for target, paths in targets.items():
            paths_file = _paths_file(paths, work_dir)
            load.wrk_once(app.url, paths_file, 1, 1)  # warm-up: connections, caches
            before = workers_cpu(app.process.pid)
            run = load.wrk_once(app.url, paths_file, 1, seconds)
            used = workers_cpu(app.process.pid) - before
            figures[target] = {"cpu_ms_per_request": round(used * 1000 / max(run["requests"], 1), 3),
                               "p50_ms": run.get("p50_ms"), "rps": run["rps"], "requests": run["requests"],
                               "errors": run["errors"], "loadavg": round(os.getloadavg()[0], 2)}
    return figures


def _paths_file(paths, work_dir):
    path = Path(work_dir) / "paths.txt"
    path.write_text("\n".join(paths) + "\n")
    return path


def parse_variant(text):
    name, _, assignments = text.partition("=")
    env = dict(part.split("=", 1) for part in assignments.split(",") if part)
    return name, env


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--variant", action="append", required=True, type=parse_variant)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", help="comma-separated names of PATHS")
    args = parser.parse_args()
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    env = production_env(urlunsplit(parts._replace(path="/" + args.database)))
    env["GUNICORN_ACCESS_LOG"] = os.environ.get("GUNICORN_ACCESS_LOG", "-")  # as in production: one line each
    wanted = {name: paths for name, paths in PATHS.items() if not args.only or name in args.only.split(",")}
    results = {name: {target: [] for target in wanted} for name, _ in args.variant}
    with tempfile.TemporaryDirectory(prefix="beco-cpu-") as work_dir:
        for _round in range(args.rounds):  # variants alternate, so a change of load hits each alike
            for name, extra in args.variant:
                for target, figures in measure({**env, **extra}, wanted, args.seconds, work_dir).items():
                    results[name][target].append(figures)
    summary = {name: {target: {"cpu_ms_per_request": statistics.median(r["cpu_ms_per_request"] for r in runs),
                               "p50_ms": statistics.median(r["p50_ms"] for r in runs if r.get("p50_ms")),
                               "rps": statistics.median(r["rps"] for r in runs), "runs": runs}
                      for target, runs in by_target.items()} for name, by_target in results.items()}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
