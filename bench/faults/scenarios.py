"""The four fault runs (RELIABILITY.md D1-D3 and issue 17), each bounded in time and stopping by itself.

Each takes the run's context (`ctx`: the cluster, the production environment, targets and tokens, a manage()
helper) and returns a dict of figures."""

import http.client
import os
import random
import signal
import threading
import time

from bench import servers
from bench.faults.checks import StatementSampler, aggregates_match, answers_summary, check_writes
from bench.faults.client import Load, Prober, SlowClient, timed_call
from bench.faults.proxy import SERVER_NAME, Nginx

EXPORTS = ["/api/v1/exports/sites.geojson", "/api/v1/exports/sites.csv", "/api/v1/exports/sites.gpkg"]


def _app(ctx, name, **env):
    return servers.Gunicorn({**ctx.env, **{k: str(v) for k, v in env.items()}}, ctx.log_dir, name=name)


def _writes(ctx, load):
    figures = check_writes(ctx.dsn, load.gather("creates"), load.gather("edits"))
    figures["aggregates_match_rows"] = aggregates_match(ctx.manage)
    return figures


def outage(ctx, *, warm=8.0, down=8.0, after=12.0, connections=16):
    """D1: PostgreSQL stopped (fast shutdown) and started again under a mixed load (20% writes)."""
    with _app(ctx, "app-outage") as app:
        load = Load(app.url, ctx.targets, ctx.tokens, connections=connections, write_share=0.2).start()
        health = Prober(app.url)
        health.start()
        time.sleep(warm)
        stop_at = time.monotonic()
        ctx.cluster.stop()
        stopped_at = time.monotonic()
        time.sleep(down)
        start_at = time.monotonic()
        ctx.cluster.start()
        ready_at = ctx.cluster.wait_accepting()
        time.sleep(after)
        load.stop()
        health.stop()
    answers = load.gather("answers")
    overlapping = [a for a in answers if a.started <= ready_at and a.ended >= stop_at]
    after_ready = [a for a in answers if a.started >= ready_at]
    failed_after = [a for a in after_ready if not a.ok and a.status != 412]  # 412: an edit whose answer was lost
    first_ok = min((a.ended for a in after_ready if a.ok), default=None)
    health_during = [a for a in health.answers if stopped_at <= a.started <= start_at]
    health_ok_after = min((a.ended for a in health.answers if a.started >= ready_at and a.status == 200), default=None)
    ctx.connections_closed()
    return {
        "timeline_s": {"stop_took": round(stopped_at - stop_at, 3), "down": round(start_at - stopped_at, 3),
                       "start_took": round(ready_at - start_at, 3), "load_after": after},
        "all": answers_summary(answers),
        "during_outage": {**answers_summary(overlapping),
                          "over_1s": sum(1 for a in overlapping if a.seconds > 1.0)},
        "health_during_outage": answers_summary(health_during),
        "recovery": {
            "first_success_after_s": round(first_ok - ready_at, 3) if first_ok else None,
            "last_failure_after_s": round(max((a.ended for a in failed_after), default=ready_at) - ready_at, 3),
            "failures_after_ready": len(failed_after),
            "health_ok_after_s": round(health_ok_after - ready_at, 3) if health_ok_after else None,
        },
        "writes": _writes(ctx, load),
    }


def worker_kill(ctx, *, kills=5, every=4.0, connections=16):
    """D2: a gunicorn worker SIGKILLed every `every` s under a write-heavy load (80% writes)."""
    rng = random.Random(7)
    killed = []
    with _app(ctx, "app-kill") as app:
        sampler = StatementSampler(ctx.dsn, ctx.database)
        sampler.start()
        load = Load(app.url, ctx.targets, ctx.tokens, connections=connections, write_share=0.8).start()
        time.sleep(3)
        for _ in range(kills):
            workers = servers.children(app.process.pid)
            victim = rng.choice(workers)
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            time.sleep(every)
        time.sleep(2)
        workers_at_end = len(servers.children(app.process.pid))
        load.stop()
        sampler.stop()
    answers = load.gather("answers")
    return {
        "kills": len(killed), "workers_at_end": workers_at_end,
        "all": answers_summary(answers),
        "cut_by_a_kill": sum(1 for a in answers if a.status is None),
        "sessions_left_in_a_transaction": sampler.summary(limit_s=5.0)["samples_idle_in_transaction"],
        "writes": _writes(ctx, load),
    }


def _export_times(url):
    """Seconds and status of each national export, one after the other."""
    result = {}
    for path in EXPORTS:
        answer, _headers, body = timed_call(url, "export", "GET", path, timeout=120)
        result[path.rsplit("/", 1)[1]] = {"status": answer.status, "seconds": round(answer.seconds, 3),
                                          "bytes": len(body)}
    return result


class _Runaway(threading.Thread):
    def __init__(self, url, stop, offset):
        super().__init__(daemon=True)
        self.url, self.stop, self.offset, self.answers = url, stop, offset, []

    def run(self):
        number = self.offset
        while not self.stop.is_set():
            self.answers.append(timed_call(self.url, "export", "GET", EXPORTS[number % len(EXPORTS)], timeout=60)[0])
            number += 1


def _slow_csv_download(url, rate_bytes_s=256 * 1024, give_up_s=30):
    """Read the national CSV at `rate_bytes_s`: past the budget mid-stream, the transfer ends short."""
    host, port = url.split("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    received, started, status = 0, time.monotonic(), None
    try:
        conn.request("GET", EXPORTS[1], headers={"X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        status = response.status
        outcome = "complete"
        while chunk := response.read(16 * 1024):
            received += len(chunk)
            time.sleep(len(chunk) / rate_bytes_s)
            if time.monotonic() - started > give_up_s:
                outcome = f"still streaming after {give_up_s} s: the client gave up"
                break
    except http.client.IncompleteRead:
        outcome = "truncated (incomplete chunked transfer)"
    except (OSError, http.client.HTTPException) as exc:
        outcome = f"cut: {exc.__class__.__name__}"
    finally:
        conn.close()
    return {"status": status, "outcome": outcome, "bytes": received,
            "seconds": round(time.monotonic() - started, 3)}


def runaway(ctx, *, budget_ms=500, seconds=20.0, readers=8):
    """D3: national exports far over a lowered export budget, two at a time, while 8 clients read."""
    with _app(ctx, "app-unbounded") as app:
        unbounded = _export_times(app.url)
    with _app(ctx, "app-runaway", REGISTRY_EXPORT_STATEMENT_TIMEOUT_MS=budget_ms) as app:
        sampler = StatementSampler(ctx.dsn, ctx.database, every=0.1)
        sampler.start()
        load = Load(app.url, ctx.targets, ctx.tokens, connections=readers, write_share=0.0).start()
        stop = threading.Event()
        runaways = [_Runaway(app.url, stop, offset) for offset in range(2)]
        for thread in runaways:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in runaways:
            thread.join(timeout=70)
        load.stop()
        sampler.stop()
        bounded = _export_times(app.url)
        # Mid-stream: without a buffering proxy, COPY's statement lasts as long as the client takes to read.
        download_sampler = StatementSampler(ctx.dsn, ctx.database, every=0.1)
        download_sampler.start()
        slow_csv = _slow_csv_download(app.url)
        download_sampler.stop()
    exports = [a for thread in runaways for a in thread.answers]
    return {
        "budget_ms": budget_ms, "unbounded_exports": unbounded, "exports_under_budget": bounded,
        "runaway_exports": answers_summary(exports),
        "query_timeout_answers": sum(1 for a in exports if a.code == "query_timeout"),
        "readers_meanwhile": answers_summary(load.gather("answers")),
        "statements": sampler.summary(limit_s=budget_ms / 1000 + 1.0),
        "slow_csv_download": {**slow_csv, "statements": download_sampler.summary(limit_s=budget_ms / 1000 + 1.0)},
    }


def _slow_storm(clients_args, probes, seconds):
    stop = threading.Event()
    slow = [SlowClient(*args, stop=stop, **kwargs) for args, kwargs in clients_args]
    for client in slow:
        client.start()
    for probe in probes:
        probe.start()
    time.sleep(seconds)
    stop.set()
    for probe in probes:
        probe.stop()
    for client in slow:
        client.join(timeout=40)
    outcomes = {}
    for client in slow:
        for outcome, _seconds in client.results:
            label = outcome if outcome.startswith(("HTTP", "stopped")) else f"error {outcome}"
            label = " ".join(label.split()[:2])
            outcomes[label] = outcomes.get(label, 0) + 1
    return {"slow_clients": len(slow), "slow_requests": outcomes,
            "probes": answers_summary([a for probe in probes for a in probe.answers])}


def slow_clients(ctx, *, count=300, seconds=20.0):
    """300 clients sending their requests a header line per second and reading 1 KB at a time, while 4 probes
    read normally: through nginx as deployed, then straight at gunicorn's sync workers."""
    detail = f"/api/v1/sites/{ctx.targets['ids'][0]}/"
    paths = [detail, f"/api/v1/sites/{ctx.targets['ids'][1]}/", "/api/v1/stats/?status=verified", detail]
    result = {}
    with _app(ctx, "app-slow") as app:
        ports = _two_free_ports()
        with Nginx(ctx.log_dir / "nginx", app_port=app.port, static=ctx.env["DJANGO_STATIC_ROOT"], ports=ports) as proxy:
            url = f"https://127.0.0.1:{proxy.https_port}"
            probes = [Prober(url, path, "detail", every=0.1, headers={"Host": SERVER_NAME}) for path in paths]
            clients = [((("127.0.0.1", proxy.https_port, detail)), {"tls": True, "server_name": SERVER_NAME})
                       for _ in range(count)]
            result["through_nginx"] = _slow_storm(clients, probes, seconds)
        probes = [Prober(app.url, path, "detail", every=0.1) for path in paths]
        clients = [(("127.0.0.1", app.port, detail), {}) for _ in range(count)]
        result["straight_at_gunicorn"] = _slow_storm(clients, probes, seconds)
        result["workers"] = len(servers.children(app.process.pid))
    return result


def _two_free_ports():
    while True:
        ports = servers.free_port(), servers.free_port()
        if ports[0] != ports[1]:
            return ports


SCENARIOS = {"outage": outage, "kill": worker_kill, "runaway": runaway, "slow": slow_clients}
