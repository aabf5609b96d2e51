"""Where an import's file and dataset come from: a local path or a URL, and the SourceDataset it feeds."""

import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from django.utils.text import slugify
from django.utils.translation import gettext as _

from commons.models import SiteSource, SourceDataset

from .errors import ImportFailure

MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024
DOWNLOAD_TIMEOUT_S = 60
# Sources that are not import datasets (sites people reported, or demo data) cannot be imported into.
RESERVED_SLUGS = {SiteSource.CITIZEN.value, SiteSource.MUNICIPALITY.value, SiteSource.DEMO.value}
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")


def is_url(value):
    return urlparse(str(value)).scheme in ("http", "https")


def local_copy(path_or_url, directory):
    """A local path for a path or an http(s) URL (downloaded into `directory`); ImportFailure when unreachable."""
    if not is_url(path_or_url):
        path = Path(path_or_url)
        if not path.is_file():
            raise ImportFailure(_("%(path)s does not exist or is not a file.") % {"path": path}, code="no_such_file")
        return path
    name = Path(urlparse(path_or_url).path).name or "download"
    target = Path(directory) / name
    try:
        with urllib.request.urlopen(path_or_url, timeout=DOWNLOAD_TIMEOUT_S) as response, open(target, "wb") as sink:
            _copy_bounded(response, sink)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ImportFailure(
            _("Cannot download %(url)s (%(reason)s). Without internet, download the file on another machine and "
              "pass its path instead.") % {"url": path_or_url, "reason": reason}, code="download_failed") from None
    return target


def _copy_bounded(source, sink):
    copied = 0
    while chunk := source.read(1024 * 1024):
        copied += len(chunk)
        if copied > MAX_DOWNLOAD_BYTES:
            raise ImportFailure(_("The download is larger than %(mb)d MB.") % {"mb": MAX_DOWNLOAD_BYTES // 2**20},
                                code="file_too_large")
        sink.write(chunk)


def check_slug(slug, *, allow_reserved=()):
    if not SLUG.match(slug or ""):
        raise ImportFailure(_("The source name must be 2–40 lower-case letters, digits, '-' or '_' (got %(slug)s).")
                            % {"slug": str(slug)[:60]}, code="bad_source")
    if slug in RESERVED_SLUGS or (slug == SiteSource.ANBSC.value and slug not in allow_reserved):
        raise ImportFailure(_("%(slug)s is reserved: choose another source name.") % {"slug": slug},
                            code="reserved_source")
    return slug


def dataset_for(slug, details=None, *, allow_reserved=()):
    """The SourceDataset `slug`, created from `details` (name, licence, attribution...) when it is new."""
    check_slug(slug, allow_reserved=allow_reserved)
    details = {k: v for k, v in (details or {}).items() if v}
    dataset = SourceDataset.objects.filter(slug=slug).first()
    if dataset is None:
        missing = [key for key in ("licence", "attribution") if not details.get(key)]
        if missing:
            raise ImportFailure(_("%(slug)s is a new dataset: give its licence and attribution (mapping file "
                                  "[dataset] or --licence/--attribution) so every site can credit it.")
                                % {"slug": slug}, code="dataset_details_missing")
        details.setdefault("name", slug)
        return SourceDataset.objects.create(slug=slug, **details)
    changed = {k: v for k, v in details.items() if getattr(dataset, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(dataset, key, value)
        dataset.save(update_fields=list(changed))
    return dataset


def slug_for(name, prefix=""):
    return (prefix + slugify(name))[:40].strip("-") or "dataset"


