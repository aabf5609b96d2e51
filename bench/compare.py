"""Two benchmark results side by side: `bench/compare.py BEFORE.json AFTER.json` prints a Markdown table of every
scenario both runs measured (p50, p95, req/s, the load average at each run, the raw SQL p50).

Runs on a shared machine differ by their load: read the load columns before reading a difference as a change.
"""

import json
import sys


def _scenarios(path):
    with open(path) as handle:
        data = json.load(handle)
    return data, {scenario["name"]: scenario for scenario in data["scenarios"]}


def _number(value):
    return "–" if value is None else (f"{value:.1f}" if value < 100 else f"{value:.0f}")


def rows(before, after):
    for name, scenario in before.items():
        http = {conns: figures for conns, figures in scenario.get("http", {}).items() if conns.isdigit()}
        for conns, first in sorted(http.items(), key=lambda item: int(item[0])):
            second = after.get(name, {}).get("http", {}).get(conns)
            if not second or "p50_ms" not in first or "p50_ms" not in second:
                continue
            sql = [(s.get("sql") or {}).get(conns, {}).get("p50_ms") for s in (scenario, after[name])]
            yield (name, conns, first["p50_ms"], second["p50_ms"], first["p95_ms"], second["p95_ms"], first["rps"],
                   second["rps"], first.get("loadavg"), second.get("loadavg"), *sql)


def main(before_path, after_path):
    before_run, before = _scenarios(before_path)
    after_run, after = _scenarios(after_path)
    print(f"Before: {before_path} (load {before_run['machine']['loadavg_start']} → "
          f"{before_run['machine']['loadavg_end']}); after: {after_path} (load {after_run['machine']['loadavg_start']}"
          f" → {after_run['machine']['loadavg_end']}).\n")
    print("| scenario | conns | p50 before | p50 after | p95 before | p95 after | req/s before | req/s after "
          "| load before / after | SQL p50 before / after |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows(before, after):
        name, conns, *figures = row
        cells = [_number(v) for v in figures[:6]]
        loads = f"{_number(figures[6])} / {_number(figures[7])}"
        sql = f"{_number(figures[8])} / {_number(figures[9])}"
        print(f"| {name} | {conns} | {' | '.join(cells)} | {loads} | {sql} |")


if __name__ == "__main__":
    main(*sys.argv[1:3])
