import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from commons.services.boundaries import BoundaryError, download_layers, load_boundaries


class Command(BaseCommand):
    help = (
        "Load Italy's regions, provinces and municipalities (ISTAT/Openpolis, CC BY 4.0) and the SNAI "
        "inner-areas classes. Idempotent: updates by ISTAT code."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", help="Folder with it_regions/provinces/municipalities.geojson "
                            "(default: REGISTRY_BOUNDARIES_DIR, else download from Openpolis).")
        parser.add_argument("--snai-dir", help="Folder with the SNAI CSV (default: REGISTRY_SNAI_DIR).")

    def handle(self, *args, directory=None, snai_dir=None, **options):
        directory = directory or settings.REGISTRY_BOUNDARIES_DIR
        snai_dir = snai_dir or settings.REGISTRY_SNAI_DIR or None
        show_progress = options["verbosity"] > 0
        progress = (lambda it, **kw: tqdm(it, disable=not show_progress, **kw))
        try:
            with tempfile.TemporaryDirectory() as tmp:
                if not directory:
                    self.stdout.write("No REGISTRY_BOUNDARIES_DIR set: downloading the Openpolis files.")
                    directory = download_layers(tmp, log=self.stdout.write)
                if not Path(directory).is_dir():
                    raise CommandError(f"{directory} is not a directory (set REGISTRY_BOUNDARIES_DIR).")
                if snai_dir and not os.path.isdir(snai_dir):
                    raise CommandError(f"{snai_dir} is not a directory (set REGISTRY_SNAI_DIR).")
                report = load_boundaries(directory, snai_dir=snai_dir, progress=progress)
        except BoundaryError as exc:
            raise CommandError(str(exc)) from exc
        for repair in report.repairs:
            self.stdout.write(self.style.WARNING(f"Repaired {repair}"))
        for label in report.unclassified:
            self.stdout.write(self.style.WARNING(f"No inner-areas class for {label} (shown as unclassified)"))
        self.stdout.write(self.style.SUCCESS(f"Boundaries loaded — {report.summary()}."))
