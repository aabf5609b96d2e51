"""The database failing under the app, in process: PostgreSQL unreachable (the connection pointed at a loopback port
nobody listens on: a real psycopg error, wrapped by Django as in an outage) and statements past their budget (a
real pg_sleep, real lock waits under tiny timeouts). Answers are 503 + Retry-After in the one error format or a
page, within a second, and the connection serves the next request. bench/faults.py does the same under gunicorn
with PostgreSQL really stopped."""

import json
import socket
import time

import psycopg
import pytest
from django.apps import apps
from django.db import connection
from django.http import JsonResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.authtoken.models import Token

from commons.models import IdempotencyKey, Site, SiteAggregate
from tests.factories import ROMA, SiteFactory, verified_user

SLEPT_ON = []  # backend pids the slow view ran on


def slow(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        SLEPT_ON.append(cursor.fetchone()[0])
        cursor.execute("SELECT pg_sleep(3)")
    return JsonResponse({"slept": True})


@csrf_exempt
def budget(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('statement_timeout')")
        pid, timeout = cursor.fetchone()
    return JsonResponse({"pid": pid, "statement_timeout": timeout})


def broken(request):
    raise ValueError("a bug, not the database")


urlpatterns = [path("test/slow/", slow), path("test/budget/", budget), path("test/broken/", broken),
               path("", include("config.urls"))]
handler404 = "mapping.read.errors.not_found"
handler500 = "mapping.read.unavailable.server_error"
TEST_URLS = override_settings(ROOT_URLCONF=__name__)


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_down(django_db_blocker):
    """The default connection pointed at a loopback port nobody listens on, as when PostgreSQL is stopped."""
    settings_dict = connection.settings_dict
    port = settings_dict["PORT"]
    with django_db_blocker.unblock():
        connection.close()
        settings_dict["PORT"] = str(closed_port())
        try:
            yield
        finally:
            connection.close()
            settings_dict["PORT"] = port


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_unavailable(response, code="database_unavailable"):
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "5" and response["Cache-Control"] == "no-store"
    body = json.loads(response.content)
    assert [(item["field"], item["code"]) for item in body["errors"]] == [(None, code)]
    assert body["errors"][0]["message"]
    return body


@pytest.mark.parametrize("url", ["/api/v1/sites/?bbox=12.4,41.8,12.6,42.0", "/api/v1/sites/7/",
                                 "/tiles/sites/14/8755/6085.pbf", "/api/v1/stats/", "/api/v1/exports/sites.csv"])
def test_reads_answer_503_with_retry_after_within_a_second_while_the_database_is_down(database_down, url):
    response, seconds = timed(lambda: Client().get(url))
    assert_unavailable(response)
    assert seconds < 1


def test_the_error_speaks_the_request_language(database_down):
    italian = assert_unavailable(Client().get("/api/v1/sites/"))
    english = assert_unavailable(Client().get("/api/v1/sites/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "database" in italian["errors"][0]["message"] and "riprova" in italian["errors"][0]["message"]
    assert english["errors"][0]["message"].startswith("The registry's database")


def test_tiles_answer_their_503_to_maps_on_other_sites(database_down):
    response = Client().get("/tiles/sites/8/136/95.pbf")
    assert_unavailable(response)
    assert response["Access-Control-Allow-Origin"] == "*"


def test_health_says_down(database_down):
    response, seconds = timed(lambda: Client().get("/health/"))
    assert response.status_code == 503 and response.json() == {"status": "error", "database": "unavailable"}
    assert response["Retry-After"] == "5" and seconds < 1


def test_pages_answer_a_503_page_in_italian_by_default_and_in_english(database_down):
    italian, seconds = timed(lambda: Client().get("/elenco/", HTTP_ACCEPT="text/html,*/*;q=0.8"))
    assert italian.status_code == 503 and italian["Retry-After"] == "5" and seconds < 1
    assert italian["Content-Type"] == "text/html; charset=utf-8"
    page = italian.content.decode()
    assert '<html lang="it">' in page and "Servizio temporaneamente non disponibile" in page
    assert 'href="/elenco/"' in page and "Riprova" in page  # try the same page again
    assert "registry-lang" in page and "registry-login" not in page  # the language switch, no account links
    english = Client().get("/elenco/", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 503 and '<html lang="en">' in english.content.decode()
    assert "Service temporarily unavailable" in english.content.decode()


def test_a_fault_raised_in_a_middleware_answers_503_too(database_down):
    """An unsafe request with a session cookie: pghistory's middleware looks the user up before any view."""
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    response, seconds = timed(lambda: client.post("/api/v1/sites/", {}, content_type="application/json"))
    assert_unavailable(response)
    assert seconds < 1
    page = client.post("/segnala/", {}, HTTP_ACCEPT="text/html")
    assert page.status_code == 503 and "non è stata salvata" in page.content.decode()


def test_the_language_switch_needs_no_database(database_down):
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"


@TEST_URLS
def test_other_errors_stay_500():
    assert Client(raise_request_exception=False).get("/test/broken/").status_code == 500


@pytest.fixture
def fresh_connection(transactional_db):
    """The next request opens a new connection, as a gunicorn worker's first request does."""
    connection.close()
    yield
    connection.close()  # later tests get a connection without the tiny budgets


@TEST_URLS
@override_settings(REGISTRY_READ_STATEMENT_TIMEOUT_MS=200)
def test_a_read_past_its_budget_answers_503_and_its_connection_serves_the_next_request(fresh_connection):
    client = Client()
    response, seconds = timed(lambda: client.get("/test/slow/"))
    assert_unavailable(response, "query_timeout")
    assert seconds < 1.5  # pg_sleep(3) stopped at 200 ms
    after = client.get("/test/budget/").json()
    assert after == {"pid": SLEPT_ON[-1], "statement_timeout": "200ms"}  # the same connection, still on budget


@TEST_URLS
@override_settings(REGISTRY_READ_STATEMENT_TIMEOUT_MS=200, REGISTRY_WRITE_STATEMENT_TIMEOUT_MS=3000)
def test_unsafe_requests_run_under_the_write_budget_and_hand_the_read_one_back(fresh_connection):
    client = Client()
    assert client.get("/test/budget/").json()["statement_timeout"] == "200ms"
    assert client.post("/test/budget/").json()["statement_timeout"] == "3s"
    assert client.get("/test/budget/").json()["statement_timeout"] == "200ms"


@TEST_URLS
@override_settings(REGISTRY_READ_STATEMENT_TIMEOUT_MS=200, REGISTRY_WRITE_STATEMENT_TIMEOUT_MS=3000)
def test_the_budgets_cost_reads_no_statement_and_writes_two(fresh_connection):
    client = Client()
    client.get("/test/budget/")  # opens the connection (and sets its read budget)
    with CaptureQueriesContext(connection) as read:
        client.get("/test/budget/")
    with CaptureQueriesContext(connection) as write:
        client.post("/test/budget/")
    assert [q["sql"] for q in read.captured_queries if "set_config('statement_timeout'" in q["sql"]] == []
    budgets = [q["sql"] for q in write.captured_queries if "set_config('statement_timeout'" in q["sql"]]
    assert len(budgets) == 2 and "3000ms" in budgets[0] and "200ms" in budgets[1]  # raised, then lowered


@TEST_URLS
@override_settings(REGISTRY_READ_STATEMENT_TIMEOUT_MS=200)
def test_connections_opened_outside_requests_get_no_budget(fresh_connection):
    """What management commands open (migrations, imports, rebuilds) runs as long as it needs."""
    assert Client().get("/test/budget/").json()["statement_timeout"] == "200ms"
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        assert cursor.fetchone()[0] == "0"


def other_connection():
    settings_dict = connection.settings_dict
    return psycopg.connect(dbname=settings_dict["NAME"], host=settings_dict["HOST"], port=settings_dict["PORT"],
                           user=settings_dict["USER"], password=settings_dict["PASSWORD"] or None)


@pytest.fixture
def locked(transactional_db):
    """lock(table) -> release: another session holds the table (until release or the test's end), so statements
    on it wait."""
    held = []

    def lock(table):
        conn = other_connection()
        conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # psycopg opens a transaction for it
        held.append(conn)
        return conn.close  # closing rolls back: the lock is gone

    yield lock
    for conn in held:
        conn.close()


@override_settings(REGISTRY_EXPORT_STATEMENT_TIMEOUT_MS=300)
@pytest.mark.parametrize("extension", ["geojson", "csv", "gpkg"])
def test_an_export_past_its_budget_answers_503_before_its_first_byte(fresh_connection, locked, extension):
    SiteFactory.create_batch(3)
    locked(Site._meta.db_table)
    response, seconds = timed(lambda: Client().get(f"/api/v1/exports/sites.{extension}"))
    assert_unavailable(response, "query_timeout")
    assert not response.streaming and seconds < 3


@override_settings(REGISTRY_EXPORT_STATEMENT_TIMEOUT_MS=300)
def test_the_connection_exports_again_once_the_lock_is_gone(fresh_connection, locked):
    SiteFactory.create_batch(2)
    release = locked(Site._meta.db_table)
    client = Client()
    assert client.get("/api/v1/exports/sites.geojson").status_code == 503
    release()
    response = client.get("/api/v1/exports/sites.geojson")
    assert response.status_code == 200
    assert len(json.loads(b"".join(response.streaming_content))["features"]) == 2


@override_settings(REGISTRY_WRITE_STATEMENT_TIMEOUT_MS=300)
def test_a_write_stopped_midway_leaves_nothing_behind_and_its_retry_runs_once(fresh_connection, locked):
    """The site's INSERT waits in its trigger (the precomputed counts are locked) until the write budget stops it:
    the row, its counts, its audit event and its Idempotency-Key all roll back; the retry with the key creates one."""
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=verified_user()).key}")
    body = {"title": "Mulino a metà", "kind": "building", "location": {"type": "Point", "coordinates": list(ROMA)}}
    site_events = apps.get_model("commons", "SiteEvent").objects
    counts, events = list(SiteAggregate.objects.order_by("pk").values()), site_events.count()
    release = locked(SiteAggregate._meta.db_table)
    post = lambda: client.post("/api/v1/sites/", body, content_type="application/json",  # noqa: E731
                               HTTP_IDEMPOTENCY_KEY="report-1")
    response, seconds = timed(post)
    assert_unavailable(response, "query_timeout")
    assert seconds < 2
    release()
    assert not Site.objects.filter(title="Mulino a metà").exists() and site_events.count() == events
    assert list(SiteAggregate.objects.order_by("pk").values()) == counts
    assert not IdempotencyKey.objects.filter(key="report-1").exists()
    retried = post()
    assert retried.status_code == 201 and not retried.has_header("Idempotent-Replayed")
    assert Site.objects.filter(title="Mulino a metà").count() == 1


SLOW_SITES = ("(SELECT * FROM commons_site WHERE pg_sleep(0.2)::text = '') s "
              "JOIN commons_municipality m ON m.code = s.municipality_id")


@override_settings(REGISTRY_EXPORT_STATEMENT_TIMEOUT_MS=300)
def test_a_csv_export_whose_query_runs_past_its_budget_answers_503_not_a_cut_200(fresh_connection, monkeypatch):
    """The statement itself is slow (each row sleeps 0.2 s before the sort), no lock involved: COPY's own HEADER
    line used to reach the client before the query ran, so this was a 200 cut after the header."""
    SiteFactory.create_batch(3)
    monkeypatch.setattr("mapping.read.exports.FROM_SITES", SLOW_SITES)
    response, seconds = timed(lambda: Client().get("/api/v1/exports/sites.csv"))
    assert_unavailable(response, "query_timeout")
    assert not response.streaming and seconds < 3


def test_the_csv_header_is_the_one_copy_writes(db):
    from mapping.read.exports import csv_header, csv_sql

    with connection.cursor() as cursor, cursor.cursor.copy(
            csv_sql(Site.objects.filter(pk=-1)).replace("(FORMAT csv)", "(FORMAT csv, HEADER)")) as copy:
        assert b"".join(bytes(chunk) for chunk in copy).decode() == csv_header()
