import os
import tempfile
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from commons.models import ImportRun
from commons.services.imports import ImportFailure, anbsc_dataset, import_anbsc, local_copy
from commons.services.imports.summary import rejection_lines, stale_code_lines, summary_lines


def _iso_date(value):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise CommandError(f"--as-of must be a date like 2026-01-31, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Import ANBSC's confiscated properties under management (immobili_in_gestione.csv, CC BY 4.0), placed in "
        "their municipality. Idempotent: a re-run creates nothing and keeps edits made in the registry. The file is "
        "the whole register: properties it holds are confirmed as of --as-of, those it no longer holds are marked "
        "'no longer in the source' (never deleted)."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", help="Path or http(s) URL of the CSV (default: REGISTRY_ANBSC_FILE).")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")
        parser.add_argument("--rejects", help="Write rows that cannot be imported to this CSV file.")
        parser.add_argument("--batch-size", type=int, default=2000, help="Rows per transaction (default 2000).")
        parser.add_argument("--as-of", type=_iso_date, help="The file's date (YYYY-MM-DD): the properties it holds "
                                                          "count as confirmed on that day (default: today).")

    def handle(self, *args, source=None, dry_run=False, rejects=None, batch_size=2000, as_of=None, **options):
        source = source or getattr(settings, "REGISTRY_ANBSC_FILE", "") or os.environ.get("REGISTRY_ANBSC_FILE", "")
        if not source:
            raise CommandError("Give the ANBSC file (path or URL) or set REGISTRY_ANBSC_FILE.")
        started = time.monotonic()
        bar = tqdm(unit="rows", disable=options["verbosity"] == 0)
        try:
            with tempfile.TemporaryDirectory(prefix="beco-anbsc-") as tmp:
                path = local_copy(source, tmp)
                run = ImportRun.objects.create(dataset=anbsc_dataset(), dry_run=dry_run,
                                               options={"source": str(source), "batch_size": batch_size,
                                                        "full": True, "as_of": as_of})
                run = import_anbsc(run, path, rejects_path=rejects, batch_size=batch_size, progress=bar.update,
                                   on_start=lambda total: bar.reset(total=total))
        except ImportFailure as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from None
        finally:
            bar.close()
        self._report(run, time.monotonic() - started, rejects)

    def _report(self, run, seconds, rejects):
        stale = stale_code_lines(run)
        if stale:
            self.stdout.write(self.style.WARNING(f"{len(run.report['stale_codes'])} rows carry ISTAT codes of "
                                                 "municipalities that no longer exist:"))
            self.stdout.write("\n".join(stale))
        for line in rejection_lines(run) if not rejects else []:
            self.stdout.write(self.style.WARNING(line))
        lines = summary_lines(run, seconds=seconds)
        self.stdout.write(self.style.SUCCESS(lines[0]))
        self.stdout.write("\n".join(lines[1:]))
        self.stdout.write(f"Import run #{run.pk}.")
