"""The servers under test, each started on 127.0.0.1 and stopped by the process group it leads:
the app under gunicorn with production settings, the drf-gis peer (same app + one plain list view) and tipg
(its own virtualenv, bench/.venv-peers). A sampler reads the workers' resident memory while load runs."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PEERS_VENV = REPO / "bench" / ".venv-peers"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid):
    """Direct child processes of pid (the workers of a gunicorn or uvicorn master)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return found


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler(threading.Thread):
    """Peak resident memory of any one worker (and of all together) since the last reset()."""

    def __init__(self, master_pid, every=0.2):
        super().__init__(daemon=True)
        self.master_pid, self.every = master_pid, every
        self.peak_worker = self.peak_total = 0.0
        self.running = True

    def run(self):
        while self.running:
            sizes = [rss_mb(pid) for pid in children(self.master_pid)]
            if sizes:
                self.peak_worker = max(self.peak_worker, max(sizes))
                self.peak_total = max(self.peak_total, sum(sizes))
            time.sleep(self.every)

    def reset(self):
        peaks = {"worker_peak_rss_mb": round(self.peak_worker, 1), "workers_peak_rss_mb": round(self.peak_total, 1)}
        self.peak_worker = self.peak_total = 0.0
        return peaks

    def stop(self):
        self.running = False


class Server:
    """A process group serving HTTP on 127.0.0.1:port until stop()."""

    name = "server"

    def __init__(self, command, env, port, log_dir, health_path):
        self.command, self.env, self.port, self.health_path = command, env, port, health_path
        self.log_path = Path(log_dir) / f"{self.name}.log"
        self.process = None
        self.sampler = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=90):
        log = open(self.log_path, "wb")  # noqa: SIM115 - kept open while the server runs
        self.process = subprocess.Popen(self.command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}:\n{self.log_tail()}")
            if self._healthy():
                self.sampler = RssSampler(self.process.pid)
                self.sampler.start()
                return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {self.health_path} within {timeout} s:\n{self.log_tail()}")

    def _healthy(self):
        try:
            with urllib.request.urlopen(self.url + self.health_path, timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def log_tail(self, size=3000):
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def stop(self):
        if self.sampler:
            self.sampler.stop()
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Gunicorn(Server):
    name = "app"

    def __init__(self, env, log_dir, settings_module=None, name="app"):
        port = free_port()
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}",
               # Recycling workers every ~2,000 requests restarts them every few seconds under load.
               "GUNICORN_MAX_REQUESTS": "0"}
        if settings_module:
            env["DJANGO_SETTINGS_MODULE"] = settings_module
        self.name = name
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        super().__init__([gunicorn, "-c", "config/gunicorn.conf.py", "config.wsgi"], env, port, log_dir, "/health/")


class Tipg(Server):
    """tipg 1.x over the same table: every geometry column is a layer source; we ask for location_3857."""

    name = "tipg"

    def __init__(self, database_url, log_dir, workers=2):
        self.workers = workers
        port = free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "DATABASE_URL": database_url.replace("postgis://", "postgresql://", 1),
            "TIPG_DB_SCHEMAS": '["public"]', "TIPG_DB_TABLES": '["public.commons_site"]',
            # Same tile as ours: every feature (ours has no cap) and a 64-unit buffer.
            "TIPG_MAX_FEATURES_PER_TILE": "1000000", "TIPG_TILE_BUFFER": "64",
            "TIPG_DB_SPATIAL_EXTENT": "false", "TIPG_DB_DATETIME_EXTENT": "false",
        }
        python = str(PEERS_VENV / "bin" / "python")
        super().__init__([python, "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1", "--port", str(port),
                          "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
                         env, port, log_dir, "/healthz")

    @staticmethod
    def available():
        return (PEERS_VENV / "bin" / "python").exists() and subprocess.run(
            [str(PEERS_VENV / "bin" / "python"), "-c", "import tipg, uvicorn"], capture_output=True).returncode == 0

    @classmethod
    def install(cls):
        """tipg in its own virtualenv (never a project dependency); True when it is usable."""
        if cls.available():
            return True
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=False)
        subprocess.run([str(PEERS_VENV / "bin" / "pip"), "install", "--quiet", "tipg>=1.6,<2", "uvicorn>=0.30,<1"],
                       check=False)
        return cls.available()
