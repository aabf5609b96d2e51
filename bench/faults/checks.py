"""What the fault runs measure: answers during and after a fault, acknowledged writes against the rows, rows
written halfway, and statements PostgreSQL kept running for the app."""

import json
import threading
import time

import psycopg

from bench.faults.client import MARKER


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, max(0, int(share * len(ordered) + 0.999999) - 1))], 3)


def _truncated(answer):
    return answer.status is None and (answer.error or "").startswith("IncompleteRead")


def answers_summary(answers):
    statuses = {}
    for answer in answers:
        key = str(answer.status) if answer.status is not None else "truncated" if _truncated(answer) else "no answer"
        statuses[key] = statuses.get(key, 0) + 1
    seconds = [a.seconds for a in answers]
    return {
        "requests": len(answers), "statuses": dict(sorted(statuses.items())),
        "5xx": sum(1 for a in answers if a.status and a.status >= 500),
        "5xx_other_than_503": sum(1 for a in answers if a.status and a.status >= 500 and a.status != 503),
        "503_without_retry_after": sum(1 for a in answers if a.status == 503 and not a.retry_after),
        "no_answer": sum(1 for a in answers if a.status is None and not _truncated(a)),
        "truncated": sum(1 for a in answers if _truncated(a)),
        "codes_503": sorted({a.code for a in answers if a.status == 503 and a.code}),
        "p50_s": percentile(seconds, 0.5), "p95_s": percentile(seconds, 0.95),
        "longest_s": round(max(seconds), 3) if seconds else None,
        "errors_sample": sorted({a.error for a in answers if a.error})[:5],
    }


def check_writes(dsn, creates, edits):
    """Acknowledged writes missing from the rows (target 0), failed ones that committed anyway (whole: their
    answer was lost on the way), and rows written halfway (target 0)."""
    with psycopg.connect(dsn) as conn:
        sites = {row[0]: row[1:] for row in conn.execute(
            "SELECT id, municipality_id, region_id, description FROM commons_site WHERE title = %s", [MARKER])}
        keys = {key: (status, body) for key, status, body in conn.execute(
            "SELECT key, status, body FROM commons_idempotencykey WHERE key = ANY(%s)", [[c["key"] for c in creates]])}
        without_event = conn.execute(
            "SELECT count(*) FROM commons_site s WHERE s.title = %s AND NOT EXISTS (SELECT 1 FROM commons_siteevent e "
            "WHERE e.pgh_obj_id = s.id AND e.pgh_label = 'site.create')", [MARKER]).fetchone()[0]
        keys_without_answer = conn.execute(
            "SELECT count(*) FROM commons_idempotencykey WHERE key = ANY(%s) AND status IS NULL",
            [[c["key"] for c in creates]]).fetchone()[0]
    acknowledged = {c["id"] for c in creates if c["acknowledged"]}
    committed_unacknowledged = {json.loads(bytes(keys[c["key"]][1]))["id"] for c in creates
                                if not c["acknowledged"] and keys.get(c["key"], (None,))[0] == 201}
    lost_edits, late_edits = _edits(edits, sites)
    return {
        "acknowledged_creates": len(acknowledged), "failed_creates": sum(not c["acknowledged"] for c in creates),
        "acknowledged_edits": sum(e["acknowledged"] for e in edits), "failed_edits": sum(not e["acknowledged"] for e in edits),
        "acknowledged_writes_lost": len(acknowledged - set(sites)) + lost_edits,
        "failed_writes_committed_whole": len(committed_unacknowledged) + late_edits,
        "rows_without_their_key_or_answer": len(set(sites) - acknowledged - committed_unacknowledged),
        "half_written": sum(1 for municipality, region, _ in sites.values() if municipality is None or region is None)
        + without_event + keys_without_answer,
    }


def _edits(edits, sites):
    """(lost, committed unacknowledged): each client edits its own site in order, so the stored description must be
    the last acknowledged value or one sent after it."""
    by_site = {}
    for edit in edits:
        by_site.setdefault(edit["id"], []).append(edit)
    lost = late = 0
    for site_id, attempts in by_site.items():
        stored = sites.get(site_id, (None, None, None))[2]
        acknowledged = [i for i, e in enumerate(attempts) if e["acknowledged"]]
        values = [e["value"] for e in attempts]
        position = values.index(stored) if stored in values else -1
        if acknowledged and position < acknowledged[-1]:
            lost += 1
        elif position >= 0 and not attempts[position]["acknowledged"]:
            late += 1
    return lost, late


def aggregates_match(manage):
    """`manage.py rebuild_aggregates --check`: the precomputed counts agree with the rows (no half-applied write)."""
    return manage("rebuild_aggregates", "--check").returncode == 0


class StatementSampler(threading.Thread):
    """Every `every` s, the app's statements PostgreSQL is running on `database`: the oldest one's age, and the
    sessions left idle inside a transaction (a write cut off halfway would hold its locks there)."""

    def __init__(self, dsn, database, every=0.25):
        super().__init__(daemon=True)
        self.dsn, self.database, self.every = dsn, database, every
        self.stop_event = threading.Event()
        self.samples = []  # (monotonic, oldest active statement s, idle in transaction)
        self.oldest = None  # (seconds, first 200 characters of the statement, application_name) of the oldest seen

    def run(self):
        query = ("SELECT coalesce(max(extract(epoch FROM now() - query_start)) FILTER (WHERE state = 'active'), 0), "
                 "count(*) FILTER (WHERE state LIKE 'idle in transaction%%' AND now() - state_change > interval '1 s') "
                 "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        which = ("SELECT extract(epoch FROM now() - query_start), left(query, 200), application_name "
                 "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                 "AND state = 'active' ORDER BY query_start LIMIT 1")
        conn = None
        while not self.stop_event.is_set():
            try:
                conn = conn or psycopg.connect(self.dsn, autocommit=True, connect_timeout=2)
                oldest, idle = conn.execute(query, [self.database]).fetchone()
                self.samples.append((time.monotonic(), float(oldest), idle))
                if oldest and (self.oldest is None or float(oldest) > self.oldest[0]):
                    row = conn.execute(which, [self.database]).fetchone()
                    if row:
                        self.oldest = (float(row[0]), row[1], row[2])
            except psycopg.Error:
                conn = None  # the server is down or restarting
            self.stop_event.wait(self.every)
        if conn is not None:
            conn.close()

    def stop(self):
        self.stop_event.set()
        self.join(timeout=10)

    def summary(self, limit_s):
        return {"samples": len(self.samples),
                "oldest_statement_s": round(max((s[1] for s in self.samples), default=0.0), 3),
                "samples_with_a_statement_past_limit": sum(1 for s in self.samples if s[1] > limit_s),
                "limit_s": limit_s,
                "oldest_statement": (None if self.oldest is None else
                                     {"seconds": round(self.oldest[0], 3), "sql": self.oldest[1],
                                      "application_name": self.oldest[2]}),
                "samples_idle_in_transaction": sum(1 for s in self.samples if s[2])}
