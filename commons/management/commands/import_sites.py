import tempfile
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from commons.models import ImportRun
from commons.services.imports import ImportFailure, dataset_for, import_file, local_copy
from commons.services.imports.mapping import load_mapping_file
from commons.services.imports.summary import dry_run_lines, rejection_lines, summary_lines
from commons.management.commands.import_anbsc import _iso_date


class Command(BaseCommand):
    help = (
        "Import sites from a GeoJSON, GeoPackage, Shapefile (.shp or .zip) or CSV file into a dataset. Idempotent "
        "upsert on (source, id in the source): a re-run creates nothing, updates what changed and keeps fields "
        "edited in the registry (reported as conflicts)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="File path or http(s) URL.")
        parser.add_argument("--source", required=True, help="Dataset slug, e.g. comune-bologna-inventario.")
        parser.add_argument("--mapping", help="Field mapping file (JSON or TOML).")
        parser.add_argument("--crs", help="EPSG code of the coordinates, e.g. 3003 (overrides the file).")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")
        parser.add_argument("--rejects", help="Write rejected rows, with the reason, to this CSV file.")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")
        parser.add_argument("--throttle", type=float, default=0.0, help="Seconds to pause between batches.")
        parser.add_argument("--full", action="store_true",
                            help="The file is the whole dataset: its sites the file no longer holds are marked "
                                 "'no longer in the source'.")
        parser.add_argument("--as-of", type=_iso_date, help="The dataset's date (YYYY-MM-DD): its sites count as "
                                                          "confirmed on that day (default: today).")
        for name in ("name", "licence", "attribution", "publisher", "url"):
            parser.add_argument(f"--{name}", help=f"Dataset {name} (for a new dataset; licence and attribution "
                                                  "are required then).")

    def handle(self, *args, **options):
        started = time.monotonic()
        bar = tqdm(unit="rows", disable=options["verbosity"] == 0)
        try:
            mapping = load_mapping_file(options["mapping"]) if options["mapping"] else {}
            details = {**mapping.get("dataset", {}),
                       **{k: options[k] for k in ("name", "licence", "attribution", "publisher", "url") if options[k]}}
            with tempfile.TemporaryDirectory(prefix="beco-import-") as tmp:
                path = local_copy(options["path"], tmp)
                run = ImportRun.objects.create(
                    dataset=dataset_for(options["source"], details), dry_run=options["dry_run"],
                    options={"path": str(options["path"]), "crs": options["crs"], "mapping": mapping,
                             "full": options["full"], "as_of": options["as_of"]})
                run = import_file(run, path, mapping=mapping, crs=options["crs"], rejects_path=options["rejects"],
                                  batch_size=options["batch_size"], progress=bar.update, throttle=options["throttle"],
                                  on_start=lambda total: bar.reset(total=total))
        except ImportFailure as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from None
        finally:
            bar.close()
        if run.dry_run and options["verbosity"] > 0:
            self.stdout.write("\n".join(dry_run_lines(run)))
        if not options["rejects"] and run.rejected:
            self.stdout.write("\n".join(rejection_lines(run)))
            self.stdout.write("Pass --rejects FILE to get every rejected row with its reason as CSV.")
        lines = summary_lines(run, seconds=time.monotonic() - started)
        self.stdout.write(self.style.SUCCESS(lines[0]))
        self.stdout.write("\n".join(lines[1:] + [f"Import run #{run.pk}."]))
