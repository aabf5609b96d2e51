"""A PostgreSQL cluster of the fault runs' own (never the shared one: these runs stop it), on 127.0.0.1.

As root, initdb and pg_ctl run as the `postgres` user (initdb refuses root); the data directory must then be
somewhere that user can traverse (/tmp is). The cluster is kept between runs, stopped at the end of each.
"""

import os
import subprocess
import time
from pathlib import Path

import psycopg

PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
ROLE = "beco"


class Cluster:
    def __init__(self, data_dir, port):
        self.data_dir, self.port = Path(data_dir), int(port)

    def _run(self, *command, check=True, timeout=120):
        command = [str(PGBIN / command[0]), *command[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, cwd="/", capture_output=True, text=True, check=check, timeout=timeout)

    def url(self, database):
        return f"postgis://{ROLE}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database="postgres"):
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    def ensure(self):
        """Create the cluster the first time, start it if it is not running."""
        if not (self.data_dir / "PG_VERSION").exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                subprocess.run(["chown", "postgres:postgres", str(self.data_dir)], check=True)
            self.data_dir.chmod(0o700)
            self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", ROLE, "-E", "UTF8",
                      "--locale=C.UTF-8")
        if not self.running():
            self.start()
        return self

    def running(self):
        return self._run("pg_ctl", "-D", str(self.data_dir), "status", check=False).returncode == 0

    def start(self):
        options = (f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 "
                   "-c shared_buffers=256MB -c fsync=on")
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.data_dir / "server.log"), "-w", "-t", "60",
                  "-o", options, "start")

    def stop(self):
        """Fast shutdown (what a restart or a failover does): sessions are ended, open transactions rolled back."""
        if self.running():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop")

    def accepting(self):
        try:
            with psycopg.connect(self.dsn(), connect_timeout=2):
                return True
        except psycopg.Error:
            return False

    def wait_accepting(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.accepting():
                return time.monotonic()
            time.sleep(0.05)
        raise RuntimeError(f"PostgreSQL on port {self.port} did not accept connections within {timeout} s")

    def create_database(self, name):
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
