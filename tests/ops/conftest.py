"""Operations tests: the app as deployed (gunicorn, production settings) against the real test database.

`prod_server(...)` starts gunicorn with config/gunicorn.conf.py and config.settings.production on a free
loopback port, on the test database (committed data: use transactional tests), and stops it afterwards.
`fetch(...)` is a tiny HTTP client that keeps every header (several Set-Cookie included) and never follows
redirects or handles cookies by itself, so tests see exactly what the server sent.
"""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ALLOWED_HOST = "registry.example.org"


def free_ports(count):
    """`count` distinct free loopback ports (held open together while chosen, so they cannot repeat)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def free_port():
    return free_ports(1)[0]


def database_url(name=None, *, host=None, port=None):
    config = connection.settings_dict
    user = config["USER"] + (f":{config['PASSWORD']}" if config.get("PASSWORD") else "")
    return f"postgis://{user}@{host or config['HOST']}:{port or config['PORT']}/{name or config['NAME']}"


def production_env(**extra):
    """Environment for config.settings.production on the test database (a fresh strong secret key)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "GUNICORN_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": f"{ALLOWED_HOST},127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "PYTHONUNBUFFERED": "1",
    })
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(*args, env, timeout=120):
    return subprocess.run([PYTHON, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def production_user(password, **fields):
    """A citizen with a verified e-mail whose password hash production settings accept (test settings hash
    with MD5, which production does not list)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from tests.factories import UserFactory

    user = UserFactory(**fields)
    user.password = PBKDF2PasswordHasher().encode(password, secrets.token_hex(8))
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@dataclass
class Response:
    status: int
    headers: list
    body: bytes

    def header(self, name):
        values = self.all(name)
        return values[0] if values else None

    def all(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)

    def cookies(self):
        """Set-Cookie headers by cookie name: {name: (value, {attribute: value})}."""
        jar = {}
        for line in self.all("Set-Cookie"):
            first, *attributes = [part.strip() for part in line.split(";")]
            name, _, value = first.partition("=")
            attrs = {}
            for attribute in attributes:
                key, _, val = attribute.partition("=")
                attrs[key.lower()] = val
            jar[name] = (value, attrs)
        return jar


def fetch(url, method="GET", *, headers=None, body=None, timeout=30):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **(headers or {})}
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body,
                     headers=headers or {})
        raw = conn.getresponse()
        return Response(raw.status, raw.getheaders(), raw.read())
    finally:
        conn.close()


HTTPS = {"X-Forwarded-Proto": "https", "Host": ALLOWED_HOST}


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    env: dict = field(repr=False)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def output(self):
        return self.log.read_text(errors="replace")


def start_gunicorn(tmp_path, env, *, workers=2, timeout=40):
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    log = tmp_path / f"gunicorn-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([GUNICORN, "-c", "config/gunicorn.conf.py", "config.wsgi"], cwd=REPO, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", process, log, env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited ({process.returncode}):\n{server.output()[-3000:]}")
        try:
            if fetch(server.url + "/health/", headers=HTTPS, timeout=5).status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise AssertionError(f"gunicorn did not answer /health/ within {timeout} s:\n{server.output()[-3000:]}")


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory, django_db_setup):
    """collectstatic once (fingerprinted, compressed), as production serves it: pages need its manifest."""
    root = tmp_path_factory.mktemp("static")
    result = manage("collectstatic", "--noinput", "-v", "0", env=production_env(DJANGO_STATIC_ROOT=root),
                    timeout=300)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def prod_server(tmp_path, collected_static):
    """prod_server(**env) -> a running gunicorn on the test database with production settings."""
    servers = []

    def start(workers=2, **extra):
        env = production_env(DJANGO_STATIC_ROOT=collected_static, **extra)
        created = manage("createcachetable", env=env)
        assert created.returncode == 0, created.stderr
        with connection.cursor() as cursor:  # rate-limit counters of earlier tests must not leak in
            cursor.execute("DELETE FROM beco_cache")
        server = start_gunicorn(tmp_path, env, workers=workers)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
