"""C7: `manage.py backup` taken while a writer inserts sites, restored into a fresh database with `manage.py
restore`: counts, geometry checksums and validity identical to the source at the dump's snapshot, media intact.
"""

import hashlib
import json
import random
import subprocess
import tarfile
import threading
import time

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from commons.management.commands.backup import FACTS_SQL
from commons.models import Photo, Site
from commons.services.demo import seed_demo
from commons.services.sites import site_report
from tests.factories import ROMA, verified_user
from tests.ops.conftest import PG_BIN, database_url, manage, production_env

pytestmark = pytest.mark.django_db(transaction=True)


class Writer(threading.Thread):
    """Reports sites one transaction at a time until stopped (one writer: commit order is id order)."""

    def __init__(self, actor):
        super().__init__(daemon=True)
        self.actor = actor
        self.stop, self.ids, self.error = threading.Event(), [], None

    def run(self):
        rng = random.Random(7)
        try:
            while not self.stop.is_set():
                # Rome east of the Vatican (4 km west of the Colosseum), which is not Italy.
                point = Point(ROMA[0] + rng.uniform(-0.02, 0.05), ROMA[1] + rng.uniform(-0.05, 0.05), srid=4326)
                self.ids.append(site_report(actor=self.actor, title="Scritto durante il backup", kind="building",
                                            location=point).pk)
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            connection.close()

    def wait_for(self, rows, timeout=30):
        deadline = time.monotonic() + timeout
        while len(self.ids) < rows and time.monotonic() < deadline and self.error is None:
            time.sleep(0.02)
        assert len(self.ids) >= rows, self.error


def psql(database, sql):
    result = subprocess.run([str(PG_BIN / "psql"), "-X", "-At", "-h", connection.settings_dict["HOST"], "-p",
                             str(connection.settings_dict["PORT"]), "-U", connection.settings_dict["USER"], "-d",
                             database, "-c", sql], capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip()


@pytest.fixture
def fresh_database():
    names = []

    def create(suffix):
        name = f"{connection.settings_dict['NAME']}_{suffix}"
        psql("postgres", f'DROP DATABASE IF EXISTS "{name}"')
        psql("postgres", f'CREATE DATABASE "{name}"')
        names.append(name)
        return name

    yield create
    for name in names:
        psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def facts(database, max_site_id):
    """Counts/checksums/validity of sites up to an id and of municipalities, computed by PostgreSQL."""
    site_sql = FACTS_SQL["commons_site"].replace("FROM commons_site", f"FROM commons_site WHERE id <= {max_site_id}")
    return {"sites": psql(database, site_sql), "municipalities": psql(database, FACTS_SQL["commons_municipality"])}


def media_digests(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def add_photos(media, sites):
    for number, site in enumerate(sites):
        name = f"photos/2025/01/p{number}.jpg"
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(b"\xff\xd8" + bytes([number]) * 500 + b"\xff\xd9")
        Photo.objects.create(site=site, image=name, width=10, height=10)


def test_a_backup_under_load_restores_identically(tmp_path, fresh_database):
    seed_demo(sites=300, seed=5)
    media, restored_media, archive = tmp_path / "media", tmp_path / "restored", tmp_path / "backup.tar"
    add_photos(media, Site.objects.order_by("id")[:3])
    source = connection.settings_dict["NAME"]

    writer = Writer(verified_user())
    writer.start()
    writer.wait_for(20)
    during = len(writer.ids)
    backup = manage("backup", str(archive), env=production_env(MEDIA_ROOT=media))
    writer.wait_for(len(writer.ids) + 20)
    writer.stop.set()
    writer.join(timeout=30)
    assert backup.returncode == 0, backup.stderr
    assert writer.error is None

    target = fresh_database("restore")
    restore = manage("restore", str(archive), env=production_env(DATABASE_URL=database_url(target),
                                                                  MEDIA_ROOT=restored_media))
    assert restore.returncode == 0, restore.stderr + restore.stdout

    restored_max = int(psql(target, "SELECT max(id) FROM commons_site"))
    written_in_dump = [pk for pk in writer.ids if pk <= restored_max]
    after_dump = [pk for pk in writer.ids if pk > restored_max]
    source_facts, restored_facts = facts(source, restored_max), facts(target, restored_max)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    print(f"C7: writer inserted {len(writer.ids)} sites ({during} before the backup started, {len(written_in_dump)} "
          f"in the dump, {len(after_dump)} after its snapshot); restored {manifest['facts']['commons_site']['rows']} "
          f"sites and {manifest['facts']['commons_municipality']['rows']} municipalities; diffs "
          f"{sum(source_facts[k] != restored_facts[k] for k in source_facts)}")
    assert len(written_in_dump) >= during and after_dump, "the snapshot was not taken while the writer ran"
    assert source_facts == restored_facts
    assert restored_facts["sites"].split("|")[2] == "0"  # no invalid outline
    assert manifest["facts"]["commons_site"]["rows"] == 300 + len(written_in_dump)
    assert psql(target, "SELECT count(*) FROM commons_photo") == "3"
    assert media_digests(restored_media) == media_digests(media) and len(media_digests(media)) == 3


def test_restore_refuses_a_damaged_archive_and_a_database_in_use(tmp_path, fresh_database):
    seed_demo(sites=20, seed=6)
    archive = tmp_path / "small.tar"
    assert manage("backup", str(archive), "--no-media", env=production_env()).returncode == 0

    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as copy:
        for member in source.getmembers():
            data = bytearray(source.extractfile(member).read())
            if member.name == "database.dump":
                data[len(data) // 2] ^= 0xFF
            copy.addfile(member, __import__("io").BytesIO(bytes(data)))
    empty = fresh_database("damaged")
    result = manage("restore", str(damaged), env=production_env(DATABASE_URL=database_url(empty)))
    assert result.returncode != 0 and "damaged" in result.stderr
    assert psql(empty, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0"

    in_use = manage("restore", str(archive), env=production_env())  # the test database itself
    assert in_use.returncode != 0 and "empty database" in in_use.stderr
    assert manage("backup", str(archive), env=production_env()).returncode != 0  # never overwritten silently
