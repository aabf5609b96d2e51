"""Fault runs on loopback (issue 17, RELIABILITY.md D1-D3): `.venv/bin/python -m bench.faults`.

    .venv/bin/python -m bench.faults                          # all four, ~6 minutes after the first set-up
    .venv/bin/python -m bench.faults --only outage,kill       # some of them

It starts a PostgreSQL cluster of its own (default 127.0.0.1:54340, data in /tmp/beco-faults-pg; never the
shared cluster, since the runs stop it), fills a database with the boundaries and demo sites once (reused
afterwards), and for each run starts gunicorn with config/gunicorn.conf.py and config.settings.production, as
bench/run.py does. Runs: `outage` (PostgreSQL stopped and restarted under a mixed load), `kill` (workers
SIGKILLed during writes), `runaway` (national exports far over a lowered export budget), `slow` (300 slow
clients, through nginx as deployed and straight at gunicorn). Results: bench/results/<date>-faults.{json,md}.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench import run as bench_run  # noqa: E402
from bench.faults import report  # noqa: E402
from bench.faults.cluster import Cluster  # noqa: E402
from bench.faults.scenarios import SCENARIOS  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated: {', '.join(SCENARIOS)}")
    parser.add_argument("--port", type=int, default=54340, help="port of the fault runs' own PostgreSQL")
    parser.add_argument("--data-dir", default="/tmp/beco-faults-pg")
    parser.add_argument("--database", default="beco_faults_run")
    parser.add_argument("--sites", type=int, default=100_000, help="demo sites (a national export: seconds)")
    parser.add_argument("--runaway-budget-ms", type=int, default=500)
    parser.add_argument("--output", default=str(REPO / "bench" / "results"))
    args = parser.parse_args()
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.only) - set(SCENARIOS)
    if unknown or args.port == 54329:
        parser.error(f"unknown runs {sorted(unknown)}" if unknown else "54329 is the shared cluster: pick another port")
    return args


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "0"  # no query log: budget_cost() times statements as production sends them
    import django

    django.setup()


def context(args, cluster, log_dir):
    url = cluster.url(args.database)
    env = {**bench_run.production_env(url), "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,registry.example.org",
           "API_WRITE_BURST_RATE": "1000000/min", "API_WRITE_SUSTAINED_RATE": "100000000/hour",
           "GUNICORN_ACCESS_LOG": ""}
    bench_run.prepare_database(env, args.sites, 42)
    setup_django(url)
    from bench.mixed_load import make_citizens, sample_targets

    targets, tokens = sample_targets(random.Random(1)), make_citizens(20)

    def manage(*arguments):
        return subprocess.run([sys.executable, "manage.py", *arguments], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=300)

    def connections_closed():
        from django.db import connections

        connections.close_all()  # this process's own connection did not survive the restart

    return SimpleNamespace(cluster=cluster, env=env, dsn=cluster.dsn(args.database), database=args.database,
                           targets=targets, tokens=tokens, manage=manage, log_dir=log_dir,
                           connections_closed=connections_closed)


def cleanup():
    from bench.faults.client import MARKER
    from commons.models import Site

    return Site.objects.filter(title=MARKER).delete()[0]


def machine(cluster, database):
    import psycopg

    with psycopg.connect(cluster.dsn(database)) as conn:
        version, sites = conn.execute("SELECT version(), (SELECT count(*) FROM commons_site)").fetchone()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "postgresql": version.split(" on ")[0], "sites": sites, "loadavg_start": [round(v, 2) for v in os.getloadavg()]}


def budget_cost(repeats=3000):
    """What a SET of statement_timeout per request would cost, next to the trivial query every request already
    sends (the health check of the connection): microseconds per statement through Django's cursor, median of 5."""
    import statistics

    from django.db import connection

    def per_statement(sql, params=None):
        runs = []
        with connection.cursor() as cursor:
            for _ in range(5):
                started = time.perf_counter()
                for _ in range(repeats):
                    cursor.execute(sql, params)
                runs.append((time.perf_counter() - started) / repeats * 1e6)
        return round(statistics.median(runs), 1)

    return {"set_statement_timeout_us": per_statement("SELECT set_config('statement_timeout', %s, false)", ["5000ms"]),
            "select_1_us": per_statement("SELECT 1"), "repeats": repeats}


def one_run(ctx, name, args):
    print(f"fault run: {name}", flush=True)
    ctx.cluster.ensure()  # up again, whatever the run before it left
    started, started_at = time.monotonic(), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    options = {"budget_ms": args.runaway_budget_ms} if name == "runaway" else {}
    try:
        figures = SCENARIOS[name](ctx, **options)
    except Exception as exc:  # noqa: BLE001 - one failed run must not lose the others
        figures = {"error": f"{exc.__class__.__name__}: {str(exc)[:500]}"}
    figures["started"], figures["took_s"] = started_at, round(time.monotonic() - started, 1)
    figures["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    ctx.cluster.ensure()
    ctx.connections_closed()
    figures["cleaned_up_rows"] = cleanup()
    return figures


def main():
    args = parse_args()
    cluster = Cluster(args.data_dir, args.port).ensure()
    log_dir = REPO / "var" / "faults"
    log_dir.mkdir(parents=True, exist_ok=True)
    results = {"run": "faults", "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "runs": {}}
    try:
        ctx = context(args, cluster, log_dir)
        results["machine"] = machine(cluster, args.database)
        results["budget_cost"] = budget_cost()
        ctx.connections_closed()
        for name in args.only:
            results["runs"][name] = one_run(ctx, name, args)
            print(json.dumps(results["runs"][name], indent=1)[:3000], flush=True)
    finally:
        cluster.stop()
    results.setdefault("machine", {})["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    paths = report.write(results, Path(args.output))
    print("\n".join(str(p) for p in paths))
    return 0 if report.passed(results) else 1


if __name__ == "__main__":
    sys.exit(main())
