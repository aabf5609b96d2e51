"""The lean path (mapping/read/lean.py): tiles and the health check answered through a shorter middleware list,
compared request by request with the full list (REGISTRY_LEAN_PATH off): same status, body, ETag, 304, errors,
headers; no session or cookie; gzip when the client accepts it; the statement timeout and the 503 of a fault."""

import gzip
import json
from unittest import mock

import pytest
from django.contrib.gis.geos import Point
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection, connections
from django.test import Client, override_settings
from django.urls import include, path

from tests.factories import ROMA, SiteFactory
from tests.mapping.test_database_faults import SLEPT_ON, assert_unavailable, slow, timed
from tests.mapping.test_tiles import tile_of

pytestmark = pytest.mark.django_db

urlpatterns = [path("tiles/test/slow/", slow), path("", include("config.urls"))]
handler404 = "mapping.read.errors.not_found"
handler500 = "mapping.read.unavailable.server_error"

Z14 = "/tiles/sites/%d/%d/%d.pbf" % tile_of(*ROMA, 14)
REQUESTS = [  # (path, headers): what a map, a cache and a mistaken client send
    (Z14, {}),
    (Z14 + "?status=reported,verified&kind=land,building", {}),
    (Z14, {"HTTP_ACCEPT_LANGUAGE": "en"}),
    ("/tiles/sites/14/99999/1.pbf", {}),  # x out of range
    ("/tiles/sites/99/a/1.pbf?status=nonsense", {"HTTP_ACCEPT_LANGUAGE": "en"}),  # bad z, x and filter
    ("/tiles/sites/14/1/1.pbf?kind=castle", {}),
    ("/tiles/nothing-here", {}),
    ("/health/", {}),
]


@pytest.fixture
def sites():
    return [SiteFactory(location=Point(ROMA[0] + i * 0.0004, ROMA[1], srid=4326), title=f"Sito {i}")
            for i in range(40)]


@pytest.fixture
def full_and_lean(settings):
    """Two clients: the full middleware list (the lean path off) and the lean path (each handler is built at its
    client's first request, under the settings of that moment)."""
    settings.REGISTRY_LEAN_PATH = False
    full = Client()
    full.get("/health/")
    settings.REGISTRY_LEAN_PATH = True
    lean = Client()
    lean.get("/health/")
    return full, lean


def vary(response):
    return {value.strip() for value in response.get("Vary", "").split(",") if value.strip()}


def comparable(response):
    """Status, body and headers but the date; Vary as a set."""
    headers = {k: v for k, v in response.headers.items() if k not in ("Date", "Vary")}
    return response.status_code, response.content, headers, vary(response)


@pytest.mark.parametrize(("url", "headers"), REQUESTS)
def test_every_answer_is_the_full_paths_answer(sites, full_and_lean, url, headers):
    """The same, but that an answer gzip could compress (200 bytes or more) also varies by Accept-Encoding."""
    full, lean = full_and_lean
    status, body, fields, lean_vary = comparable(lean.get(url, **headers))
    assert (status, body, fields) == comparable(full.get(url, **headers))[:3]
    full_vary = vary(full.get(url, **headers))
    assert lean_vary == full_vary | ({"Accept-Encoding"} if len(body) >= 200 else set())


def test_errors_keep_the_one_format_and_the_request_language(full_and_lean):
    _full, lean = full_and_lean
    response = lean.get("/tiles/sites/99/a/1.pbf?status=nonsense", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json() == {"errors": [
        {"field": "x", "code": "invalid_number", "message": "x must be a whole number."},
        {"field": "status", "code": "invalid_choice",
         "message": "nonsense is not one of: reported, verified, assigned, in_reuse, rejected, duplicate, archived."},
    ]}
    assert response["Content-Language"] == "en"
    italian = lean.get("/tiles/sites/14/99999/1.pbf")
    assert italian.json() == {"errors": [{"field": "x", "code": "out_of_range",
                                          "message": "x deve essere compreso tra 0 e 16383 al livello di zoom 14."}]}
    assert italian["Content-Language"] == "it"


def test_a_tile_skips_sessions_and_sets_no_cookie_where_a_page_still_has_them(sites, full_and_lean):
    _full, lean = full_and_lean
    with mock.patch.object(SessionMiddleware, "process_request", autospec=True,
                           side_effect=SessionMiddleware.process_request) as sessions:
        tile = lean.get(Z14, HTTP_COOKIE="sessionid=abc; csrftoken=def")
        assert sessions.call_count == 0
        lean.get("/")
        assert sessions.call_count == 1
    assert tile.status_code == 200 and tile.content
    assert not tile.cookies and "Set-Cookie" not in tile.headers
    assert "Cookie" not in tile["Vary"]


def test_a_post_to_a_tile_takes_the_full_path(full_and_lean):
    full, lean = full_and_lean
    assert comparable(lean.post(Z14)) == comparable(full.post(Z14))
    assert comparable(lean.options(Z14)) == comparable(full.options(Z14))
    assert lean.post(Z14).status_code == 405


def test_etag_and_304_as_before(sites, full_and_lean):
    full, lean = full_and_lean
    first = lean.get(Z14)
    etag = first["ETag"]
    assert etag == full.get(Z14)["ETag"] and etag.startswith('"')
    for client in (full, lean):
        again = client.get(Z14, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
        assert again["Cache-Control"] == "public, max-age=300" and again["Access-Control-Allow-Origin"] == "*"
    assert lean.get(Z14, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_gzip_when_accepted_and_only_then(sites, full_and_lean):
    _full, lean = full_and_lean
    plain = lean.get(Z14)
    packed = lean.get(Z14, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain.headers and len(plain.content) > 200
    assert packed["Content-Encoding"] == "gzip" and gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) and packed["Content-Length"] == str(len(packed.content))
    assert packed["Content-Type"] == plain["Content-Type"] == "application/vnd.mapbox-vector-tile"
    for response in (plain, packed):
        assert "Accept-Encoding" in [v.strip() for v in response["Vary"].split(",")]
    assert packed["ETag"] == "W/" + plain["ETag"]  # another representation: a weak tag (RFC 9110 §8.8.1)
    assert lean.get(Z14, HTTP_ACCEPT_ENCODING="gzip").content == packed.content  # the same bytes every time
    assert "Content-Encoding" not in lean.get(Z14, HTTP_ACCEPT_ENCODING="identity, br").headers


def test_a_gzip_client_revalidates_with_either_tag(sites, full_and_lean):
    _full, lean = full_and_lean
    weak = lean.get(Z14, HTTP_ACCEPT_ENCODING="gzip")["ETag"]
    for tag in (weak, weak.removeprefix("W/")):
        response = lean.get(Z14, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=tag)
        assert response.status_code == 304 and response["ETag"] == weak  # the tag of the 200 it confirms
        assert "Accept-Encoding" in response["Vary"]


def test_errors_are_compressed_too_when_long(full_and_lean):
    _full, lean = full_and_lean
    url = "/tiles/sites/99/a/b.pbf?status=nonsense&kind=castle&ownership=nobody"
    plain = lean.get(url)
    packed = lean.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert plain.status_code == packed.status_code == 400
    assert json.loads(gzip.decompress(packed.content) if packed.get("Content-Encoding") else packed.content) \
        == plain.json()


@override_settings(ROOT_URLCONF=__name__, REGISTRY_READ_STATEMENT_TIMEOUT_MS=1000)
@pytest.mark.django_db(transaction=True)
def test_the_lean_path_reads_under_the_statement_timeout_and_answers_503_when_it_fires():
    connection.close()  # the next request opens the connection, as a worker's first request does
    try:
        client = Client()
        assert client.get(Z14).status_code == 200
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout')")
            assert cursor.fetchone()[0] == "1s"  # opened by the lean request: under the read budget
        response, seconds = timed(lambda: client.get("/tiles/test/slow/"))
        assert_unavailable(response, "query_timeout")
        assert seconds < 2.5 and SLEPT_ON  # pg_sleep(3) stopped at 1 s
        assert response["Access-Control-Allow-Origin"] == "*"
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_tile_trusts_its_kept_connection_and_asks_again_once_when_the_server_ended_it(sites, monkeypatch):
    """No `SELECT 1` health check before a tile on a kept connection (one round trip fewer per tile); a connection
    the server ended (as a restart of PostgreSQL does) is replaced and the tile asked again, never a 503."""
    connection.close()
    client = Client()
    first = client.get(Z14)
    assert first.status_code == 200 and first.content
    checks = []
    wrapper = type(connections["default"])
    usable = wrapper.is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda self: checks.append(self.alias) or usable(self))
    connection.close_if_unusable_or_obsolete()  # what request_started does before every request of a worker
    assert client.get(Z14).content == first.content
    assert checks == []
    pid = connection.connection.info.backend_pid
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    connection.close_if_unusable_or_obsolete()
    again = client.get(Z14)
    assert again.status_code == 200 and again.content == first.content
    assert connection.connection.info.backend_pid != pid
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_tile_statement_that_fails_on_a_sound_connection_is_not_asked_again():
    from django.db import OperationalError
    from django.test.utils import CaptureQueriesContext

    from mapping.read.tiles import fetch_tile

    connection.close()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '50ms'")
    connection.health_check_done = False  # a kept connection at the start of a request
    try:
        with CaptureQueriesContext(connection) as queries, pytest.raises(OperationalError):
            fetch_tile("SELECT pg_sleep(0.5)::text::bytea", [])
        assert len(queries) == 1  # a timeout is not repeated
    finally:
        connection.close()
