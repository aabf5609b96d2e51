"""Idempotent upsert: a re-run creates nothing, updates what changed, keeps registry edits (conflicts), provenance."""

import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from commons.models import ImportRun, Site
from commons.services.imports import site_provenance
from commons.services.sites import site_update
from tests.factories import SiteFactory, moderator_user

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
SOURCE = "prova-upsert"

pytestmark = pytest.mark.django_db


def features():
    return json.loads((FIXTURES / "sites_4326.geojson").read_text())


def write(tmp_path, data, name="beni.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def run(path, *args):
    call_command("import_sites", str(path), "--source", SOURCE, "--licence", "CC BY 4.0", "--attribution", "Prova",
                 *args, verbosity=0)
    return ImportRun.objects.filter(dataset_id=SOURCE).latest("pk")


def feature(data, code):
    return next(f for f in data["features"] if f["properties"]["codice"] == code)


def site(code):
    return Site.objects.get(source=SOURCE, source_id=code)


def test_second_run_creates_nothing_and_changes_nothing(tmp_path):
    path = write(tmp_path, features())
    first = run(path)
    versions = dict(Site.objects.filter(source=SOURCE).values_list("source_id", "version"))

    second = run(path)

    assert (first.created, second.created, second.updated, second.unchanged, second.conflicts) == (4, 0, 0, 4, 0)
    assert Site.objects.filter(source=SOURCE).count() == 4
    assert dict(Site.objects.filter(source=SOURCE).values_list("source_id", "version")) == versions


def test_changed_rows_are_updated_and_moved_sites_placed_again(tmp_path):
    data = features()
    run(write(tmp_path, data))
    feature(data, "B001")["properties"]["denominazione"] = "Ex edificio colosseo (rinominato)"
    feature(data, "B002")["geometry"]["coordinates"] = [9.6700, 45.6950]  # from Milano to Bergamo

    second = run(write(tmp_path, data, "beni2.geojson"))

    assert (second.created, second.updated, second.unchanged) == (0, 2, 2)
    assert site("B001").title == "Ex edificio colosseo (rinominato)" and site("B001").version == 2
    moved = site("B002")
    assert (moved.municipality_id, moved.province_id) == ("016024", "016")
    assert moved.source_data["location"] == "POINT(9.670000 45.695000)"


def test_field_edited_in_the_registry_is_kept_and_reported_as_conflict(tmp_path):
    data = features()
    run(write(tmp_path, data))
    edited = site("B001")
    site_update(actor=moderator_user(), site_id=edited.pk, expected_version=edited.version,
                changes={"title": "Scuola Colosseo (corretto)"})
    props = feature(data, "B001")["properties"]
    props["denominazione"], props["stato"] = "Nuovo nome dalla fonte", "buono"

    second = run(write(tmp_path, data, "beni2.geojson"))

    after = site("B001")
    assert after.title == "Scuola Colosseo (corretto)"  # the person's edit stays
    assert after.condition == "good"  # a field nobody edited still follows the dataset
    assert (second.updated, second.conflicts) == (1, 1)
    assert second.report["conflicts"] == [{"site_id": after.pk, "source_id": "B001", "field": "title",
                                           "registry": "Scuola Colosseo (corretto)",
                                           "source": "Nuovo nome dalla fonte"}]
    assert after.source_data["title"] == "Ex edificio colosseo"  # still the last value both agreed on

    third = run(write(tmp_path, data, "beni3.geojson"))
    assert (third.conflicts, site("B001").title) == (1, "Scuola Colosseo (corretto)")  # reported until settled


def test_registry_edit_is_kept_silently_while_the_dataset_does_not_change(tmp_path):
    path = write(tmp_path, features())
    run(path)
    edited = site("B003")
    site_update(actor=moderator_user(), site_id=edited.pk, expected_version=edited.version,
                changes={"location": Point(14.2500, 40.8370, srid=4326), "address": "Piazza del Plebiscito 1"})

    again = run(path)

    assert (again.updated, again.conflicts, again.unchanged) == (0, 0, 4)
    assert site("B003").location.coords == (14.25, 40.837)


def test_registry_edit_that_the_dataset_later_adopts_is_no_conflict(tmp_path):
    data = features()
    run(write(tmp_path, data))
    edited = site("B002")
    site_update(actor=moderator_user(), site_id=edited.pk, expected_version=edited.version,
                changes={"title": "Casa Duomo"})
    feature(data, "B002")["properties"]["denominazione"] = "Casa Duomo"

    again = run(write(tmp_path, data, "beni2.geojson"))

    assert (again.conflicts, again.updated) == (0, 0)
    assert site("B002").source_data["title"] == "Casa Duomo"
    assert site_provenance(site("B002"))["fields"]["title"] == "dataset"


def test_provenance_says_which_fields_came_from_the_dataset_and_which_from_people(tmp_path):
    run(write(tmp_path, features()))
    edited = site("B001")
    site_update(actor=moderator_user(), site_id=edited.pk, expected_version=edited.version,
                changes={"title": "Titolo corretto", "address": "Piazza del Colosseo"})

    provenance = site_provenance(site("B001"))

    assert provenance["dataset"]["slug"] == SOURCE and provenance["dataset"]["licence"] == "CC BY 4.0"
    assert provenance["dataset"]["attribution"] == "Prova" and provenance["source_id"] == "B001"
    assert {"title", "address"} <= set(provenance["from_people"])
    assert {"kind", "ownership", "condition", "floor_area_m2", "location"} <= set(
        provenance["from_dataset"])
    assert "description" not in provenance["fields"] and "dormant_since" not in provenance["fields"]  # empty


def test_provenance_of_a_citizen_report_names_no_dataset():
    reported = SiteFactory(title="Ex scuola", description="Chiusa")
    provenance = site_provenance(reported)
    assert provenance["dataset"] is None
    assert provenance["from_dataset"] == [] and {"title", "description", "location"} <= set(provenance["from_people"])


def test_duplicate_ids_within_one_file_are_rejected_after_the_first(tmp_path):
    data = features()
    data["features"].append(json.loads(json.dumps(feature(data, "B001"))))
    result = run(write(tmp_path, data))
    assert result.report["rejected_by_code"]["duplicate_id"] == 1
    assert Site.objects.filter(source=SOURCE, source_id="B001").count() == 1


def test_rows_gone_from_the_file_are_counted_and_their_sites_kept(tmp_path):
    data = features()
    run(write(tmp_path, data))
    data["features"] = [f for f in data["features"] if f["properties"]["codice"] != "B003"]

    again = run(write(tmp_path, data, "beni2.geojson"))

    assert again.report["not_in_file"] == 1
    assert site("B003").title == "Ex edificio plebiscito-napoli"
