"""The app as deployed: gunicorn (config/gunicorn.conf.py) with production settings on loopback.

Security headers and cookie flags as a browser receives them (S1), HTTPS redirect with the health check exempt,
the health endpoint, structured (JSON) logs from both gunicorn and Django.
"""

import json
import re

import pytest
from tests.ops.conftest import ALLOWED_HOST, HTTPS, fetch, production_user

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-Secret-123"


def csrf_token(page):
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()


def test_headers_cookies_redirect_health_and_json_logs(prod_server):
    server = prod_server()
    user = production_user(PASSWORD)

    home = fetch(server.url + "/", headers=HTTPS)
    assert home.status == 200
    assert home.header("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    assert home.header("X-Content-Type-Options") == "nosniff" and home.header("X-Frame-Options") == "DENY"
    assert home.header("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert home.header("Cross-Origin-Opener-Policy") == "same-origin"
    policy = home.header("Content-Security-Policy")
    assert "script-src 'self'" in policy and "https://tile.openstreetmap.org" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]

    plain = fetch(server.url + "/elenco/?region=12", headers={"Host": ALLOWED_HOST})
    assert plain.status == 301 and plain.header("Location") == f"https://{ALLOWED_HOST}/elenco/?region=12"
    health = fetch(server.url + "/health/", headers={"Host": ALLOWED_HOST})  # plain HTTP, as probes do
    assert health.status == 200 and health.json() == {"status": "ok", "database": "ok"}

    login_page = fetch(server.url + "/accounts/login/", headers=HTTPS)
    csrf_value, csrf_flags = login_page.cookies()["csrftoken"]
    assert "secure" in csrf_flags and csrf_flags["samesite"] == "Lax" and "httponly" not in csrf_flags
    body = f"login={user.email}&password={PASSWORD}&csrfmiddlewaretoken={csrf_token(login_page)}".encode()
    logged_in = fetch(server.url + "/accounts/login/", "POST", body=body, headers={
        **HTTPS, "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_value}",
        "Origin": f"https://{ALLOWED_HOST}"})
    assert logged_in.status == 302, logged_in.body[:500]
    session_value, session_flags = logged_in.cookies()["sessionid"]
    assert session_value and "secure" in session_flags and "httponly" in session_flags
    assert session_flags["samesite"] == "Lax"
    print(f"S1 cookie flags: csrftoken {sorted(csrf_flags)}, sessionid {sorted(session_flags)}")

    assert fetch(server.url + "/no-such-page/", headers=HTTPS).status == 404
    server.stop()
    records = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    access = [r for r in records if r.get("logger") == "gunicorn.access"]
    assert {(r["method"], r["path"], r["status"]) for r in access} >= {
        ("GET", "/", 200), ("GET", "/health/", 200), ("POST", "/accounts/login/", 302)}
    assert all(isinstance(r["duration_ms"], float) and r["pid"] for r in access)
    assert any(r.get("logger") == "django.request" and r["level"] == "WARNING" and "/no-such-page/" in r["message"]
               for r in records)
    lines = [line for line in server.output().splitlines() if line.strip()]
    assert len(records) == len(lines), [line for line in lines if not line.startswith("{")][:5]
