"""HTTP load with wrk (bench/paths.lua) and raw SQL load with pgbench: bounded runs, medians of repeats."""

import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

LUA = Path(__file__).resolve().parent / "paths.lua"
METRICS = ("p50_ms", "p90_ms", "p95_ms", "p99_ms", "rps", "bytes_per_response", "errors", "requests")


def wrk_once(base_url, paths_file, connections, seconds, timeout=30):
    threads = min(connections, 2)  # 2 cores: more client threads would only steal CPU from the server
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", f"{timeout}s",
               "-s", str(LUA), base_url, "--", str(paths_file)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + timeout + 60, check=False)
    line = next((row for row in result.stdout.splitlines() if row.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {result.stdout[-1500:]} {result.stderr[-1500:]}")
    raw = json.loads(line.removeprefix("WRK_JSON "))
    requests = raw["requests"]
    if not requests:  # every request took longer than the run: no latency to report
        return {"requests": 0, "rps": 0.0, "errors": sum(raw["errors"].values()), "error_kinds": raw["errors"]}
    latency = raw["latency_us"]
    return {
        "requests": requests,
        "rps": round(requests / (raw["duration_us"] / 1e6), 1),
        **{f"{name}_ms": round(latency[name] / 1000, 2) for name in ("p50", "p90", "p95", "p99")},
        "max_ms": round(latency["max"] / 1000, 2),
        "bytes_per_response": round(raw["bytes"] / requests) if requests else 0,
        "errors": sum(raw["errors"].values()),
        "error_kinds": {k: v for k, v in raw["errors"].items() if v},
    }


def median_of(runs):
    summary = {}
    for metric in METRICS:
        values = [run[metric] for run in runs if run.get(metric) is not None]
        if values:
            summary[metric] = round(statistics.median(values), 2)
    summary["errors"] = sum(run["errors"] for run in runs)
    return summary


def http_matrix(base_url, paths, *, connections, repeats, seconds, warmup, sampler=None):
    """{connections: {median metrics, runs: [...], load averages}} for one list of paths."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths) + "\n")
        paths_file = handle.name
    try:
        if warmup:
            wrk_once(base_url, paths_file, max(connections), warmup)
        if sampler:
            sampler.reset()
        result = {}
        for count in connections:
            runs = [wrk_once(base_url, paths_file, count, seconds) for _ in range(repeats)]
            result[str(count)] = {**median_of(runs), "runs": runs, "loadavg": round(os.getloadavg()[0], 2)}
        if sampler:
            result["memory"] = sampler.reset()
        return result
    finally:
        os.unlink(paths_file)


def _fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.read(), response.status, response.headers.get("Content-Encoding")
    except urllib.error.HTTPError as error:
        return error.read(), error.code, error.headers.get("Content-Encoding")


def fetch_all(base_url, paths, expected=(200,)):
    """Body sizes of each path fetched once (and a check that each answers as expected), and fetched again with
    Accept-Encoding: gzip, as browsers ask (wrk's load sends no Accept-Encoding: its figures are uncompressed):
    the bytes on the wire then, compressed or not."""
    sizes, packed, problems = [], [], []
    for path in paths:
        body, status, _encoding = _fetch(base_url + path)
        if status not in expected:
            problems.append(f"{path} -> {status}: {body[:200]!r}")
        sizes.append(len(body))
        body, _status, _encoding = _fetch(base_url + path, {"Accept-Encoding": "gzip"})
        packed.append(len(body))
    return {"body_bytes_mean": round(statistics.mean(sizes)) if sizes else 0,
            "body_bytes_max": max(sizes, default=0), "empty": sum(1 for s in sizes if s == 0),
            "gzip_bytes_mean": round(statistics.mean(packed)) if packed else 0,
            "gzip_bytes_max": max(packed, default=0),
            "count": len(paths), "problems": problems[:5]}


def _percentile(values, fraction):
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))]


def pgbench_once(database_url, script_files, connections, seconds, log_dir):
    parts = urlsplit(database_url)
    prefix = Path(log_dir) / f"pgbench-{time.monotonic_ns()}"
    command = ["pgbench", "-n", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
               "-U", parts.username or "postgres", "-c", str(connections), "-j", str(min(connections, 2)),
               "-T", str(max(1, round(seconds))), "-l", f"--log-prefix={prefix}"]
    for script in script_files:
        command += ["-f", str(script)]
    command.append(parts.path.lstrip("/"))
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds + 600, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"pgbench failed: {result.stderr[-2000:]}")
    times = []
    for log in Path(log_dir).glob(f"{prefix.name}*"):
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                times.append(int(fields[2]) / 1000)
        log.unlink()
    times.sort()
    tps = next((float(line.split("=")[1].split()[0]) for line in result.stdout.splitlines()
                if line.startswith("tps =")), 0.0)
    if not times:
        return {"requests": 0, "rps": 0, "errors": 1}
    return {"requests": len(times), "rps": round(tps, 1), "errors": 0,
            **{f"p{q}_ms": round(_percentile(times, q / 100), 2) for q in (50, 90, 95, 99)}}


def sql_matrix(database_url, scripts, *, connections, repeats, seconds, work_dir):
    """pgbench over `scripts` (one SQL script per target, picked at random) at each concurrency."""
    files = []
    for number, script in enumerate(scripts):
        path = Path(work_dir) / f"script-{number}.sql"
        path.write_text(script)
        files.append(path)
    pgbench_once(database_url, files, 1, 1, work_dir)  # warm-up
    result = {}
    for count in connections:
        runs = [pgbench_once(database_url, files, count, seconds, work_dir) for _ in range(repeats)]
        result[str(count)] = {**median_of(runs), "runs": runs, "loadavg": round(os.getloadavg()[0], 2)}
    for path in files:
        path.unlink()
    return result
