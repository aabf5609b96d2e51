"""The closing lines of an import, for commands and logs."""

from django.utils.translation import gettext as _

SHOWN_REJECTIONS = 20


def summary_lines(run, *, seconds=None):
    """Human-readable summary of a finished ImportRun (counters, reasons for rejections, conflicts)."""
    verb = _("would be") if run.dry_run else _("were")
    lines = [
        _("%(dataset)s: %(total)d rows read; %(created)d %(verb)s created, %(updated)d %(verb)s updated, "
          "%(unchanged)d unchanged, %(rejected)d rejected; %(conflicts)d sites with fields edited in the registry "
          "kept (conflicts).")
        % {"dataset": run.dataset_id, "total": run.processed_rows, "created": run.created, "updated": run.updated,
           "unchanged": run.unchanged, "rejected": run.rejected, "conflicts": run.conflicts, "verb": verb}
    ]
    report = run.report or {}
    for code, count in sorted(report.get("rejected_by_code", {}).items()):
        lines.append(_("  rejected %(count)d × %(code)s") % {"count": count, "code": code})
    for conflict in report.get("conflicts", [])[:SHOWN_REJECTIONS]:
        lines.append(_("  conflict: %(source_id)s field %(field)s — registry %(registry)r, dataset %(source)r")
                     % {key: str(value)[:80] for key, value in conflict.items()})
    if report.get("not_in_file") and run.dry_run and (run.options or {}).get("full"):
        lines.append(_("  %(count)d sites of this dataset are not in this file any more: as a full import, it would "
                       "mark those not yet marked as no longer in the source (kept in the registry).")
                     % {"count": report["not_in_file"]})
    elif report.get("not_in_file"):
        lines.append(_("  %(count)d sites of this dataset are not in this file any more (kept in the registry).")
                     % {"count": report["not_in_file"]})
    if report.get("marked_missing"):
        lines.append(_("  %(count)d sites marked as no longer in the source (listed for moderators).")
                     % {"count": report["marked_missing"]})
    if seconds is not None:
        lines.append(_("Finished in %(seconds).1f s.") % {"seconds": seconds})
    if run.dry_run:
        lines.append(_("Dry run: nothing was written."))
    return lines


def rejection_lines(run):
    return [_("  row %(row)s (%(source_id)s): %(code)s — %(message)s") % {k: v or "-" for k, v in item.items()}
            for item in (run.report or {}).get("rejected_rows", [])[:SHOWN_REJECTIONS]]


def stale_code_lines(run):
    """ANBSC rows whose municipality code changed: grouped by old code, each with its ids."""
    groups = {}
    for item in (run.report or {}).get("stale_codes", []):
        key = (item["codistat"], item["comune"], item["resolution"], item["code"] or "", item["municipality"])
        groups.setdefault(key, []).append(item["s_bene"])
    lines = []
    for (old, name, how, code, municipality), ids in sorted(groups.items()):
        target = f"{municipality} ({code}) [{how}]" if code else _("NOT RESOLVED — not imported")
        lines.append(f"  {name} ({old}) → {target}: {len(ids)} " + _("rows") + ": " + ", ".join(ids))
    return lines


def dry_run_lines(run):
    """What a dry run would create and update (the first rows of each)."""
    report = run.report or {}
    lines = [_("  would create %(source_id)s: %(title)s") % item for item in report.get("would_create", [])[:20]]
    lines += [_("  would update %(source_id)s: %(fields)s") % {"source_id": item["source_id"],
                                                               "fields": ", ".join(item["fields"])}
              for item in report.get("would_update", [])[:20]]
    return lines
