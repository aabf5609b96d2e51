"""Which CQL2 parser the OGC face uses, measured: developmentseed's cql2 (Rust) against pygeofilter (Python, lark).

    .venv/bin/python bench/cql2_parsers.py

Prints, per parser: microseconds per parse of three typical filters (text; and JSON), what each says of five
malformed filters (the position it names), whether it reads the standard's CQL2-JSON `between`, and the deepest
parenthesised filter it survives. The deep cases run in child processes: cql2 0.6 crashes (SIGSEGV) there.
"""

import json
import subprocess
import sys
import time

TYPICAL = [
    "kind = 'building' AND status IN ('reported','verified') AND land_area_m2 BETWEEN 100 AND 5000",
    "CASEI(title) LIKE CASEI('%scuola%') OR S_INTERSECTS(geometry, POLYGON((12 41, 13 41, 13 42, 12 42, 12 41)))",
    "S_INTERSECTS(geometry, BBOX(12,41,13,42)) AND updated_at > TIMESTAMP('2024-01-01T00:00:00Z')",
]
MALFORMED = ["kind = 'building' AND", "kind == 'x'", "title LIKE", "S_INTERSECTS(geometry, POLYGON((1 2, 3",
             "kind = 1 AND ((status = 2)"]
PARSERS = {
    "cql2": "import cql2; parse = lambda text: cql2.parse_text(text).to_json()",
    "pygeofilter": "from pygeofilter.parsers.cql2_text import parse",
}


def timed(parse, texts, rounds=300):
    for text in texts:
        parse(text)
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            parse(text)
    return (time.perf_counter() - started) / (rounds * len(texts)) * 1e6


def survives(setup, depth):
    code = f"{setup}\nparse('(' * {depth} + 'kind = 1' + ')' * {depth})"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, check=False)
    return "ok" if result.returncode == 0 else ("error" if result.returncode == 1 else f"crash ({result.returncode})")


def main():
    import cql2

    standard_json = cql2.parse_text(TYPICAL[0]).to_json()
    for name, setup in PARSERS.items():
        scope = {}
        try:
            exec(setup, scope)  # noqa: S102 - the two fixed lines above
        except ImportError:
            print(f"{name}: not installed")
            continue
        parse = scope["parse"]
        print(f"{name}: {timed(parse, TYPICAL):.1f} µs per typical text filter")
        for text in MALFORMED:
            try:
                parse(text)
                print(f"  {text!r}: accepted")
            except Exception as exc:  # noqa: BLE001 - whatever each parser raises is the point
                print(f"  {text!r}: {type(exc).__name__}: {' '.join(str(exc).split())[:110]}")
        print("  deep parentheses:", {depth: survives(setup, depth) for depth in (300, 1000, 3000)})
    print(f"cql2 JSON: {timed(lambda t: cql2.parse_json(t).to_json(), [json.dumps(standard_json)]):.1f} µs")
    try:
        from pygeofilter.parsers.cql2_json import parse as pygeofilter_json

        pygeofilter_json(standard_json)
        print("pygeofilter reads the standard CQL2-JSON between")
    except ImportError:
        pass
    except Exception as exc:  # noqa: BLE001
        print(f"pygeofilter fails on the standard CQL2-JSON between: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
