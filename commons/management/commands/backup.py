"""`manage.py backup PATH`: the whole database and the uploaded media in one tar archive.

The archive holds
  manifest.json   what is inside: date, database, PostgreSQL and pg_dump versions, and the row counts and
                  geometry checksums of the dumped snapshot (`restore` recomputes and compares them);
  database.dump   pg_dump's custom format (compressed; restorable table by table with pg_restore);
  media/...       every file under MEDIA_ROOT (when media are on local disk; object storage keeps its own
                  versions and is backed up by the provider).

pg_dump reads one consistent snapshot, so the backup can run while the registry is in use: the command opens a
repeatable-read transaction, exports its snapshot, measures the facts for the manifest in it and has pg_dump
dump exactly that snapshot (--snapshot), so the manifest describes the dump to the row. The media are
copied after the dump: uploads only ever add files, so every photo the dump refers to is in the archive
(a photo uploaded meanwhile is an extra file without a row, harmless). The archive is written under a temporary
name and renamed when complete, so a crash never leaves a truncated file with the final name.
"""

import hashlib
import json
import os
import shutil
import subprocess  # PostgreSQL's own client tools, run with argument lists (never through a shell)
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from django.utils import timezone

ARCHIVE_FORMAT = 1
DUMP_NAME = "database.dump"


def pg_tool(name, alias="default"):
    """Path of a PostgreSQL client program at least as new as the server (pg_dump refuses older servers only)."""
    candidates = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]) / name)
    major = connections[alias].pg_version // 10000
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin") / name)
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise CommandError(f"{name} not found: install the PostgreSQL {major} client or set PG_BIN.")


def pg_env(alias="default"):
    """libpq environment for a Django database (the password never appears on a command line)."""
    config = connections[alias].settings_dict
    env = {**os.environ, "PGDATABASE": config["NAME"], "PGCONNECT_TIMEOUT": "10"}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if config.get(key):
            env[variable] = str(config[key])
    if config.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = config["OPTIONS"]["sslmode"]
    return env


def run_tool(args, env):
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CommandError(f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result.stdout


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def media_on_disk():
    return isinstance(default_storage, FileSystemStorage)


# What a restore must reproduce exactly: per table, row count, an order-independent checksum of the geometries
# (md5 over the rows' EWKB in key order) and the number of invalid geometries.
FACTS_SQL = {
    "commons_site": """
        SELECT count(*), md5(coalesce(string_agg(id || ':' || md5(ST_AsEWKB(location)) || ':'
                                                 || coalesce(md5(ST_AsEWKB(outline)), '-'), ',' ORDER BY id), '')),
               count(*) FILTER (WHERE outline IS NOT NULL AND NOT ST_IsValid(outline))
        FROM commons_site""",
    "commons_municipality": """
        SELECT count(*), md5(coalesce(string_agg(code || ':' || md5(ST_AsEWKB(geom)), ',' ORDER BY code), '')),
               count(*) FILTER (WHERE NOT ST_IsValid(geom))
        FROM commons_municipality""",
}
COUNTED_TABLES = ["commons_photo", "commons_proposal", "commons_cooperative", "commons_siteevent",
                  "commons_region", "commons_province", "auth_user"]


def database_facts(cursor):
    """Counts and geometry checksums of the registry's tables, as seen by the cursor's snapshot."""
    facts = {}
    for table, sql in FACTS_SQL.items():
        if _table_exists(cursor, table):
            cursor.execute(sql)
            count, checksum, invalid = cursor.fetchone()
            facts[table] = {"rows": count, "geometry_md5": checksum, "invalid_geometries": invalid}
    for table in COUNTED_TABLES:
        if _table_exists(cursor, table):
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # table names are the constants above
            facts[table] = {"rows": cursor.fetchone()[0]}
    return facts


def _table_exists(cursor, table):
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
    return cursor.fetchone()[0]


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format) and the media files into one tar archive."

    def add_arguments(self, parser):
        parser.add_argument("path", help="Archive to write (e.g. /var/backups/beco-2025-01-31.tar).")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")
        parser.add_argument("--no-media", action="store_true", help="Leave the media files out.")
        parser.add_argument("--force", action="store_true", help="Overwrite an existing archive.")

    def handle(self, *args, path, database, no_media, force, **options):
        target = Path(path).resolve()
        if target.exists() and not force:
            raise CommandError(f"{target} exists: choose another name or pass --force.")
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as workdir:
            dump = Path(workdir) / DUMP_NAME
            facts = self._dump(database, dump)
            include_media = not no_media and media_on_disk()
            manifest = self._manifest(database, dump, include_media, facts)
            partial = Path(workdir) / "archive.tar"
            with tarfile.open(partial, "w") as archive:
                _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
                archive.add(dump, arcname=DUMP_NAME)
                if include_media and Path(settings.MEDIA_ROOT).is_dir():
                    archive.add(settings.MEDIA_ROOT, arcname="media", filter=_plain_files)
            os.chmod(partial, 0o600)  # it holds e-mail addresses and password hashes
            os.replace(partial, target)
        self.stdout.write(f"Backup written to {target} ({target.stat().st_size / 1e6:.1f} MB): " + ", ".join(
            f"{table} {fact['rows']}" for table, fact in facts.items()))

    def _dump(self, database, dump):
        """pg_dump of a snapshot held open by this connection, and the facts measured in that same snapshot."""
        connection = connections[database]
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            run_tool([pg_tool("pg_dump", database), "--format=custom", "--compress=6", f"--snapshot={snapshot}",
                      f"--file={dump}"], pg_env(database))
            return database_facts(cursor)

    def _manifest(self, database, dump, include_media, facts):
        connection = connections[database]
        version = run_tool([pg_tool("pg_dump", database), "--version"], pg_env(database)).strip()
        return {
            "format": ARCHIVE_FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": connection.settings_dict["NAME"],
            "server_version": connection.pg_version,
            "pg_dump": version,
            "dump_sha256": sha256_of(dump),
            "dump_bytes": dump.stat().st_size,
            "media_included": include_media,
            "facts": facts,
        }


def _add_bytes(archive, name, data):
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def _plain_files(info):
    """Only directories and regular files go into the archive (no links that could point outside media)."""
    return info if info.isdir() or info.isfile() else None
