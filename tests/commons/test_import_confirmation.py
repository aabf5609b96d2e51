"""A re-import that still holds a site confirms it as of the dataset's date; a full re-import that no longer holds
one marks it "no longer in the source" (kept, listed for moderators), and a later import that has it again clears
the mark. Nothing else moves: no version, no updated_at, no extra rows."""

import csv
import datetime as dt

import pytest
from django.core.management import call_command

from commons.freshness import freshness_of
from commons.models import Freshness, ImportRun, Site
from tests.commons.test_import_anbsc import ANBSC_FILE, small_file

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not ANBSC_FILE.is_file(), reason="the shared ANBSC file is not there")]
UTC = dt.timezone.utc


def anbsc(path, *args):
    call_command("import_anbsc", str(path), *args, verbosity=0)
    return ImportRun.objects.filter(dataset_id="anbsc").latest("pk")


def without_rows(path, tmp_path, count):
    """The same file without its last `count` rows (a later edition of the register)."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows, columns = list(reader), reader.fieldnames
    shorter = tmp_path / "shorter.csv"
    with open(shorter, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows[:-count])
    return shorter, {row["s_bene"] for row in rows[-count:]}


def confirmed():
    return dict(Site.objects.filter(source="anbsc").values_list("source_id", "last_confirmed_at"))


def test_an_import_confirms_its_sites_as_of_the_dataset_s_date_and_never_moves_it_back(tmp_path):
    path = small_file(tmp_path)
    anbsc(path, "--as-of", "2024-06-30")
    first = confirmed()
    assert set(first.values()) == {dt.datetime(2024, 6, 30, tzinfo=UTC)}
    assert set(Site.objects.filter(source="anbsc").values_list("last_confirmed_by", flat=True)) == {"dataset"}
    assert freshness_of(next(iter(first.values())), dt.date(2026, 12, 1)) == Freshness.STALE
    versions = dict(Site.objects.filter(source="anbsc").values_list("source_id", "version"))
    run = anbsc(path, "--as-of", "2026-11-15")
    assert run.created == 0 and run.updated == 0
    assert set(confirmed().values()) == {dt.datetime(2026, 11, 15, tzinfo=UTC)}
    assert dict(Site.objects.filter(source="anbsc").values_list("source_id", "version")) == versions
    anbsc(path, "--as-of", "2025-01-01")  # an older edition confirms nothing newer
    assert set(confirmed().values()) == {dt.datetime(2026, 11, 15, tzinfo=UTC)}


def test_a_full_re_import_marks_what_it_no_longer_holds_and_a_later_one_clears_it(tmp_path):
    path = small_file(tmp_path)
    anbsc(path, "--as-of", "2025-01-01")
    shorter, gone = without_rows(path, tmp_path, 3)
    run = anbsc(shorter, "--as-of", "2026-01-01")
    assert run.report["marked_missing"] == 3 and run.report["not_in_file"] == 3
    missing = Site.objects.filter(source="anbsc", missing_from_source_at__isnull=False)
    assert set(missing.values_list("source_id", flat=True)) == gone  # kept, never deleted
    assert all(c == dt.datetime(2025, 1, 1, tzinfo=UTC) for sid, c in confirmed().items() if sid in gone)
    again = anbsc(shorter, "--as-of", "2026-02-01")
    assert again.report["marked_missing"] == 0  # marked once
    anbsc(path, "--as-of", "2026-03-01")
    assert not Site.objects.filter(source="anbsc", missing_from_source_at__isnull=False).exists()
    assert set(confirmed().values()) == {dt.datetime(2026, 3, 1, tzinfo=UTC)}


def test_a_dry_run_confirms_and_marks_nothing(tmp_path):
    path = small_file(tmp_path)
    anbsc(path, "--as-of", "2025-01-01")
    shorter, _gone = without_rows(path, tmp_path, 2)
    anbsc(shorter, "--as-of", "2026-01-01", "--dry-run")
    assert set(confirmed().values()) == {dt.datetime(2025, 1, 1, tzinfo=UTC)}
    assert not Site.objects.filter(missing_from_source_at__isnull=False).exists()


def test_a_generic_import_marks_missing_sites_only_when_it_says_it_is_full(tmp_path):
    from tests.commons.test_import_sites import FIXTURES

    source = FIXTURES / "sites_4326.geojson"
    call_command("import_sites", str(source), "--source", "comune-prova", "--name", "Prova", "--licence", "CC0",
                 "--attribution", "Comune di prova", "--as-of", "2025-05-05", verbosity=0)
    count = Site.objects.filter(source="comune-prova").count()
    assert count > 1
    assert set(Site.objects.filter(source="comune-prova").values_list("last_confirmed_at", flat=True)) == {
        dt.datetime(2025, 5, 5, tzinfo=UTC)}
    dropped = Site.objects.filter(source="comune-prova").order_by("pk").first()
    Site.objects.filter(pk=dropped.pk).update(source_id="removed-from-the-file")  # as if the file lost that row
    call_command("import_sites", str(source), "--source", "comune-prova", verbosity=0)
    assert not Site.objects.filter(missing_from_source_at__isnull=False).exists()  # not a full file: no mark
    call_command("import_sites", str(source), "--source", "comune-prova", "--full", verbosity=0)
    assert list(Site.objects.filter(missing_from_source_at__isnull=False).values_list("pk", flat=True)) == [
        dropped.pk]
