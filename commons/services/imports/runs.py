"""Runs started by people (the import page): who may import what, the dry run, and its confirmation.

Who may import is POLICY["import.run"] (commons.policy): moderators, and approved municipality staff. What they
may import follows from the role: moderators anywhere, into any dataset but ANBSC's; staff only inside their
municipalities (rows elsewhere are rejected) and only into datasets named after one of them (comune-<ISTAT>-...).

A run is created in a transaction of its own and launched once that has committed: the background process that
executes it (background.launch_run) must see the row.
"""

import uuid
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from commons.errors import ConflictError
from commons.models import ImportRun, MunicipalityStaff, SiteSource, SourceDataset
from commons.policy import can, is_moderator

from .background import launch_run
from .errors import ImportFailure
from .readers import detect_format
from .sources import dataset_for, slug_for


class ImportScope:
    """What `user` may import: everywhere (moderators) or only inside their municipalities."""

    def __init__(self, user):
        if not can(user, "import.run"):
            raise PermissionDenied(_("Only moderators and approved municipality staff can import data."))
        self.user = user
        self.platform = is_moderator(user)
        self.codes = sorted(MunicipalityStaff.objects.filter(user=user, approved=True)
                            .values_list("municipality_id", flat=True))

    @property
    def territory(self):
        return None if self.platform else self.codes

    @staticmethod
    def prefix(code):
        return f"comune-{code}-"

    def datasets(self):
        queryset = SourceDataset.objects.exclude(slug=SiteSource.ANBSC.value).order_by("name")
        if self.platform:
            return list(queryset)
        return [d for d in queryset if any(d.slug.startswith(self.prefix(code)) for code in self.codes)]

    def runs(self):
        runs = ImportRun.objects.select_related("dataset", "started_by")
        return runs if self.platform else runs.filter(started_by=self.user)


def confirmable(run):
    """A finished dry run that was not confirmed yet and still has its file."""
    return (run.dry_run and run.status == ImportRun.Status.DONE and not (run.report or {}).get("confirmed_by_run")
            and bool(run.file))


def import_run_start(*, actor, upload, dataset_slug="", new_dataset=None, crs=None, mapping=None, language="",
                     full=False, as_of=None):
    """Store `upload` and start its dry run, into an existing dataset (`dataset_slug`) or a new one
    (`new_dataset`: name, licence, attribution, publisher, url). `full`: the file is the whole dataset (its sites
    missing from it get marked "no longer in the source"); `as_of`: the ISO date its sites are confirmed as of.
    Raises ImportFailure with a stable code."""
    options = {"crs": crs, "mapping": mapping or {}, "language": language, "full": full, "as_of": as_of}
    run = _create_dry_run(scope=ImportScope(actor), upload=upload, dataset_slug=dataset_slug,
                          new_dataset=new_dataset, options=options)
    launch_run(run)
    run.refresh_from_db()
    return run


@transaction.atomic(durable=True)
def _create_dry_run(*, scope, upload, dataset_slug, new_dataset, options):
    dataset = _dataset(scope, dataset_slug, new_dataset)
    run = ImportRun(dataset=dataset, dry_run=True, started_by=scope.user,
                    options={**options, "territory": scope.territory, "original_name": Path(upload.name).name[:200]})
    run.file.save(f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}", upload, save=False)
    try:
        detect_format(run.file.path)
    except ImportFailure:
        run.file.delete(save=False)
        raise
    run.save()
    return run


def _dataset(scope, slug, details):
    if details is None:
        dataset = SourceDataset.objects.filter(slug=slug).first()
        if dataset is None or dataset not in scope.datasets():
            raise ImportFailure(_("You cannot import into this dataset."), code="invalid_choice")
        return dataset
    prefix = "" if scope.platform else scope.prefix(scope.codes[0])
    slug = slug_for(details["name"], prefix)
    if SourceDataset.objects.filter(slug=slug).exists():
        raise ImportFailure(_("A dataset called %(slug)s already exists: choose it from the list.") % {"slug": slug},
                            code="dataset_exists")
    return dataset_for(slug, details)


def import_run_confirm(*, actor, run_id):
    """Start the real run of a finished dry run that `actor` may see, exactly once.

    The dry run's row is locked while the real run is created, so of two confirms racing (a double click, two
    tabs, two moderators) one starts the run and every other gets ConflictError `not_confirmable`, never a
    second run. Unknown or not visible runs raise ImportRun.DoesNotExist."""
    run = _confirm(scope=ImportScope(actor), run_id=run_id)
    launch_run(run)
    return run


@transaction.atomic(durable=True)
def _confirm(*, scope, run_id):
    dry_run = scope.runs().select_related(None).select_for_update().get(pk=run_id)
    if not confirmable(dry_run):
        raise ConflictError(_("Only a finished dry run can be confirmed, once."), code="not_confirmable")
    run = ImportRun.objects.create(dataset=dry_run.dataset, file=dry_run.file.name, options=dry_run.options,
                                   dry_run=False, started_by=scope.user, report={"confirms_run": dry_run.pk})
    dry_run.report = {**dry_run.report, "confirmed_by_run": run.pk}
    dry_run.save(update_fields=["report"])
    return run
