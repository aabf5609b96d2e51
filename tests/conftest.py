"""Test set-up: a real PostGIS test database holding Italy's real boundaries.

Boundaries are loaded once per test database and copied to a schema Django does not flush, so tests that
need committed data (live server, concurrency) get them back after each flush in well under a second.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from pytest_django.plugin import blocking_manager_key

from commons.models import Region

REPO = Path(__file__).resolve().parent.parent
# Debian's Chromium, driven by Playwright (never a downloaded browser); flags from ../shared/ENVIRONMENT.md.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
CACHE_TABLES = [("commons_region", "region"), ("commons_province", "province"), ("commons_municipality", "municipality"),
                ("commons_enclave", "enclave")]


def _shared_dir(variable, name):
    value = os.environ.get(variable) or str(REPO.parent / "shared" / "data" / name)
    if not Path(value).is_dir():
        pytest.exit(f"{variable} is not set and {value} does not exist: tests need the shared data folder.", 2)
    return value


@pytest.fixture(scope="session")
def boundaries_dir():
    return _shared_dir("REGISTRY_BOUNDARIES_DIR", "boundaries")


@pytest.fixture(scope="session")
def snai_dir():
    return _shared_dir("REGISTRY_SNAI_DIR", "snai")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, boundaries_dir, snai_dir):
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('boundary_cache.enclave') IS NOT NULL")
            cached = cursor.fetchone()[0]
        if not cached:
            if not Region.objects.exists():
                call_command("load_boundaries", boundaries_dir, snai_dir=snai_dir, verbosity=0)
            with connection.cursor() as cursor:
                cursor.execute("CREATE SCHEMA IF NOT EXISTS boundary_cache")
                for table, cache in CACHE_TABLES:
                    cursor.execute(f"CREATE TABLE IF NOT EXISTS boundary_cache.{cache} AS SELECT * FROM {table}")
        elif not Region.objects.exists():  # --reuse-db after a run that ended with a transactional test's flush
            restore_boundaries()


def restore_boundaries():
    with connection.cursor() as cursor:
        for table, cache in CACHE_TABLES:
            cursor.execute(f"INSERT INTO {table} SELECT * FROM boundary_cache.{cache} ON CONFLICT DO NOTHING")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Put the boundaries back, committed, if a transactional test flushed them: before any fixture opens the
    next test's transaction (a restore inside it would be rolled back and repeated by every test)."""
    if not connection.settings_dict["NAME"].startswith("test_"):
        return  # the test database does not exist yet: django_db_setup loads the boundaries
    with item.config.stash[blocking_manager_key].unblock():
        if not Region.objects.exists():
            restore_boundaries()


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run: Playwright's sync API cannot nest two of them."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()




@pytest.fixture
def pathways(db):
    """The seed pathways (migration 0013), put back if a transactional test flushed them: {slug: Pathway}."""
    from commons.models import Pathway
    from commons.pathways import seed_pathways

    seed_pathways()
    return {pathway.slug: pathway for pathway in Pathway.objects.all()}
