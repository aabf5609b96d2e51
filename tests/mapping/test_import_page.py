"""The import page: upload, dry run, confirm, background run with polled progress; who may import and what."""

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commons.models import ImportRun, MunicipalityStaff, Site, SourceDataset
from mapping.web.views import imports as import_views
from tests.factories import UserFactory

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
ROMA_CODE = "058091"


def upload(name, content=None):
    data = content if content is not None else (FIXTURES / name).read_bytes()
    return SimpleUploadedFile(name, data)


def new_dataset_form(file, **extra):
    return {"file": file, "dataset": "__new__", "name": "Inventario di prova", "licence": "CC BY 4.0",
            "attribution": "Prova — CC BY 4.0", "crs": "", **extra}


@pytest.fixture
def inline(settings, tmp_path):
    settings.REGISTRY_IMPORT_INLINE = True
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def moderator(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def roma_staff(client):
    user = UserFactory()
    MunicipalityStaff.objects.create(user=user, municipality_id=ROMA_CODE, approved=True)
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_anonymous_people_are_sent_to_log_in_and_citizens_are_refused(client):
    url = reverse("opendata:import")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    unapproved = UserFactory()
    MunicipalityStaff.objects.create(user=unapproved, municipality_id=ROMA_CODE, approved=False)
    client.force_login(unapproved)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_moderator_uploads_sees_the_dry_run_then_confirms(client, moderator, inline):
    page = client.get(reverse("opendata:import"))
    assert page.status_code == 200 and b'name="file"' in page.content

    response = client.post(reverse("opendata:import"), new_dataset_form(upload("sites_4326.geojson")))

    dry = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("opendata:import_detail", args=[dry.pk])
    assert (dry.dry_run, dry.status, dry.created, dry.rejected, dry.started_by) == (True, "done", 4, 6, moderator)
    assert not Site.objects.exists()
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert b"self_intersection" in detail.content and b"Ex edificio colosseo" in detail.content
    status = client.get(reverse("opendata:import_status", args=[dry.pk])).json()
    assert (status["status"], status["percent"], status["finished"], status["created"]) == ("done", 100, True, 4)
    rejects = client.get(status["rejects_url"])
    assert rejects.status_code == 200 and b"out_of_bounds" in b"".join(rejects.streaming_content)

    confirmed = client.post(reverse("opendata:import_confirm", args=[dry.pk]))

    real = ImportRun.objects.get(dry_run=False)
    assert confirmed["Location"] == reverse("opendata:import_detail", args=[real.pk])
    assert (real.status, real.created) == ("done", 4)
    dataset = SourceDataset.objects.get(slug="inventario-di-prova")
    assert Site.objects.filter(source=dataset.slug).count() == 4
    again = client.post(reverse("opendata:import_confirm", args=[dry.pk]))
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "not_confirmable"


@pytest.mark.django_db
def test_municipality_staff_import_only_inside_their_territory(client, roma_staff, inline):
    response = client.post(reverse("opendata:import"), new_dataset_form(upload("sites_4326.geojson")),
                           HTTP_ACCEPT="application/json")

    assert response.status_code == 202
    run = ImportRun.objects.get()
    assert run.dataset_id == f"comune-{ROMA_CODE}-inventario-di-prova"
    assert run.created == 1 and run.report["rejected_by_code"]["outside_territory"] == 3  # Milano, Napoli, Bologna
    assert client.get(reverse("opendata:import_status", args=[run.pk])).json()["created"] == 1
    other = UserFactory(is_staff=True)
    client.force_login(UserFactory())
    assert client.get(reverse("opendata:import_status", args=[run.pk])).status_code == 403
    staff_elsewhere = UserFactory()
    MunicipalityStaff.objects.create(user=staff_elsewhere, municipality_id="015146", approved=True)
    client.force_login(staff_elsewhere)
    assert client.get(reverse("opendata:import_status", args=[run.pk])).status_code == 404  # not their run
    client.force_login(other)
    assert client.get(reverse("opendata:import_status", args=[run.pk])).status_code == 200


@pytest.mark.django_db
def test_staff_cannot_choose_another_municipalitys_dataset(client, roma_staff, inline):
    SourceDataset.objects.create(slug="comune-015146-beni", name="Milano", licence="CC BY 4.0", attribution="x")
    response = client.post(reverse("opendata:import"), {**new_dataset_form(upload("sites_4326.geojson")),
                                                        "dataset": "comune-015146-beni"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"field": "dataset", "code": "invalid_choice",
                                            "message": response.json()["errors"][0]["message"]}
    assert not ImportRun.objects.exists()


@pytest.mark.django_db
def test_oversized_upload_is_refused_with_413(client, moderator, inline, monkeypatch):
    monkeypatch.setattr(import_views, "MAX_UPLOAD_BYTES", 1000)
    response = client.post(reverse("opendata:import"), new_dataset_form(upload("sites_4326.geojson")),
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "file" and response.json()["errors"][0]["code"] == "too_large"
    assert not ImportRun.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name, content", [
    ("beni.exe", b"MZ\x90\x00"),
    ("beni.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ("beni.gpkg", b"id,nome\n1,a\n"),
    ("beni.geojson", b"not json at all"),
])
def test_files_of_the_wrong_type_are_refused_with_400(client, moderator, inline, name, content):
    response = client.post(reverse("opendata:import"), new_dataset_form(upload(name, content)),
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    assert response.json()["errors"][0]["code"] == "unsupported_format"


@pytest.mark.django_db
def test_new_dataset_needs_licence_and_attribution(client, moderator, inline):
    form = new_dataset_form(upload("sites_4326.geojson"), licence="", attribution="")
    html = client.post(reverse("opendata:import"), form)
    assert html.status_code == 400 and b"import-errors" in html.content
    response = client.post(reverse("opendata:import"), {**form, "file": upload("sites_4326.geojson")},
                           HTTP_ACCEPT="application/json")
    assert {e["field"] for e in response.json()["errors"]} == {"licence", "attribution"}


@pytest.mark.django_db
def test_mapping_file_and_crs_are_used(client, moderator, inline):
    form = new_dataset_form(upload("inventario_latin1.csv"), mapping=upload("inventario.toml"))
    client.post(reverse("opendata:import"), form)
    run = ImportRun.objects.get()
    assert (run.created, run.rejected) == (3, 2)
    assert run.options["mapping"]["id"] == "CODICE"

    shapefile = new_dataset_form(upload("sites_32633.zip"), name="Shape", crs="32633")
    client.post(reverse("opendata:import"), shapefile)
    assert ImportRun.objects.latest("pk").created == 4


@pytest.mark.django_db(transaction=True)
def test_the_run_goes_on_in_the_background_and_the_page_polls_it(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.REGISTRY_IMPORT_INLINE = False
    settings.REGISTRY_IMPORT_LOG_DIR = str(tmp_path / "logs")
    client.force_login(UserFactory(is_staff=True))

    response = client.post(reverse("opendata:import"), new_dataset_form(upload("sites_4326.geojson")),
                           HTTP_ACCEPT="application/json")

    assert response.status_code == 202 and response.json()["status"] in ("pending", "running", "done")
    status_url = reverse("opendata:import_status", args=[response.json()["id"]])
    deadline = time.monotonic() + 60
    while not (status := client.get(status_url).json())["finished"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (status["status"], status["created"], status["rejected"], status["percent"]) == ("done", 4, 6, 100), status
    assert not Site.objects.exists()  # still only a dry run
    assert (tmp_path / "logs" / f"{status['id']}.log").read_text().strip()  # the command's summary, off /media/


@pytest.mark.django_db
def test_a_full_import_from_the_page_dates_its_sites_and_marks_what_the_file_no_longer_holds(client, moderator,
                                                                                                 inline):
    import datetime as dt

    first = client.post(reverse("opendata:import"), new_dataset_form(upload("sites_4326.geojson"), as_of="2025-05-05"))
    client.post(reverse("opendata:import_confirm", args=[ImportRun.objects.get().pk]))
    dataset = SourceDataset.objects.get(slug="inventario-di-prova")
    sites = Site.objects.filter(source=dataset.slug)
    assert first.status_code == 302 and sites.count() == 4
    assert set(sites.values_list("last_confirmed_at", flat=True)) == {dt.datetime(2025, 5, 5, tzinfo=dt.timezone.utc)}
    dropped = sites.order_by("pk").first()
    Site.objects.filter(pk=dropped.pk).update(source_id="removed-from-the-file")  # as if the file lost that row

    client.post(reverse("opendata:import"), {"file": upload("sites_4326.geojson"), "dataset": dataset.slug,
                                             "crs": "", "full": "on", "as_of": "2026-02-01"})
    dry = ImportRun.objects.filter(dry_run=True).latest("pk")
    page = client.get(reverse("opendata:import_detail", args=[dry.pk])).content.decode()
    assert dry.options["full"] is True and dry.report["not_in_file"] == 1
    assert 'data-count="not_in_file">1' in page and not Site.objects.filter(missing_from_source_at__isnull=False)
    client.post(reverse("opendata:import_confirm", args=[dry.pk]))
    real = ImportRun.objects.filter(dry_run=False).latest("pk")
    assert real.report["marked_missing"] == 1
    assert list(Site.objects.filter(missing_from_source_at__isnull=False).values_list("pk", flat=True)) == [dropped.pk]
    kept = sites.exclude(pk=dropped.pk)
    assert set(kept.values_list("last_confirmed_at", flat=True)) == {dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)}
    assert 'data-count="marked_missing">1' in client.get(reverse("opendata:import_detail", args=[real.pk])).content.decode()
    queue = client.get(reverse("workflow:queue") + "?tab=sources").content.decode()
    assert dropped.title in queue


@pytest.mark.django_db
@pytest.mark.parametrize("day, code", [("2999-01-01", "date_in_future"), ("1850-01-01", "date_too_old"),
                                       ("1 maggio", "invalid")])
def test_the_date_of_the_data_is_checked(client, moderator, inline, day, code):
    response = client.post(reverse("opendata:import"), new_dataset_form(upload("sites_4326.geojson"), as_of=day),
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "as_of" and response.json()["errors"][0]["code"] == code
    assert not ImportRun.objects.exists()
