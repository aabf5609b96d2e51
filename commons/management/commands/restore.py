"""`manage.py restore PATH`: bring back an archive written by `manage.py backup` into an empty database.

The target is the configured database (DATABASE_URL), created empty beforehand (`createdb`); PostGIS comes
back with the dump. The dump is checked against the manifest's SHA-256, restored in a single transaction
(all or nothing) without the original owners and privileges, then the row counts and geometry checksums are
recomputed and compared with the manifest: any difference fails the command. Media files are extracted into
MEDIA_ROOT (regular files only, never outside it).

Why not a plain `pg_restore --dbname`: pg_dump empties search_path in the archive, and PostgreSQL then cannot
resolve PostGIS's `=` operator in the audit triggers' `OLD.location IS DISTINCT FROM NEW.location` conditions
("operator is not unique: public.geometry = public.geometry"), so pg_restore stops at the first such trigger.
The archive is therefore turned into SQL by pg_restore and fed to psql in one transaction with the search
path set to `pg_catalog, public` (PostGIS's schema; nobody else can create objects in a new database's public
schema on PostgreSQL 15).
"""

import json
import subprocess  # PostgreSQL's own client tools, run with argument lists (never through a shell)
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from commons.management.commands.backup import (
    ARCHIVE_FORMAT, DUMP_NAME, database_facts, media_on_disk, pg_env, pg_tool, sha256_of,
)


EMPTY_SEARCH_PATH = b"SELECT pg_catalog.set_config('search_path', '', false);"
RESTORE_SEARCH_PATH = b"SELECT pg_catalog.set_config('search_path', 'pg_catalog, public', false);"


def restore_dump(dump, database):
    """pg_restore (to SQL) | psql, all in one transaction that stops at the first error."""
    env = pg_env(database)
    to_sql = [pg_tool("pg_restore", database), "--no-owner", "--no-privileges", "--file=-", str(dump)]
    load = [pg_tool("psql", database), "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
            "--output=/dev/null"]
    # Errors go to files, not pipes: a chatty stderr must never fill a pipe nobody reads and stall the restore.
    with tempfile.TemporaryFile() as load_errors, tempfile.TemporaryFile() as read_errors:
        with subprocess.Popen(load, env=env, stdin=subprocess.PIPE, stderr=load_errors) as psql, \
                subprocess.Popen(to_sql, env=env, stdout=subprocess.PIPE, stderr=read_errors) as reader:
            try:
                for line in reader.stdout:
                    psql.stdin.write(RESTORE_SEARCH_PATH + b"\n" if line.rstrip() == EMPTY_SEARCH_PATH else line)
            except BrokenPipeError:
                reader.kill()  # psql stopped at an error: reported below
            finally:
                reader.stdout.close()
                psql.stdin.close()
        if reader.returncode or psql.returncode:
            load_errors.seek(0)
            read_errors.seek(0)
            message = (load_errors.read() or read_errors.read()).decode(errors="replace").strip()[-2000:]
            raise CommandError(f"Restore failed, nothing was written: {message}")


class Command(BaseCommand):
    help = "Restore a backup archive (database and media) into the configured, empty database."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Archive written by `manage.py backup`.")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")
        parser.add_argument("--no-media", action="store_true", help="Do not extract the media files.")

    def handle(self, *args, path, database, no_media, **options):
        archive_path = Path(path)
        if not archive_path.is_file():
            raise CommandError(f"{archive_path} does not exist.")
        self._require_empty(database)
        with tempfile.TemporaryDirectory(prefix="beco-restore-") as workdir, tarfile.open(archive_path) as archive:
            manifest = self._read_manifest(archive)
            dump = Path(workdir) / DUMP_NAME
            archive.extract(DUMP_NAME, workdir, filter="data")
            if sha256_of(dump) != manifest["dump_sha256"]:
                raise CommandError("The database dump does not match its checksum: the archive is damaged.")
            restore_dump(dump, database)
            media = self._restore_media(archive, manifest) if not no_media else 0
        self._verify(database, manifest["facts"])
        self.stdout.write(f"Restored {archive_path} into {connections[database].settings_dict['NAME']}: "
                          + ", ".join(f"{table} {fact['rows']}" for table, fact in manifest["facts"].items())
                          + f"; {media} media files. Counts and geometry checksums match the backup.")

    def _require_empty(self, database):
        """Refuse to mix a backup into live data: every table but PostGIS's own must be absent."""
        connection = connections[database]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
                "AND tablename <> 'spatial_ref_sys'"
            )
            tables = cursor.fetchone()[0]
        connection.close()  # pg_restore works on its own connection
        if tables:
            raise CommandError(f"The database {connection.settings_dict['NAME']} holds {tables} tables: restore "
                               "into a new, empty database (createdb) and point DATABASE_URL at it.")

    def _read_manifest(self, archive):
        try:
            manifest = json.load(archive.extractfile("manifest.json"))
        except (KeyError, ValueError, AttributeError):
            raise CommandError("This is not a registry backup: manifest.json is missing or unreadable.") from None
        if manifest.get("format") != ARCHIVE_FORMAT:
            raise CommandError(f"Unknown backup format {manifest.get('format')!r}.")
        return manifest

    def _restore_media(self, archive, manifest):
        if not manifest.get("media_included"):
            return 0
        if not media_on_disk():
            self.stderr.write("Media are in object storage here: the archive's media files were not extracted.")
            return 0
        root = Path(settings.MEDIA_ROOT)
        root.mkdir(parents=True, exist_ok=True)
        count = 0
        for member in archive.getmembers():
            if member.name.startswith("media/") and member.isfile():
                member.name = member.name[len("media/"):]
                archive.extract(member, root, filter="data")  # "data" refuses absolute paths and ../
                count += 1
        return count

    def _verify(self, database, expected):
        with connections[database].cursor() as cursor:
            actual = database_facts(cursor)
        differences = [f"{table}: expected {fact}, found {actual.get(table)}"
                       for table, fact in expected.items() if actual.get(table) != fact]
        if differences:
            raise CommandError("The restored database differs from the backup: " + "; ".join(differences))
