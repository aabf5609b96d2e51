#!/usr/bin/env python
"""L1: mixed read/write load on loopback — 80% reads (tiles, bbox lists, details, stats), 20% writes (citizens
reporting sites and editing their own with If-Match) — bounded in time, stopping by itself.

    DATABASE_URL=postgis://beco@127.0.0.1:54329/beco .venv/bin/python bench/mixed_load.py --seconds 30

By default it starts gunicorn itself (config/gunicorn.conf.py, production settings, 127.0.0.1, a free port) on
DATABASE_URL, which must hold boundaries and sites (`make data`). --url points it at a server already running
on loopback instead (writes then need that server's API_WRITE_* rates to allow them). Sites it reports are
titled "Carico di prova" and deleted afterwards with --cleanup.

Output: JSON with req/s, p50/p95/p99 per kind, errors (any 5xx, transport error, or unexpected status), and
the verdict against BENCHMARK.md's write target (p95 ≤ 200 ms with 0 errors); --output also writes it to a file.
The API write rate limits are raised for the server it starts: R1 measures them separately (tests/ops).
"""

import argparse
import http.client
import json
import math
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
MAX_SECONDS = 600
TITLE = "Carico di prova"
WRITE_TARGET_P95_MS = 200


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30, help=f"measured duration (max {MAX_SECONDS})")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients (1-64)")
    parser.add_argument("--write-share", type=float, default=0.2, help="share of requests that write")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: its config)")
    parser.add_argument("--url", help="an already running server on loopback (default: start gunicorn)")
    parser.add_argument("--users", type=int, default=20, help="citizens writing (each with an API token)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", help="also write the JSON result to this file")
    parser.add_argument("--cleanup", action="store_true", help="delete the sites and users it created")
    args = parser.parse_args()
    if not 0 < args.seconds <= MAX_SECONDS or not 1 <= args.connections <= 64 or not 0 <= args.write_share <= 1:
        parser.error(f"--seconds must be in (0, {MAX_SECONDS}], --connections in 1..64, --write-share in 0..1")
    if args.url and not args.url.startswith(("http://127.0.0.1", "http://localhost")):
        parser.error("load runs against loopback only")
    return args


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def sample_targets(rng, count=400):
    """Ids, points and tiles of real visible sites: reads that hit data, never empty areas."""
    from commons.models import Site

    rows = list(Site.objects.visible().order_by("?").values_list("id", "location")[:count])
    if not rows:
        raise SystemExit("No sites in this database: load data first (make data).")
    tiles = [tile_of(point.x, point.y, z) for _, point in rows for z in (8, 11, 14)]
    return {"ids": [pk for pk, _ in rows], "points": [(p.x, p.y) for _, p in rows], "tiles": tiles}


def tile_of(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def make_citizens(count):
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    tokens = []
    for number in range(count):
        name = f"bench-load-{number}"
        user, _ = get_user_model().objects.get_or_create(username=name, defaults={"email": f"{name}@example.org"})
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    return tokens


def cleanup():
    from django.contrib.auth import get_user_model

    from commons.models import Site

    sites = Site.objects.filter(title=TITLE, reporter__username__startswith="bench-load-")
    deleted = sites.count()
    sites.delete()
    get_user_model().objects.filter(username__startswith="bench-load-").delete()
    return deleted


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(workers):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
           "DJANGO_SECURE_SSL_REDIRECT": "0", "API_WRITE_BURST_RATE": "1000000/min",
           "API_WRITE_SUSTAINED_RATE": "100000000/hour", "GUNICORN_ACCESS_LOG": ""}
    port = free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen([gunicorn, "-c", "config/gunicorn.conf.py", "config.wsgi"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if request(url, "GET", "/health/")[0] == 200:
                return process, url
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(process)
    raise SystemExit("gunicorn did not become healthy within 60 s")


def stop_server(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def request(url, method, path, body=None, headers=None):
    host, port = url.split("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"X-Forwarded-Proto": "https", **(headers or {})}
    if body is not None:
        body = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("ETag"), response.read()
    finally:
        conn.close()


class Client(threading.Thread):
    """One connection's loop: pick a request by the mix, time it, record (kind, ms, ok)."""

    def __init__(self, url, targets, tokens, args, number, stop_at, measure_from):
        super().__init__(daemon=True)
        self.url, self.targets, self.tokens, self.args = url, targets, tokens, args
        self.rng = random.Random(args.seed * 1000 + number)
        self.stop_at, self.measure_from = stop_at, measure_from
        self.samples, self.errors, self.own = [], [], []  # own: [site id, etag, token] reported by this client

    def run(self):
        while time.monotonic() < self.stop_at:
            kind, method, path, body, headers, expected = self.next_request()
            started = time.monotonic()
            try:
                status, etag, content = request(self.url, method, path, body, headers)
            except OSError as error:
                status, etag, content = None, None, str(error).encode()
            elapsed = (time.monotonic() - started) * 1000
            ok = status in expected
            if status == 201:
                self.own.append([json.loads(content)["id"], etag, headers["Authorization"]])
            elif kind == "edit" and status == 200:
                self.own[-1][1] = etag
            if started >= self.measure_from:
                self.samples.append((kind, elapsed, ok))
                if not ok:
                    self.errors.append(f"{method} {path} -> {status}: {content[:200]!r}")

    def next_request(self):
        rng, t = self.rng, self.targets
        if rng.random() < self.args.write_share:
            if self.own and rng.random() < 0.3:
                pk, etag, auth = self.own[-1]
                return ("edit", "PATCH", f"/api/v1/sites/{pk}/", {"description": f"Aggiornato {rng.random():.6f}"},
                        {"Authorization": auth, "If-Match": etag}, {200})
            lon, lat = rng.choice(t["points"])
            point = {"type": "Point", "coordinates": [round(lon + rng.uniform(-1e-3, 1e-3), 6),
                                                      round(lat + rng.uniform(-1e-3, 1e-3), 6)]}
            return ("report", "POST", "/api/v1/sites/", {"title": TITLE, "kind": "building", "location": point},
                    {"Authorization": f"Token {rng.choice(self.tokens)}"}, {201})
        roll = rng.random()
        if roll < 0.5:
            z, x, y = rng.choice(t["tiles"])
            return "tile", "GET", f"/tiles/sites/{z}/{x}/{y}.pbf", None, {}, {200, 204}
        if roll < 0.75:
            lon, lat = rng.choice(t["points"])
            bbox = f"{lon - 0.2:.4f},{lat - 0.15:.4f},{lon + 0.2:.4f},{lat + 0.15:.4f}"
            return "list", "GET", f"/api/v1/sites/?bbox={bbox}&limit=100", None, {}, {200}
        if roll < 0.95:
            return "detail", "GET", f"/api/v1/sites/{rng.choice(t['ids'])}/", None, {}, {200}
        return "stats", "GET", "/api/v1/stats/?status=verified", None, {}, {200}


def percentile(values, share):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(math.ceil(share * len(ordered))) - 1)], 1)


def summarise(samples, seconds):
    result = {}
    for kind in sorted({kind for kind, _, _ in samples}) + ["all", "writes", "reads"]:
        chosen = [s for s in samples if kind == "all" or s[0] == kind or
                  (kind == "writes" and s[0] in ("report", "edit")) or
                  (kind == "reads" and s[0] not in ("report", "edit"))]
        if not chosen:
            continue
        times = [ms for _, ms, _ in chosen]
        result[kind] = {"requests": len(chosen), "req_per_s": round(len(chosen) / seconds, 1),
                        "errors": sum(not ok for _, _, ok in chosen), "p50_ms": percentile(times, 0.5),
                        "p95_ms": percentile(times, 0.95), "p99_ms": percentile(times, 0.99),
                        "mean_ms": round(statistics.fmean(times), 1)}
    return result


def main():
    args = parse_args()
    setup_django()
    rng = random.Random(args.seed)
    targets, tokens = sample_targets(rng), make_citizens(args.users)
    process, url = (None, args.url) if args.url else start_server(args.workers)
    try:
        measure_from = time.monotonic() + args.warmup
        stop_at = measure_from + args.seconds
        clients = [Client(url, targets, tokens, args, n, stop_at, measure_from) for n in range(args.connections)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=args.warmup + args.seconds + 60)
    finally:
        if process is not None:
            stop_server(process)
    samples = [sample for client in clients for sample in client.samples]
    errors = [error for client in clients for error in client.errors]
    summary = summarise(samples, args.seconds)
    writes = summary.get("writes", {})
    result = {
        "benchmark": "L1 mixed load", "url": "gunicorn started by the script" if process else url,
        "connections": args.connections, "seconds": args.seconds, "write_share": args.write_share,
        "summary": summary, "error_samples": errors[:10],
        "verdict": {"errors": len(errors), "write_p95_ms": writes.get("p95_ms"),
                    "pass": not errors and writes.get("p95_ms", 0) <= WRITE_TARGET_P95_MS},
    }
    if args.cleanup:
        result["cleaned_up_sites"] = cleanup()
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text + "\n")
    return 0 if result["verdict"]["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
