"""A run killed with SIGKILL halfway leaves only whole batches, and running it again completes it."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from commons.models import ImportRun, Site
from commons.services.imports.background import database_url

REPO = Path(__file__).resolve().parents[2]
ROWS, BATCH = 1200, 100
SOURCE = "prova-crash"


def big_geojson(path):
    """ROWS points on a grid over the Po valley (all inside Italy)."""
    features = [{"type": "Feature", "properties": {"codice": f"P{i:05d}", "denominazione": f"Capannone {i}",
                                                  "tipologia": "capannone"},
                 "geometry": {"type": "Point", "coordinates": [9.0 + (i % 40) * 0.05, 45.0 + (i // 40) * 0.005]}}
                for i in range(ROWS)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def start_import(path):
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    command = [sys.executable, str(REPO / "manage.py"), "import_sites", str(path), "--source", SOURCE,
               "--licence", "CC BY 4.0", "--attribution", "Prova", "--batch-size", str(BATCH), "--throttle", "0.3",
               "-v", "0"]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for_some_batches(process, minimum, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = Site.objects.filter(source=SOURCE).count()
        if count >= minimum:
            return count
        if process.poll() is not None:
            pytest.fail(f"the import ended early: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    pytest.fail("the import did not commit any batch in time")


@pytest.mark.django_db(transaction=True)
def test_sigkill_halfway_leaves_whole_batches_and_a_rerun_completes(tmp_path):
    path = big_geojson(tmp_path / "capannoni.geojson")
    process = start_import(path)
    try:
        wait_for_some_batches(process, 3 * BATCH)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    after_crash = Site.objects.filter(source=SOURCE).count()
    killed = ImportRun.objects.get(dataset_id=SOURCE)
    assert 0 < after_crash < ROWS and after_crash % BATCH == 0  # no partial batch is visible
    assert killed.status == "running" and killed.created == after_crash  # counters committed with their batch

    call_command("import_sites", str(path), "--source", SOURCE, "--batch-size", str(BATCH), verbosity=0)

    rerun = ImportRun.objects.filter(dataset_id=SOURCE).latest("pk")
    assert (rerun.status, rerun.created, rerun.unchanged) == ("done", ROWS - after_crash, after_crash)
    assert Site.objects.filter(source=SOURCE).count() == ROWS
    assert Site.objects.filter(source=SOURCE).values("source_id").distinct().count() == ROWS
    killed.refresh_from_db()
    assert killed.status == "failed" and killed.report["error"]["code"] == "interrupted"
