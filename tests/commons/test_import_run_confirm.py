"""Confirming a dry run starts exactly one real run, however many confirms race; who may is POLICY["import.run"]."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse

from commons.errors import ConflictError
from commons.models import ImportRun, SourceDataset
from commons.policy import POLICY, can
from commons.services.imports import runs
from commons.services.imports.runs import ImportScope, import_run_confirm
from tests.factories import CooperativeFactory, UserFactory, coop_user, moderator_user, staff_user, verified_user

ROMA_CODE = "058091"
CONFIRMS = 20


def finished_dry_run(user):
    dataset = SourceDataset.objects.create(slug="inventario", name="Inventario", licence="CC BY 4.0",
                                           attribution="Prova")
    return ImportRun.objects.create(dataset=dataset, dry_run=True, status=ImportRun.Status.DONE,
                                    file="imports/inventario.geojson", started_by=user, report={"created": 4})


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_confirms_start_exactly_one_run(monkeypatch):
    launched = []
    monkeypatch.setattr(runs, "launch_run", lambda run: launched.append(run.pk))
    moderator = moderator_user()
    dry = finished_dry_run(moderator)
    barrier = threading.Barrier(CONFIRMS)
    started, refused, unexpected = [], [], []

    def confirm():
        try:
            barrier.wait()
            started.append(import_run_confirm(actor=moderator, run_id=dry.pk).pk)
        except ConflictError as exc:
            refused.append(exc.code)
        except Exception as exc:  # reported below, never swallowed
            unexpected.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(CONFIRMS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert unexpected == []
    real = ImportRun.objects.get(dry_run=False)
    assert (started, refused) == ([real.pk], ["not_confirmable"] * (CONFIRMS - 1))
    assert launched == [real.pk]
    dry.refresh_from_db()
    assert dry.report == {"created": 4, "confirmed_by_run": real.pk}
    assert real.report == {"confirms_run": dry.pk} and real.file.name == dry.file.name


@pytest.mark.django_db
def test_a_second_confirm_is_a_clear_conflict_and_starts_nothing(monkeypatch):
    monkeypatch.setattr(runs, "launch_run", lambda run: None)
    moderator = moderator_user()
    dry = finished_dry_run(moderator)
    first = import_run_confirm(actor=moderator, run_id=dry.pk)
    with pytest.raises(ConflictError) as error:
        import_run_confirm(actor=moderator, run_id=dry.pk)
    assert error.value.code == "not_confirmable"
    assert list(ImportRun.objects.filter(dry_run=False)) == [first]


@pytest.mark.django_db
def test_a_citizen_cannot_confirm_and_staff_cannot_confirm_someone_elses_run(monkeypatch):
    monkeypatch.setattr(runs, "launch_run", lambda run: None)
    dry = finished_dry_run(moderator_user())
    with pytest.raises(PermissionDenied):
        import_run_confirm(actor=verified_user(), run_id=dry.pk)
    with pytest.raises(ImportRun.DoesNotExist):
        import_run_confirm(actor=staff_user(ROMA_CODE), run_id=dry.pk)
    assert not ImportRun.objects.filter(dry_run=False).exists()


USERS = {
    "citizen": verified_user,
    "unverified": UserFactory,
    "staff": lambda: staff_user(ROMA_CODE),
    "unapproved_staff": lambda: _unapproved_staff(),
    "coop_admin": lambda: coop_user(CooperativeFactory(), "admin"),
    "moderator": moderator_user,
    "django_staff": lambda: UserFactory(is_staff=True),
}


def _unapproved_staff():
    from commons.models import MunicipalityStaff

    user = verified_user()
    MunicipalityStaff.objects.create(user=user, municipality_id=ROMA_CODE, approved=False)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(USERS))
def test_the_import_page_lets_in_exactly_whom_the_policy_table_allows(kind):
    user = USERS[kind]()
    allowed = can(user, "import.run")
    assert allowed == (kind in ("staff", "moderator", "django_staff"))  # staff_outside/moderator of POLICY
    assert POLICY["import.run"] == {"staff_inside", "staff_outside", "moderator"}
    client = Client()
    client.force_login(user)
    assert client.get(reverse("opendata:import")).status_code == (200 if allowed else 403)
    if not allowed:
        with pytest.raises(PermissionDenied):
            ImportScope(user)
