"""Importing datasets of dormant assets: ANBSC, and any GeoJSON / GeoPackage / Shapefile / CSV.

Entry points (see each module): `import_file` and `import_anbsc` run an ImportRun over a file, idempotently
(upsert on source + source id, registry edits kept and reported as conflicts); `site_provenance` says which
fields of a site came from its dataset and which from people; `launch_run` starts a run in the background;
`import_run_start` / `import_run_confirm` (runs.py) are what the import page calls, with the actor.
"""

from .anbsc import anbsc_dataset, import_anbsc
from .background import launch_run, run_in_foreground
from .errors import ImportFailure, RowRejected
from .files import import_file
from .provenance import datasets_by_slug, site_provenance
from .sources import dataset_for, local_copy

__all__ = [
    "ImportFailure",
    "RowRejected",
    "anbsc_dataset",
    "dataset_for",
    "datasets_by_slug",
    "import_anbsc",
    "import_file",
    "launch_run",
    "local_copy",
    "run_in_foreground",
    "site_provenance",
]
