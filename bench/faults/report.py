"""bench/results/<date>-faults.{json,md}: every figure, and the table with the targets of issue 17."""

import datetime as dt
import json
from pathlib import Path


def _get(data, dotted, default=None):
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return default
        data = data[part]
    return data


# (run, what, figure's path, test on it, target as written)
TARGETS = [
    ("outage", "5xx other than 503, whole run", "all.5xx_other_than_503", lambda v: v == 0, "0"),
    ("outage", "requests without an answer (refused, reset, hung)", "all.no_answer", lambda v: v == 0, "0"),
    ("outage", "503 without Retry-After", "all.503_without_retry_after", lambda v: v == 0, "0"),
    ("outage", "longest answer during the outage (s)", "during_outage.longest_s", lambda v: v is not None and v <= 1.0, "≤ 1"),
    ("outage", "health answers during the outage", "health_during_outage.statuses", lambda v: set(v) == {"503"}, "503 only"),
    ("outage", "recovery: last failure after PostgreSQL accepts again (s)", "recovery.last_failure_after_s",
     lambda v: v is not None and v <= 5.0, "≤ 5"),
    ("outage", "acknowledged writes lost", "writes.acknowledged_writes_lost", lambda v: v == 0, "0"),
    ("outage", "half-written rows", "writes.half_written", lambda v: v == 0, "0"),
    ("outage", "precomputed counts match the rows", "writes.aggregates_match_rows", lambda v: v is True, "yes"),
    ("kill", "5xx", "all.5xx", lambda v: v == 0, "0"),
    ("kill", "acknowledged writes lost", "writes.acknowledged_writes_lost", lambda v: v == 0, "0"),
    ("kill", "half-written rows", "writes.half_written", lambda v: v == 0, "0"),
    ("kill", "precomputed counts match the rows", "writes.aggregates_match_rows", lambda v: v is True, "yes"),
    ("kill", "sessions left idle in a transaction (samples)", "sessions_left_in_a_transaction", lambda v: v == 0, "0"),
    ("runaway", "5xx other than 503 (exports)", "runaway_exports.5xx_other_than_503", lambda v: v == 0, "0"),
    ("runaway", "exports stopped with 503 query_timeout", "query_timeout_answers", lambda v: v > 0, "> 0"),
    ("runaway", "readers meanwhile: 5xx", "readers_meanwhile.5xx", lambda v: v == 0, "0"),
    ("runaway", "statements running past budget + 1 s (samples)", "statements.samples_with_a_statement_past_limit",
     lambda v: v == 0, "0"),
    ("slow", "through nginx: probes' 5xx", "through_nginx.probes.5xx", lambda v: v == 0, "0"),
    ("slow", "through nginx: probes without an answer", "through_nginx.probes.no_answer", lambda v: v == 0, "0"),
]


def verdicts(results):
    rows = []
    for run, what, dotted, test, target in TARGETS:
        if run not in results["runs"] or "error" in results["runs"][run]:
            continue
        value = _get(results["runs"][run], dotted)
        rows.append((run, what, value, target, bool(test(value)) if value is not None else False))
    return rows


def passed(results):
    return all(row[4] for row in verdicts(results)) and not any("error" in r for r in results["runs"].values())


def _figures(run, data):
    keys = {
        "outage": ["timeline_s", "all", "during_outage", "health_during_outage", "recovery", "writes"],
        "kill": ["kills", "workers_at_end", "cut_by_a_kill", "all", "writes"],
        "runaway": ["budget_ms", "unbounded_exports", "runaway_exports", "slow_csv_download", "readers_meanwhile",
                    "statements", "exports_under_budget"],
        "slow": ["workers", "through_nginx", "straight_at_gunicorn"],
    }.get(run, list(data))
    return [f"- **{key}**: `{json.dumps(data.get(key), ensure_ascii=False)}`" for key in keys if key in data]


def markdown(results):
    machine = results.get("machine", {})
    lines = [f"# Fault runs {results['started']}", "",
             f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores; {machine.get('postgresql')}; Python "
             f"{machine.get('python')}; {machine.get('sites')} sites. Load average at start {machine.get('loadavg_start')}, "
             f"at end {machine.get('loadavg_end')} (shared machine).", ""]
    cost = results.get("budget_cost")
    if cost:
        lines += [f"A `SET statement_timeout` through Django's cursor costs {cost['set_statement_timeout_us']} µs a "
                  f"statement (`SELECT 1`: {cost['select_1_us']} µs): what a budget set per request would add to every "
                  "read; set once per connection it costs reads nothing.", ""]
    lines += ["| run | figure | measured | target | verdict |", "|---|---|---|---|---|"]
    for run, what, value, target, ok in verdicts(results):
        lines.append(f"| {run} | {what} | {json.dumps(value, ensure_ascii=False)} | {target} | {'met' if ok else '**not met**'} |")
    for run, data in results["runs"].items():
        lines += ["", f"## {run} (started {data.get('started', 'before this invocation')}, {data.get('took_s')} s, "
                      f"load average after {data.get('loadavg_after')})", ""]
        lines += [f"- **error**: {data['error']}"] if "error" in data else _figures(run, data)
    return "\n".join(lines) + "\n"


def write(results, folder):
    """Write the day's files; runs done earlier that day by another invocation (`--only`) are kept."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{dt.date.today().isoformat()}-faults"
    json_path, md_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    if json_path.exists():
        earlier = json.loads(json_path.read_text())
        results["runs"] = {**earlier.get("runs", {}), **results["runs"]}
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(results))
    return json_path, md_path
