"""import_anbsc: the whole ANBSC file, merged municipalities, deterministic spread inside each municipality."""

import csv
import functools
import http.server
import os
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from commons.models import ImportRun, Site, SourceDataset
from commons.services.imports.anbsc import kind_for
from commons.services.sites import municipality_at, site_update
from tests.factories import moderator_user

REPO = Path(__file__).resolve().parents[2]
ANBSC_FILE = Path(os.environ.get("REGISTRY_ANBSC_FILE") or REPO.parent / "shared/data/anbsc/immobili_in_gestione.csv")
TOTAL_ROWS = 17_453

pytestmark = pytest.mark.django_db


def anbsc(*args):
    call_command("import_anbsc", *args, verbosity=0)
    return ImportRun.objects.filter(dataset_id="anbsc").latest("pk")


def small_file(tmp_path, extra_rows=()):
    """The first 60 rows of the real file (Melito di Napoli, Agrigento...) plus hand-made ones."""
    with open(ANBSC_FILE, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [row for _, row in zip(range(60), reader)]
        columns = reader.fieldnames
    for values in extra_rows:
        rows.append({**rows[0], **values})
    path = tmp_path / "immobili.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def inside_own_municipality():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM commons_site s JOIN commons_municipality m ON m.code = s.municipality_id "
                       "WHERE s.source = 'anbsc' AND ST_Intersects(m.geom, s.location)")
        return cursor.fetchone()[0]


@pytest.mark.skipif(not ANBSC_FILE.is_file(), reason="the shared ANBSC file is not there")
def test_full_anbsc_file_accounts_for_every_row_and_a_second_run_creates_nothing():
    started = time.monotonic()
    first = anbsc(str(ANBSC_FILE))
    first_seconds = time.monotonic() - started

    assert first.status == "done" and first.total_rows == TOTAL_ROWS
    assert first.created + first.rejected == TOTAL_ROWS and first.rejected == 0
    stale = first.report["stale_codes"]
    assert len(stale) == 246 and {item["resolution"] for item in stale} == {"successor"}
    assert {(item["codistat"], item["code"]) for item in stale} == {
        ("034037", "034051"), ("096073", "096088"), ("015235", "015251")}
    assert all(item["s_bene"] for item in stale)
    sites = Site.objects.filter(source="anbsc")
    assert sites.count() == TOTAL_ROWS
    assert sites.exclude(location_precision="municipality").count() == 0
    assert sites.exclude(ownership="confiscated").count() == 0
    assert inside_own_municipality() == TOTAL_ROWS
    assert sites.values("location").distinct().count() == TOTAL_ROWS  # no two properties on one point
    assert sites.filter(municipality_id="034051").count() >= 146  # Sorbolo's rows, now in Sorbolo Mezzani
    for site in sites.order_by("?")[:25]:  # the bulk placement agrees with the one-site spatial join
        assert municipality_at(site.location).code == site.municipality_id
    dataset = SourceDataset.objects.get(slug="anbsc")
    assert (dataset.licence, dataset.attribution) == ("CC BY 4.0", "Fonte: ANBSC — CC BY 4.0")

    started = time.monotonic()
    second = anbsc(str(ANBSC_FILE))
    second_seconds = time.monotonic() - started
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, TOTAL_ROWS, 0)
    assert sites.count() == TOTAL_ROWS
    print(f"ANBSC full import: first run {first_seconds:.1f} s, second run {second_seconds:.1f} s")
    assert first_seconds < 60 and second_seconds < 60  # the target is 30 s on an idle machine; CI shares cores


def test_unknown_and_merged_codes_are_reported_with_their_ids(tmp_path):
    path = small_file(tmp_path, [
        {"s_bene": "I-PR-TEST-1", "CODISTAT": "034037", "nome_comune": "Sorbolo", "NomeComuneValidato": "SORBOLO"},
        {"s_bene": "I-XX-TEST-2", "CODISTAT": "999001", "nome_comune": "Atlantide", "NomeComuneValidato": "ATLANTIDE"},
    ])
    rejects = tmp_path / "scarti.csv"

    run = anbsc(str(path), "--rejects", str(rejects))

    assert (run.created, run.rejected, run.total_rows) == (61, 1, 62)
    by_id = {item["s_bene"]: item for item in run.report["stale_codes"]}
    assert by_id["I-PR-TEST-1"]["resolution"] == "successor" and by_id["I-PR-TEST-1"]["code"] == "034051"
    assert by_id["I-XX-TEST-2"]["resolution"] == "unresolved"
    assert Site.objects.get(source="anbsc", source_id="I-PR-TEST-1").title.endswith("Sorbolo Mezzani")
    with open(rejects, encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(r["source_id"], r["code"]) for r in rejected] == [("I-XX-TEST-2", "unknown_municipality")]


def test_points_are_spread_inside_the_municipality_and_stay_put_on_re_import(tmp_path):
    path = small_file(tmp_path)
    anbsc(str(path))
    sites = Site.objects.filter(source="anbsc").select_related("municipality")
    first = dict(sites.values_list("source_id", "location"))

    second = anbsc(str(path))

    assert second.unchanged == 60 and dict(sites.values_list("source_id", "location")) == first
    melito = [s for s in sites if s.municipality_id == "063045"]
    assert len(melito) > 5 and len({s.location.coords for s in melito}) == len(melito)
    assert all(s.municipality.geom.contains(s.location) for s in sites)
    sample = sites.get(source_id="I-NA-89-S")
    assert (sample.kind, sample.status, sample.location_precision) == ("land", "verified", "municipality")
    assert sample.title == "Terreno edificabile — Melito di Napoli"
    assert "I-NA-89-S" in sample.description and "Confisca def." in sample.description


def test_a_moderator_correcting_a_location_is_not_undone_by_the_next_import(tmp_path):
    path = small_file(tmp_path)
    anbsc(str(path))
    site = Site.objects.get(source="anbsc", source_id="I-NA-89-S")
    exact = site.location.clone()
    exact.x += 0.001
    site_update(actor=moderator_user(), site_id=site.pk, expected_version=site.version,
                changes={"location": exact, "location_precision": "exact", "title": "Villetta confiscata"})

    again = anbsc(str(path))

    site.refresh_from_db()
    assert (site.title, site.location_precision, site.location.coords) == ("Villetta confiscata", "exact",
                                                                            exact.coords)
    assert (again.updated, again.conflicts) == (0, 0)


def test_default_file_comes_from_the_setting(tmp_path, settings):
    settings.REGISTRY_ANBSC_FILE = str(small_file(tmp_path))
    run = anbsc()
    assert run.created == 60


def test_dry_run_writes_nothing(tmp_path):
    run = anbsc(str(small_file(tmp_path)), "--dry-run")
    assert (run.dry_run, run.created) == (True, 60)
    assert not Site.objects.filter(source="anbsc").exists()


def test_a_url_is_downloaded_then_imported(tmp_path):
    path = small_file(tmp_path)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        run = anbsc(f"http://127.0.0.1:{server.server_port}/{path.name}")
    finally:
        server.shutdown()
    assert (run.created, run.options["source"].startswith("http://127.0.0.1:")) == (60, True)


def test_offline_url_gives_a_clear_error():
    with pytest.raises(CommandError, match=r"127\.0\.0\.1:9.*\[download_failed\]"):
        anbsc("http://127.0.0.1:9/immobili_in_gestione.csv")


def test_a_file_that_is_not_anbsc_is_refused(tmp_path):
    path = tmp_path / "altro.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"CODISTAT.*\[not_anbsc\]"):
        anbsc(str(path))
    assert ImportRun.objects.get(dataset_id="anbsc").status == "failed"


@pytest.mark.parametrize("categoria, sottocategoria, kind", [
    ("Terreno", "Terreno agricolo", "land"),
    ("Unità immobiliare per uso di abitazione e assimilabile", "Villa", "building"),
    ("Unità immobiliare a destinazione commerciale e industriale", "Fabbricato industriale", "industrial"),
    ("Unità immobiliare per uso di abitazione e assimilabile", "Palazzo di pregio artistico e storico, Castello",
     "cultural"),
    ("Altra unità immobiliare", "Altro", "other"),
    ("Altra unità immobiliare", "Ex fabbricato rurale", "building"),
])
def test_kind_follows_categoria_and_sottocategoria(categoria, sottocategoria, kind):
    assert kind_for(categoria, sottocategoria) == kind
