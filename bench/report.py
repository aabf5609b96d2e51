"""bench/results/<date>-<size>.json (everything measured) and .md (the tables, the ratios, the targets)."""

import datetime as dt
import json

TIPG_ZOOMS = {"tile z8": "tipg tile z8", "tile z11": "tipg tile z11", "tile z14": "tipg tile z14"}


def _stem(results):
    return f"{dt.date.today().isoformat()}-{_size(results['sites'])}"


def partial_path(results, directory):
    return directory / f"{_stem(results)}.json.tmp"


def save_partial(results, directory):
    """What is measured so far (git-ignored), so a failure late in a long run loses nothing."""
    directory.mkdir(parents=True, exist_ok=True)
    partial_path(results, directory).write_text(json.dumps(results, indent=1) + "\n")


def write(results, directory):
    directory.mkdir(parents=True, exist_ok=True)
    stem = _stem(results)
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    md_path.write_text(markdown(results))
    return json_path, md_path


def _size(sites):
    return f"{sites // 1_000_000}m" if sites % 1_000_000 == 0 else f"{sites // 1000}k"


def _by_name(results):
    return {row["name"]: row for row in results["scenarios"]}


def _get(row, part, conns, metric):
    try:
        return row[part][str(conns)][metric]
    except (KeyError, TypeError):
        return None


def _fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float) and value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def _ratio(a, b):
    return f"{a / b:.1f}×" if a and b else "–"


def markdown(results):
    m = results["machine"]
    lines = [
        f"# Benchmark {results['date']} — {results['sites']:,} sites (seed {results['seed']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['postgresql']}, PostGIS "
        f"{m['postgis']} (shared_buffers {m['shared_buffers']}, work_mem {m['work_mem']}, jit {m['jit']}); "
        f"Python {m['python']}. Load average at start {m['loadavg_start']}, at end {m.get('loadavg_end')} "
        "(the machine is shared: compare ratios within this run).",
        f"App: gunicorn with production settings, {results.get('app_workers', '?')} workers "
        f"({results.get('app_worker_kind', 'sync')}), lean path {results.get('lean_path', 'on')}; tipg: uvicorn "
        f"{results.get('tipg_workers', '?')} workers. Each figure: median of {results['settings']['repeats']} wrk "
        f"runs of {results['settings']['seconds']} s (pgbench: {results['settings']['sql_seconds']} s) after a "
        "warm-up; latencies in ms.",
        "",
        "## Targets",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        *targets(results),
        "",
        "## Every scenario",
        "",
        "| scenario | conns | p50 | p95 | p99 | req/s | errors | body bytes (mean / max) | with gzip accepted "
        "(mean / max) | worker peak RSS MB | raw SQL p50 | raw SQL req/s | comparator p50 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *scenario_rows(results),
    ]
    if results.get("map_page"):
        page = results["map_page"]
        lines += ["", f"Map page (headless Chromium, loopback, median of {len(page['runs'])}): first sites drawn "
                  f"at {page['first_features_ms']} ms (HTML received at {page['html_ms']} ms, DOMContentLoaded "
                  f"{page['dom_content_loaded_ms']} ms, {page['tile_requests']} tile requests)."]
    if results.get("writes_under_load"):
        summary = results["writes_under_load"]["summary"]
        parts = [f"{kind} p50 {v['p50_ms']} / p95 {v['p95_ms']} ms ({v['requests']} requests, {v['errors']} errors)"
                 for kind, v in summary.items() if kind in ("writes", "reads", "report", "edit")]
        lines += ["", "Writes under read load (bench/mixed_load.py, 16 connections): " + "; ".join(parts) + "."]
    for note in results.get("notes", []):
        lines.append(f"\nNote: {note}")
    return "\n".join(lines) + "\n"


def scenario_rows(results):
    rows = []
    for row in results["scenarios"]:
        for conns in results["settings"]["connections"]:
            if _get(row, "http", conns, "p50_ms") is None and _get(row, "sql", conns, "p50_ms") is None:
                continue
            comp = "–"
            for label, measured in row.get("comparators", {}).items():
                comp = f"{_fmt(measured.get(str(conns), {}).get('p50_ms'))} ({label})"
            sizes = row.get("sizes", {})
            memory = row.get("http", {}).get("memory", {}).get("worker_peak_rss_mb")
            rows.append(
                f"| {row['name']} | {conns} | {_fmt(_get(row, 'http', conns, 'p50_ms'))} "
                f"| {_fmt(_get(row, 'http', conns, 'p95_ms'))} | {_fmt(_get(row, 'http', conns, 'p99_ms'))} "
                f"| {_fmt(_get(row, 'http', conns, 'rps'))} | {_fmt(_get(row, 'http', conns, 'errors'))} "
                f"| {_fmt(sizes.get('body_bytes_mean'))} / {_fmt(sizes.get('body_bytes_max'))} "
                f"| {_fmt(sizes.get('gzip_bytes_mean'))} / {_fmt(sizes.get('gzip_bytes_max'))} | {_fmt(memory)} "
                f"| {_fmt(_get(row, 'sql', conns, 'p50_ms'), 2)} | {_fmt(_get(row, 'sql', conns, 'rps'))} | {comp} |")
    return rows


def _verdict(ok):
    return "met" if ok else "**not met**"


def targets(results):
    named = _by_name(results)
    tiles = [row for row in results["scenarios"] if row["group"] == "tile" and row.get("server") == "app"
             and "http" in row]
    lines = []
    if tiles:
        worst = max(tiles, key=lambda r: _get(r, "http", 4, "p95_ms") or 0)
        answered = [r for r in tiles if "(live)" not in r["name"]]
        worst_answered = max(answered, key=lambda r: _get(r, "http", 4, "p95_ms") or 0) if answered else worst
        biggest = max(r.get("sizes", {}).get("body_bytes_max", 0) for r in tiles)
        p95 = _get(worst_answered, "http", 4, "p95_ms")
        lines.append(f"| tile p95 ≤ 50 ms at 4 connections (zooms 5–14, no filter and the map's filters) | worst "
                     f"{_fmt(p95)} ms ({worst_answered['name']}) | {_verdict(p95 is not None and p95 <= 50)} |")
        if worst is not worst_answered:
            p95 = _get(worst, "http", 4, "p95_ms")
            lines.append(f"| … with a text search (live fallback) | worst {_fmt(p95)} ms ({worst['name']}) "
                         f"| {_verdict(p95 is not None and p95 <= 50)} |")
        lines.append(f"| no tile over 500 KB | largest {biggest / 1024:.0f} KB | {_verdict(biggest <= 500 * 1024)} |")
    lines += _raw_ratio_lines(named) + _aggregate_lines(named) + _peer_lines(named) + _latency_lines(results, named)
    return lines


def _raw_ratio_lines(named):
    lines = []
    for name in ("tile z11", "tile z11 filtered", "tile z14", "tile z14 filtered"):
        row = named.get(name)
        app, raw = _get(row, "http", 1, "p50_ms"), _get(row, "sql", 1, "p50_ms")
        if app and raw:
            limit = 1.2 * raw + 1
            lines.append(f"| {name}: p50 ≤ 1.2 × raw SQL + 1 ms (1 connection) | {app:.1f} ms vs raw {raw:.2f} ms "
                         f"(limit {limit:.1f}) | {_verdict(app <= limit)} |")
    return lines


def _aggregate_lines(named):
    lines = []
    for name in ("tile z5", "tile z5 filtered", "tile z5 freshness", "tile z8", "tile z8 filtered", "tile z8 freshness"):
        row = named.get(name)
        if not row or "on-the-fly aggregation" not in row.get("comparators", {}):
            continue
        app = _get(row, "http", 1, "p50_ms")
        live = row["comparators"]["on-the-fly aggregation"].get("1", {}).get("p50_ms")
        if app and live:
            lines.append(f"| {name}: ≥ 20× faster than on-the-fly SQL aggregation (p50, 1 connection) | {app:.1f} ms "
                         f"vs {live:,.0f} ms: {live / app:.0f}× | {_verdict(live / app >= 20)} |")
    return lines


def _peer_lines(named):
    lines = []
    for ours, theirs in TIPG_ZOOMS.items():
        a, b = _get(named.get(ours), "http", 4, "rps"), _get(named.get(theirs), "http", 4, "rps")
        if a and b:
            lines.append(f"| {ours} throughput ≥ 5 × tipg (4 connections) | {a:,.0f} vs {b:,.0f} req/s: "
                         f"{_ratio(a, b)} | {_verdict(a / b >= 5)} |")
    lines += _ogc_lines(named)
    row = named.get("list 1,000 features (bbox + filters)")
    app, raw = _get(row, "http", 1, "p50_ms"), _get(row, "sql", 1, "p50_ms")
    if app and raw:
        limit = 1.5 * raw + 2
        lines.append(f"| 1,000-feature GeoJSON p50 ≤ 1.5 × its SQL + 2 ms (1 connection) | {app:.1f} vs SQL {raw:.1f} "
                     f"ms (limit {limit:.1f}) | {_verdict(app <= limit)} |")
    a, b = _get(row, "http", 4, "rps"), _get(named.get("drf-gis list 1,000 features"), "http", 4, "rps")
    if a and b:
        lines.append(f"| 1,000-feature GeoJSON ≥ 10 × the req/s of a drf-gis list (4 connections) | {a:,.1f} vs "
                     f"{b:,.1f} req/s: {_ratio(a, b)} | {_verdict(a / b >= 10)} |")
    return lines


def _ogc_lines(named):
    """Issue 13's targets: OGC items with a CQL2 filter against their own SQL, and against tipg's items."""
    lines = []
    row = named.get("OGC items 1,000 with a CQL2 filter")
    app, raw = _get(row, "http", 1, "p50_ms"), _get(row, "sql", 1, "p50_ms")
    if app and raw:
        limit = 1.5 * raw + 2
        lines.append(f"| OGC items (1,000, CQL2 filter) p50 ≤ 1.5 × its SQL + 2 ms (1 connection) | {app:.1f} vs SQL "
                     f"{raw:.1f} ms (limit {limit:.1f}) | {_verdict(app <= limit)} |")
    a, b = _get(row, "http", 4, "rps"), _get(named.get("tipg OGC items 1,000 with a CQL2 filter"), "http", 4, "rps")
    if a and b:
        lines.append(f"| OGC items throughput ≥ 5 × tipg's (4 connections) | {a:,.1f} vs {b:,.1f} req/s: "
                     f"{_ratio(a, b)} | {_verdict(a / b >= 5)} |")
    return lines


def _latency_lines(results, named):
    lines = []
    for name, label, limit in (("stats region × kind × status", "counts per region × kind × status p50 ≤ 5 ms", 5),
                               ("stats filtered", "… with filters (inner areas, statuses)", 5),
                               ("stats freshness", "… with a freshness filter (ageing, stale)", 5),
                               ("site detail", "site detail p50 ≤ 10 ms", 10)):
        p50 = _get(named.get(name), "http", 1, "p50_ms")
        if p50 is not None:
            lines.append(f"| {label} (1 connection) | {p50:.1f} ms | {_verdict(p50 <= limit)} |")
    if results.get("map_page"):
        ms = results["map_page"]["first_features_ms"]
        lines.append(f"| map page: first features drawn ≤ 1.5 s | {ms:,} ms | {_verdict(ms <= 1500)} |")
    if results.get("writes_under_load"):
        verdict = results["writes_under_load"]["verdict"]
        lines.append(f"| write p95 ≤ 200 ms while 16 connections read, 0 errors | p95 {verdict['write_p95_ms']} ms, "
                     f"{verdict['errors']} errors | {_verdict(verdict['pass'])} |")
    return lines
