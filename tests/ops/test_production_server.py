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


def test_a_tile_on_the_lean_path_has_the_headers_of_the_full_path_and_gzip(prod_server):
    """The same tile, a 304 and a 400 from production gunicorn with the lean path off (every request through the
    whole MIDDLEWARE list) and on: the same status, body and headers (HSTS, CSP, X-Frame-Options, nosniff,
    Referrer-Policy, COOP, CORS, caching), no cookie; gzip only when asked for, decoding to the same bytes."""
    import gzip

    from django.contrib.gis.geos import Point

    from tests.factories import ROMA, SiteFactory
    from tests.mapping.test_tiles import tile_of

    for i in range(30):
        SiteFactory(location=Point(ROMA[0] + i * 0.0004, ROMA[1], srid=4326))
    tile = "/tiles/sites/%d/%d/%d.pbf" % tile_of(*ROMA, 14)
    requests = [(tile, {}), (tile + "?kind=castle", {}), ("/tiles/sites/14/99999/1.pbf", {}), ("/health/", {})]
    answers = {}
    for lean in ("0", "1"):
        server = prod_server(workers=1, REGISTRY_LEAN_PATH=lean)
        answers[lean] = [fetch(server.url + path, headers={**HTTPS, **extra}) for path, extra in requests]
        etag = answers[lean][0].header("ETag")
        answers[lean].append(fetch(server.url + tile, headers={**HTTPS, "If-None-Match": etag}))
        if lean == "1":
            packed = fetch(server.url + tile, headers={**HTTPS, "Accept-Encoding": "gzip"})
        server.stop()

    def comparable(response):  # django-csp writes the directives in the order of a set: compared as a set
        headers = sorted((k.lower(), "; ".join(sorted(v.split("; "))) if k.lower() == "content-security-policy"
                          else v) for k, v in response.headers if k.lower() not in ("date", "expires", "vary"))
        return response.status, response.body, headers

    full, lean = answers["0"], answers["1"]
    for before, after in zip(full, lean):
        assert comparable(after) == comparable(before), (before.headers, after.headers)
    assert [r.status for r in lean] == [200, 400, 400, 200, 304]
    for response in lean:
        assert response.header("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
        assert response.header("X-Frame-Options") == "DENY" and response.header("X-Content-Type-Options") == "nosniff"
        assert response.header("Referrer-Policy") == "strict-origin-when-cross-origin"
        assert response.header("Cross-Origin-Opener-Policy") == "same-origin"
        assert "frame-ancestors 'none'" in response.header("Content-Security-Policy")
        assert not response.all("Set-Cookie")
    assert lean[0].header("Access-Control-Allow-Origin") == "*" and len(lean[0].body) > 200
    assert packed.header("Content-Encoding") == "gzip" and gzip.decompress(packed.body) == lean[0].body
    assert "Accept-Encoding" in packed.header("Vary") and packed.header("ETag") == "W/" + lean[0].header("ETag")
    print(f"lean tile: {len(lean[0].body)} bytes, gzip {len(packed.body)} bytes")
