"""Scale-out: reads go to a real PostgreSQL streaming replica, and whoever just wrote reads their own write.

The replica is made with `pg_basebackup -R` from the cluster the tests run on, started on another loopback
port (as the postgres user when running as root), and stopped at the end. Pausing WAL replay on the replica
makes the routing visible: while it is paused, a row written on the primary exists only there.
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from commons.models import Site
from tests.factories import ROMA, verified_user
from tests.ops.conftest import HTTPS, PG_BIN, database_url, fetch, free_port

pytestmark = pytest.mark.django_db(transaction=True)
PIN_SECONDS = 3
# A hot standby needs these at least as high as on the primary.
STANDBY_MINIMUMS = ["max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
                    "max_locks_per_transaction"]


def as_postgres(args):
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def run(args, timeout):
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"


def primary_settings():
    with connection.cursor() as cursor:
        values = {}
        for name in STANDBY_MINIMUMS:
            cursor.execute(f"SHOW {name}")
            values[name] = cursor.fetchone()[0]
        return values


@pytest.fixture
def replica():
    """A hot standby of the test cluster on a free port; yields a psql-like query function for it."""
    config = connection.settings_dict
    port = free_port()
    base = Path(tempfile.mkdtemp(prefix="beco-replica-", dir="/var/tmp"))  # the postgres user must reach it
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    os.chmod(base, 0o700)
    started = False
    try:
        run(as_postgres([str(PG_BIN / "pg_basebackup"), "-h", config["HOST"], "-p", str(config["PORT"]), "-U",
                         config["USER"], "-D", str(data), "-R", "-X", "stream", "-c", "fast", "--no-sync"]), 120)
        options = " ".join(f"-c {name}={value}" for name, value in primary_settings().items())
        run(as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "replica.log"), "-w", "-t", "60",
                         "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off "
                               f"{options}", "start"]), 90)
        started = True

        def query(sql):
            result = subprocess.run([str(PG_BIN / "psql"), "-X", "-At", "-h", "127.0.0.1", "-p", str(port), "-U",
                                     config["USER"], "-d", config["NAME"], "-c", sql],
                                    capture_output=True, text=True, timeout=30, check=True)
            return result.stdout.strip()

        query.port = port
        yield query
    finally:
        if started:
            subprocess.run(as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                           capture_output=True, timeout=60, check=False)
        shutil.rmtree(base, ignore_errors=True)


def wait_until_replayed(replica, timeout=20):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if replica(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
            return
        time.sleep(0.1)
    raise AssertionError(f"the replica did not replay up to {target} in {timeout} s")


def get_site(server, pk, *, token=None, pin=None):
    headers = {**HTTPS}
    if token:
        headers["Authorization"] = f"Token {token}"
    if pin:
        headers["Cookie"] = pin
    return fetch(f"{server.url}/api/v1/sites/{pk}/", headers=headers)


def test_reads_go_to_the_replica_and_writers_read_their_writes(replica, prod_server):
    started = time.monotonic()
    assert replica("SELECT pg_is_in_recovery()") == "t"
    server = prod_server(workers=2, DATABASE_REPLICA_URLS=database_url(port=replica.port),
                         REPLICA_PIN_SECONDS=PIN_SECONDS)
    writer = Token.objects.create(user=verified_user()).key
    wait_until_replayed(replica)
    health = fetch(server.url + "/health/", headers=HTTPS).json()
    assert health == {"status": "ok", "database": "ok", "replicas": {"replica_0": "ok"}}

    replica("SELECT pg_wal_replay_pause()")
    created = fetch(server.url + "/api/v1/sites/", "POST", headers={**HTTPS, "Authorization": f"Token {writer}"},
                    body={"title": "Ex mulino", "kind": "building",
                          "location": {"type": "Point", "coordinates": list(ROMA)}})
    # 201 with the full detail: the request read its own insert back from the primary.
    assert created.status == 201, created.body[:500]
    pk = created.json()["id"]
    pin_value, pin_flags = created.cookies()["beco_primary"]
    assert pin_flags["max-age"] == str(PIN_SECONDS) and "httponly" in pin_flags
    assert replica(f"SELECT count(*) FROM commons_site WHERE id = {pk}") == "0"  # not on the replica yet

    assert get_site(server, pk, pin=f"beco_primary={pin_value}").status == 200  # browser: the cookie pins
    assert get_site(server, pk, token=writer).status == 200  # API client without cookies: the token pins
    strangers = [get_site(server, pk).status for _ in range(6)]
    assert strangers == [404] * 6  # everyone else reads the (paused) replica
    # Lists are written by PostgreSQL in one statement (mapping.read.geojson): they read the replica too.
    near = "/api/v1/sites/?bbox={},{},{},{}".format(ROMA[0] - 0.01, ROMA[1] - 0.01, ROMA[0] + 0.01, ROMA[1] + 0.01)
    listed = fetch(server.url + near, headers={**HTTPS, "Authorization": f"Token {writer}"}).json()
    assert pk in [feature["id"] for feature in listed["features"]]
    listed = fetch(server.url + near, headers=HTTPS).json()
    assert pk not in [feature["id"] for feature in listed["features"]]

    replica("SELECT pg_wal_replay_resume()")
    wait_until_replayed(replica)
    assert get_site(server, pk).status == 200

    time.sleep(PIN_SECONDS + 0.5)  # the pin expires: the writer reads the replica again
    replica("SELECT pg_wal_replay_pause()")
    Site.objects.filter(pk=pk).update(title="Ex mulino (rinominato)")
    assert get_site(server, pk, token=writer).json()["properties"]["title"] == "Ex mulino"
    replica("SELECT pg_wal_replay_resume()")
    print(f"Replica: writer pinned for {PIN_SECONDS} s (cookie and token), 6/6 other reads served by the paused "
          f"replica; test took {time.monotonic() - started:.1f} s")


def test_the_router_keeps_writes_sessions_tokens_counters_and_transactions_on_the_primary():
    from django.contrib.sessions.models import Session
    from django.db import transaction

    from config.db_router import ReplicaRouter, _read_alias

    router = ReplicaRouter()
    assert router.db_for_read(Site) == "default"  # outside a request routed by the middleware
    token = _read_alias.set("replica_0")
    try:
        assert router.db_for_read(Site) == "replica_0"
        assert router.db_for_read(Session) == router.db_for_read(Token) == "default"
        assert router.db_for_write(Site) == "default"
        with transaction.atomic():
            assert router.db_for_read(Site) == "default"  # a transaction reads what it wrote
    finally:
        _read_alias.reset(token)
    assert router.allow_migrate("default", "commons") and not router.allow_migrate("replica_0", "commons")
