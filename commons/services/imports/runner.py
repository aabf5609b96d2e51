"""Running an import: batches in their own transactions, progress kept in the ImportRun, rejects in a CSV file.

A batch is all-or-nothing: its sites, and the run's counters that count them, commit together. A run killed
halfway (even by SIGKILL) leaves only whole batches, and running it again completes it (the committed rows
are then unchanged, the rest created).
"""

import csv
import datetime as dt
import os
import socket
import time
import dataclasses
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commons.models import ImportRun
from commons.services.territory import territory_problems

from .errors import ImportFailure
from .placement import SAMPLE_ATTEMPTS, MunicipalityShapes, place_points
from .upsert import Record, confirm_present, mark_missing, plan_batch, write_plan

try:  # the audit trail names the import run as the context of every site it writes
    import pghistory
except ImportError:  # pragma: no cover
    pghistory = None

DEFAULT_BATCH_SIZE = 500
REPORT_SAMPLE = 200  # rejected rows and conflicts kept in ImportRun.report (all of them go to the CSV file)


@dataclass
class Rejection:
    number: int
    source_id: str
    code: str
    message: str
    field: str = ""
    attributes: dict = dataclasses.field(default_factory=dict)

    def as_dict(self):
        return {"row": self.number, "source_id": self.source_id, "code": self.code, "field": self.field,
                "message": self.message}


class RejectsWriter:
    """The rejected-rows CSV: row, id, code, field, reason, then the row's own columns as read."""

    def __init__(self, path, columns):
        self.columns = [c for c in columns if c not in ("row", "source_id", "code", "field", "reason")]
        self.handle = open(path, "w", newline="", encoding="utf-8") if path else None
        if self.handle:
            self.writer = csv.writer(self.handle)
            self.writer.writerow(["row", "source_id", "code", "field", "reason", *self.columns])

    def write(self, rejections):
        if not self.handle:
            return
        for item in rejections:
            cells = ["" if item.attributes.get(c) is None else item.attributes.get(c) for c in self.columns]
            self.writer.writerow([item.number, item.source_id, item.code, item.field, item.message, *cells])
        self.handle.flush()

    def flush(self):
        if self.handle:
            self.handle.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.handle:
            self.handle.close()


@dataclass
class Job:
    """Everything a run needs besides its rows."""

    run: ImportRun
    rejects: RejectsWriter
    batch_size: int = DEFAULT_BATCH_SIZE
    territory: set = None  # municipality codes a municipality's staff may import into; None = anywhere
    progress: object = None  # callable(n) after each batch
    throttle: float = 0.0  # seconds to wait between batches (gentle imports on a busy server)
    before_finish: object = None  # callable() run after the last batch, before the run is marked done
    shapes: MunicipalityShapes = field(default_factory=MunicipalityShapes)
    seen: set = field(default_factory=set)  # ids accepted so far (a second row with one of them is rejected)
    in_file: set = field(default_factory=set)  # every id the file holds, accepted or not


def start_run(run, *, total, details=None):
    mark_interrupted_runs()
    run.total_rows = total
    run.status = ImportRun.Status.RUNNING
    run.report = {**(run.report or {}), **(details or {}), "pid": os.getpid(), "host": socket.gethostname(),
                  "rejected_rows": [], "conflicts": [], "rejected_by_code": {}}
    run.save(update_fields=["total_rows", "status", "report"])


def run_records(job, items):
    """Consume Records and Rejections in batches; returns the finished ImportRun."""
    batch, rejections = [], []
    for item in items:
        job.in_file.add(item.source_id)
        if isinstance(item, Rejection):
            rejections.append(item)
        elif item.source_id in job.seen:
            rejections.append(Rejection(item.number, item.source_id, "duplicate_id",
                                        _("This id already appeared earlier in the file."), "source_id",
                                        item.attributes))
        else:
            job.seen.add(item.source_id)
            batch.append(item)
        if len(batch) + len(rejections) >= job.batch_size:
            _flush(job, batch, rejections)
            batch, rejections = [], []
    _flush(job, batch, rejections)
    if job.before_finish:
        job.rejects.flush()
        job.before_finish()
    return finish_run(job.run, not_in_file=_not_in_file(job), marked_missing=_mark_missing(job))


def as_of(run):
    """The dataset's date a run confirms its sites as of: options["as_of"] (ISO date, midnight UTC), else the
    run's start."""
    day = (run.options or {}).get("as_of")
    if day:
        return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.min, tzinfo=dt.timezone.utc)
    return run.created_at or timezone.now()


def _mark_missing(job):
    """A full import (options["full"]) marks the dataset's sites the file no longer holds (never deletes them)."""
    if job.run.dry_run or not (job.run.options or {}).get("full"):
        return 0
    with transaction.atomic(), _audit_context(job.run):
        _lock_dataset(job.run.dataset_id)
        return mark_missing(job.run.dataset_id, job.in_file - {""})


def _not_in_file(job):
    """Sites of this dataset the file no longer lists (kept: for ANBSC, usually assigned since)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM commons_site WHERE source = %s AND source_id <> '' "
                       "AND NOT (source_id = ANY(%s))", [job.run.dataset_id, sorted(job.in_file - {""})])
        return cursor.fetchone()[0]


def _flush(job, batch, rejections):
    if not batch and not rejections:
        return
    run, processed = job.run, len(batch) + len(rejections)
    with transaction.atomic(), _audit_context(run):
        _lock_dataset(run.dataset_id)
        valid, refused = place_records(job, batch)
        rejections = rejections + refused
        plan = plan_batch(run.dataset_id, valid, lock=not run.dry_run)
        if not run.dry_run:
            write_plan(run.dataset_id, plan, as_of=as_of(run))
            confirm_present(run.dataset_id, [record.source_id for record in valid], as_of(run))
        _count(run, plan, rejections, processed)
    job.rejects.write(rejections)
    if job.progress:
        job.progress(processed)
    if job.throttle:
        time.sleep(job.throttle)


def _audit_context(run):
    if pghistory is None:
        from contextlib import nullcontext

        return nullcontext()
    return pghistory.context(import_run=run.pk, dataset=run.dataset_id, dry_run=run.dry_run)


def _lock_dataset(slug):
    """Two runs of the same dataset take turns batch by batch, so neither inserts what the other just did."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"import:{slug}"])


def place_records(job, records):
    """Put each record in its municipality (bulk spatial join); returns (placed records, rejections)."""
    records, refused = _in_territory(records)
    by_code = [r for r in records if r.istat and r.location is None]
    known = job.shapes.known({r.istat for r in by_code})
    for record in by_code:
        if record.istat not in known:
            refused.append(_reject(record, "unknown_municipality", _("No municipality has ISTAT code %(code)s.")
                                   % {"code": record.istat}, "istat"))
    candidates = [r for r in records if not (r.istat and r.istat not in known)]
    _sample(job.shapes, [r for r in candidates if r.istat and r.location is None], 0)
    _place(candidates)
    for attempt in range(1, 4):  # a sampled point in an overlap of simplified borders: draw again
        stray = [r for r in candidates if r.istat and (r.placement is None or r.placement.municipality != r.istat)]
        if not stray:
            break
        _sample(job.shapes, stray, attempt)
        _place(stray)
    placed = []
    for record in candidates:
        problem = _placement_problem(job, record)
        if problem:
            refused.append(_reject(record, *problem))
        else:
            placed.append(record)
    return placed, refused


def _in_territory(records):
    """Rows whose geometry is too large or outside Italy's territory are refused, with the services' own error
    (commons.services.territory); rows placed by ISTAT code get their point inside the municipality later."""
    problems = territory_problems([r.outline or r.location for r in records])
    kept, refused = [], []
    for record, problem in zip(records, problems):
        if problem is None:
            kept.append(record)
        else:
            refused.append(_reject(record, problem.code, problem.messages[0], problem.field))
    return kept, refused


def _sample(shapes, records, attempt):
    if not records:
        return
    from django.contrib.gis.geos import Point

    xs, ys = shapes.points([r.istat for r in records], [r.source_id for r in records], attempt * SAMPLE_ATTEMPTS)
    for record, x, y in zip(records, xs, ys):
        record.location = Point(float(x), float(y), srid=4326)


def _place(records):
    for record, placement in zip(records, place_points([r.location for r in records])):
        record.placement = placement


def _placement_problem(job, record):
    if record.placement is None:
        return ("out_of_bounds", _("This place is outside Italy: the registry only holds sites on Italian territory."),
                "outline" if record.outline else "location")
    if record.istat and record.placement.municipality != record.istat:
        return ("placement_failed", _("No point inside municipality %(code)s could be placed.")
                % {"code": record.istat}, "istat")
    if job.territory is not None and record.placement.municipality not in job.territory:
        return ("outside_territory", _("This place is outside the territory you may import into."), "location")
    return None


def _reject(record, code, message, field_name):
    return Rejection(record.number, record.source_id, code, message, field_name, record.attributes)


def _count(run, plan, rejections, processed):
    """Counters and report samples, written in the batch's own transaction."""
    report = run.report
    for item in rejections:
        report["rejected_by_code"][item.code] = report["rejected_by_code"].get(item.code, 0) + 1
    report["rejected_rows"] = (report["rejected_rows"] + [r.as_dict() for r in rejections])[:REPORT_SAMPLE]
    report["conflicts"] = (report["conflicts"] + plan.conflicts)[:REPORT_SAMPLE]
    if run.dry_run:
        _dry_run_samples(report, plan)
    conflicted = len({c["site_id"] for c in plan.conflicts})
    ImportRun.objects.filter(pk=run.pk).update(
        processed_rows=F("processed_rows") + processed, created=F("created") + len(plan.creates),
        updated=F("updated") + len(plan.updates), unchanged=F("unchanged") + plan.unchanged,
        rejected=F("rejected") + len(rejections), conflicts=F("conflicts") + conflicted, report=report,
    )


def _dry_run_samples(report, plan):
    creates = report.setdefault("would_create", [])
    creates.extend({"source_id": r.source_id, "title": r.values.get("title", "")}
                   for r in plan.creates[:max(0, REPORT_SAMPLE - len(creates))])
    updates = report.setdefault("would_update", [])
    updates.extend({"source_id": r.source_id, "fields": changed}
                   for _pk, r, changed, _base in plan.updates[:max(0, REPORT_SAMPLE - len(updates))])


def finish_run(run, *, not_in_file=0, marked_missing=0):
    run.refresh_from_db()
    run.status = ImportRun.Status.DONE
    run.finished_at = timezone.now()
    run.report = {**run.report, "not_in_file": not_in_file, "marked_missing": marked_missing}
    run.save(update_fields=["status", "finished_at", "report"])
    if not run.dry_run:
        run.dataset.last_imported_at = run.finished_at
        run.dataset.save(update_fields=["last_imported_at"])
    return run


def fail_run(run, exc):
    run.refresh_from_db()
    run.status = ImportRun.Status.FAILED
    run.finished_at = timezone.now()
    run.report = {**(run.report or {}), "error": {"code": getattr(exc, "code", "error"), "message": str(exc)}}
    run.save(update_fields=["status", "finished_at", "report"])


def mark_interrupted_runs():
    """Runs left 'running' by a process of this host that no longer exists were killed: say so."""
    host = socket.gethostname()
    for run in ImportRun.objects.filter(status=ImportRun.Status.RUNNING):
        pid = (run.report or {}).get("pid")
        if (run.report or {}).get("host") == host and pid and not _alive(pid):
            fail_run(run, ImportFailure(_("The import process stopped before the end (killed?); run it again to "
                                          "complete it."), code="interrupted"))


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = ["Job", "Record", "Rejection", "RejectsWriter", "fail_run", "run_records", "start_run"]
