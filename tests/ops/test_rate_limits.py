"""Rate limits: report floods get 429 with Retry-After (R1), login brute force is locked (R2).

The API and account checks run against gunicorn with two workers and production settings, so the counters
must be shared through PostgreSQL (a per-process cache would let each worker allow its own quota).
"""

import json
import re
import threading
from collections import Counter

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token

from commons.models import Site
from tests.factories import ROMA, verified_user
from tests.ops.conftest import HTTPS, fetch, production_user

pytestmark = pytest.mark.django_db(transaction=True)
BURST = 20
REPORT = {"title": "Ex scuola Pascoli", "kind": "building", "location": {"type": "Point", "coordinates": list(ROMA)}}


def report(server, token=None, **headers):
    auth = {"Authorization": f"Token {token}"} if token else {}
    return fetch(server.url + "/api/v1/sites/", "POST", body=REPORT, headers={**HTTPS, **auth, **headers})


def test_report_floods_get_429_with_retry_after_across_workers(prod_server):
    server = prod_server(workers=2, API_WRITE_BURST_RATE=f"{BURST}/min", API_WRITE_SUSTAINED_RATE="1000/hour")
    citizen, other = verified_user(), verified_user()
    token, other_token = Token.objects.create(user=citizen).key, Token.objects.create(user=other).key

    statuses = [report(server, token).status for _ in range(BURST + 10)]
    first_throttled = statuses.index(429) + 1
    throttled = report(server, token)
    print(f"R1 citizen flood: first throttled request #{first_throttled}, Retry-After "
          f"{throttled.header('Retry-After')} s, statuses {Counter(statuses)}")
    assert statuses[:BURST] == [201] * BURST and set(statuses[BURST:]) == {429}
    assert first_throttled == BURST + 1
    assert 1 <= int(throttled.header("Retry-After")) <= 60
    assert throttled.json()["errors"][0]["code"] == "throttled"
    assert Site.objects.filter(reporter=citizen).count() == BURST
    reads = fetch(server.url + "/api/v1/sites/?limit=1", headers={**HTTPS, "Authorization": f"Token {token}"})
    assert reads.status == 200  # reads are never throttled

    anonymous = [report(server).status for _ in range(30)]
    assert set(anonymous) == {401} and Site.objects.filter(reporter__isnull=True, title=REPORT["title"]).count() == 0

    # Concurrent flood over both workers: the per-client advisory lock keeps the count exact.
    results = []
    threads = [threading.Thread(target=lambda: results.extend(report(server, other_token).status
                                                               for _ in range(10))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    created = Site.objects.filter(reporter=other).count()
    server.stop()
    pids = {json.loads(line)["pid"] for line in server.output().splitlines()
            if line.startswith('{"time"') and '"gunicorn.access"' in line}
    print(f"R1 concurrent flood: {Counter(results)}, rows {created}, workers seen {len(pids)}")
    assert len(results) == 40 and set(results) <= {201, 429}
    assert created == BURST and results.count(201) == BURST
    assert len(pids) == 2


def login_attempt(server, email, password, client_ip):
    page = fetch(server.url + "/accounts/login/", headers={**HTTPS, "X-Forwarded-For": client_ip})
    csrf = page.cookies()["csrftoken"][0]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    body = f"login={email}&password={password}&csrfmiddlewaretoken={token}".encode()
    return fetch(server.url + "/accounts/login/", "POST", body=body, headers={
        **HTTPS, "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}",
        "Origin": "https://registry.example.org", "X-Forwarded-For": client_ip})


def test_an_account_is_locked_after_5_failures_whatever_the_address(prod_server):
    server = prod_server(workers=2)
    user = production_user("pw-Right-123")
    failures = [login_attempt(server, user.email, "wrong-guess", f"198.51.100.{n}") for n in range(1, 6)]
    assert [r.status for r in failures] == [200] * 5 and all("sessionid" not in r.cookies() for r in failures)
    locked = login_attempt(server, user.email, "pw-Right-123", "198.51.100.99")
    print(f"R2 per account: locked after {len(failures)} failures from 5 addresses; right password then -> "
          f"{locked.status}, session {'sessionid' in locked.cookies()}")
    assert locked.status == 200 and "sessionid" not in locked.cookies()
    assert "Too many failed login attempts" in locked.body.decode() or "Troppi" in locked.body.decode()
    other = production_user("pw-Other-123")  # other accounts are unaffected
    assert login_attempt(server, other.email, "pw-Other-123", "198.51.100.99").status == 302


def test_one_address_hammering_the_login_gets_429():
    """Per address (test settings: the same allauth limits, the process's cache)."""
    cache.clear()
    user = verified_user()
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = []
    for n in range(40):
        response = client.post("/accounts/login/", {"login": f"nobody{n}@example.org", "password": "guess"})
        statuses.append(response.status_code)
    first_429 = statuses.index(429) + 1
    right = client.post("/accounts/login/", {"login": user.email, "password": "pw-Secret-123"})
    print(f"R2 per address: first 429 at attempt #{first_429}, statuses {Counter(statuses)}; "
          f"right password from that address -> {right.status_code}")
    assert statuses[:first_429 - 1] == [200] * (first_429 - 1) and set(statuses[first_429 - 1:]) == {429}
    assert first_429 <= 31 and right.status_code == 429
    assert Client(REMOTE_ADDR="203.0.113.8").post(
        "/accounts/login/", {"login": user.email, "password": "pw-Secret-123"}).status_code == 302
