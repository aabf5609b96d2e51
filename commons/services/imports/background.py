"""Runs started from the web page: stored as a pending ImportRun, executed by `manage.py run_import ID`.

The web process launches that command detached (double fork: it survives the request and leaves no zombie);
the command records its progress in the ImportRun, which the page polls.
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from commons.models import ImportRun

from .errors import ImportFailure
from .files import import_file
from .runner import fail_run

# The intermediate process starts the real one in its own session and exits at once.
_DETACH = "import subprocess, sys; subprocess.Popen(sys.argv[1:], start_new_session=True, close_fds=True)"


def launch_run(run):
    """Start a pending run in the background (or at once when settings.REGISTRY_IMPORT_INLINE is true)."""
    if getattr(settings, "REGISTRY_IMPORT_INLINE", False):
        try:
            run_in_foreground(run.pk)
        except ImportFailure:
            pass  # recorded in the run, which the page shows
        return
    log_path = _log_path(run)
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "run_import", str(run.pk)]
    try:
        with open(log_path, "ab") as log:
            subprocess.run([sys.executable, "-c", _DETACH, *command], stdin=subprocess.DEVNULL, stdout=log,
                           stderr=log, cwd=settings.BASE_DIR, env=_child_environment(), check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        fail_run(run, ImportFailure(_("The import could not be started in the background (%(reason)s).")
                                    % {"reason": exc}, code="launch_failed"))


def _child_environment():
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url()
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)  # where the upload was stored (tests move it)
    env.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
    return env


def database_url():
    """The URL of the database this process uses (under tests, the test database, not DATABASE_URL's)."""
    db = connection.settings_dict
    current = os.environ.get("DATABASE_URL", "")
    if current and current.rsplit("/", 1)[-1].split("?")[0] == db["NAME"]:
        return current
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgis://{credentials}@{host}{port}/{db['NAME']}"


def _log_path(run):
    """Background runs log here, outside the public media folder."""
    directory = Path(getattr(settings, "REGISTRY_IMPORT_LOG_DIR", Path(settings.BASE_DIR) / "var" / "import-logs"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{run.pk}.log"


def claim(run_id):
    """Mark a pending run as taken; a run is executed at most once."""
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.PENDING).update(
        status=ImportRun.Status.RUNNING)
    if not claimed:
        raise ImportFailure(_("Import run %(id)s is not pending (already started or finished).") % {"id": run_id},
                            code="not_pending")
    return ImportRun.objects.select_related("dataset").get(pk=run_id)


@contextmanager
def _local_file(field_file):
    """A local path for the uploaded file, whatever the storage (a temporary copy when it is S3)."""
    try:
        yield field_file.path
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(suffix=Path(field_file.name).suffix) as copy:
        with field_file.open("rb") as source:
            shutil.copyfileobj(source, copy)
        copy.flush()
        yield copy.name


def _keep_rejects(run, local_path):
    """Store the rejected-rows CSV in the media storage (a random part keeps its name unguessable)."""
    if not Path(local_path).is_file() or Path(local_path).stat().st_size == 0:
        return
    with open(local_path, "rb") as handle:
        name = default_storage.save(f"imports/rejects/{run.pk}-{secrets.token_hex(8)}.csv", File(handle))
    run.refresh_from_db(fields=["report"])
    run.report = {**run.report, "rejects_file": name}
    run.save(update_fields=["report"])


def run_in_foreground(run_id, *, progress=None, on_start=None):
    """Execute a stored run: its uploaded file, with the options the page recorded."""
    run = claim(run_id)
    options = run.options or {}
    territory = set(options["territory"]) if options.get("territory") is not None else None
    language = options.get("language") or settings.LANGUAGE_CODE
    with ExitStack() as stack:
        rejects = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="beco-rejects-"))) / "rejects.csv"
        try:
            path = stack.enter_context(_local_file(run.file))
            with translation.override(language):  # reasons in the language of the person who uploaded
                # The CSV is stored before the run is marked done, so a page that sees "done" finds it.
                return import_file(run, path, mapping=options.get("mapping") or {}, crs=options.get("crs"),
                                   rejects_path=rejects, territory=territory, progress=progress, on_start=on_start,
                                   before_finish=lambda: _keep_rejects(run, rejects))
        except Exception as exc:  # e.g. the uploaded file is gone: the run must not stay "running"
            fail_run(run, exc)
            _keep_rejects(run, rejects)
            raise
