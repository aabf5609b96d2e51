"""`freshness` and `confirmed_since` go through the one site search, so every face selects the same sites: the
list, the exports (GeoJSON, CSV), the stats, the tiles (points, and clusters from the precomputed counts or live),
the web table, the dashboard and saved-search matching. Freshness boundaries are whole UTC days."""

import csv
import datetime as dt
import io
import json
import math

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from commons.freshness import cutoffs, freshness_of, months_before
from commons.models import Freshness, Site, SiteKind
from commons.models.aggregates import bands_current, forget_bands_check, refresh_bands
from commons.search import site_search
from commons.services.notifications import _matches_search
from tests.factories import MILANO, NAPOLI, ROMA, SiteFactory

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc


def _db_today():
    with connection.cursor() as cursor:
        cursor.execute("SELECT (now() AT TIME ZONE 'UTC')::date")
        return cursor.fetchone()[0]


def _at(place, i, confirmed, **fields):
    site = SiteFactory(location=Point(place[0] + i * 0.002, place[1] + (i % 3) * 0.002, srid=4326), **fields)
    Site.objects.filter(pk=site.pk).update(last_confirmed_at=confirmed)
    return site.pk


@pytest.fixture
def sites():
    """Sites on both sides of each boundary, in three regions, two kinds; {pk: expected freshness}."""
    today = _db_today()
    fresh_from, stale_before = cutoffs(today)
    moments = [timezone.now(), fresh_from, fresh_from - dt.timedelta(microseconds=1), stale_before,
               stale_before - dt.timedelta(microseconds=1), timezone.now() - dt.timedelta(days=1500)]
    expected = {}
    for p, place in enumerate((ROMA, MILANO, NAPOLI)):
        for i, moment in enumerate(moments):
            pk = _at(place, p * 10 + i, moment, kind=SiteKind.LAND if i % 2 else SiteKind.BUILDING)
            expected[pk] = freshness_of(moment, today)
    return expected


def test_the_boundaries_are_whole_days_and_calendar_months_as_postgresql_counts_them(sites):
    today = _db_today()
    assert sorted(sites.values()).count(Freshness.FRESH) == 6  # now and the first fresh instant
    with connection.cursor() as cursor:
        for day in (dt.date(2024, 2, 29), dt.date(2025, 3, 31), dt.date(2026, 1, 1), today):
            cursor.execute("SELECT (%s::date - interval '12 months')::date, (%s::date - interval '24 months')::date",
                           [day, day])
            assert cursor.fetchone() == (months_before(day, 12), months_before(day, 24))
    fresh_from, stale_before = cutoffs(today)
    assert freshness_of(fresh_from, today) == Freshness.FRESH  # confirmed 12 months minus a day ago
    assert freshness_of(fresh_from - dt.timedelta(microseconds=1), today) == Freshness.AGEING  # exactly 12 months
    assert freshness_of(stale_before, today) == Freshness.AGEING  # exactly 24 months
    assert freshness_of(stale_before - dt.timedelta(microseconds=1), today) == Freshness.STALE
    members = dict(Site.objects.values_list("pk", "last_confirmed_at"))
    for pk, expected in sites.items():  # the public member, computed by PostgreSQL
        assert freshness_of(members[pk], today) == expected
    api = Client().get("/api/v1/sites/?limit=1000").json()["features"]
    assert {f["id"]: f["properties"]["freshness"] for f in api} == sites


QUERIES = ["freshness=fresh", "freshness=ageing", "freshness=stale", "freshness=ageing,stale&kind=land",
           "freshness=fresh,stale&region=03,15", "freshness=fresh&freshness=ageing",
           "confirmed_since=" + (timezone.now() - dt.timedelta(days=500)).date().isoformat()]


def _list_ids(client, query):
    return {f["id"] for f in client.get(f"/api/v1/sites/?{query}&limit=1000").json()["features"]}


def _csv_ids(client, query):
    body = b"".join(client.get(f"/api/v1/exports/sites.csv?{query}").streaming_content).decode("utf-8-sig")
    return {int(row["id"]) for row in csv.DictReader(io.StringIO(body))}


def _geojson_ids(client, query):
    body = b"".join(client.get(f"/api/v1/exports/sites.geojson?{query}").streaming_content)
    return {f["id"] for f in json.loads(body)["features"]}


def _tile(client, z, lon, lat, query):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    response = client.get(f"/tiles/sites/{z}/{x}/{y}.pbf?{query}")
    assert response.status_code == 200
    return mapbox_vector_tile.decode(response.content) if response.content else {}


def _tile_ids(client, query):
    ids = set()
    for place in (ROMA, MILANO, NAPOLI):
        for feature in _tile(client, 11, *place, query).get("sites", {}).get("features", []):
            ids.add(feature["id"])
            assert feature["properties"]["freshness"] in Freshness.values
    return ids


def _cluster_total(client, query):
    return sum(f["properties"]["count"] for f in _tile(client, 0, 0, 0, query).get("site_clusters", {})
               .get("features", []))


def _every_face_agrees(client, expected_for):
    for query in QUERIES:
        expected = expected_for(query)
        assert _list_ids(client, query) == expected, query
        assert _csv_ids(client, query) == expected, query
        assert _geojson_ids(client, query) == expected, query
        assert _tile_ids(client, query) == expected, query
        assert _cluster_total(client, query) == len(expected), query
        assert client.get(f"/api/v1/stats/?{query}").json()["total"] == len(expected), query
        response = client.get(f"/elenco/?{query}&partial=1")
        assert int(response["X-Result-Count"]) == len(expected), query
        assert all(_matches_search(query, site) == (site.pk in expected) for site in Site.objects.all()), query


def _expected(sites):
    def expected_for(query):
        return set(site_search(QueryDict(query)).sites().values_list("pk", flat=True))
    by_freshness = expected_for("freshness=stale")
    assert by_freshness == {pk for pk, f in sites.items() if f == Freshness.STALE}
    return expected_for


def test_list_exports_tiles_stats_table_and_saved_searches_select_the_same_sites(sites):
    refresh_bands()
    assert bands_current() and site_search({"freshness": "stale"}).selection is not None  # from the counts
    _every_face_agrees(Client(), _expected(sites))


def test_when_the_counts_bands_are_not_today_s_freshness_is_counted_live_and_still_agrees(sites):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE commons_freshnessclock SET as_of = as_of - 3")
    forget_bands_check()
    assert site_search({"freshness": "stale"}).selection is None
    _every_face_agrees(Client(), _expected(sites))


def test_bad_freshness_and_dates_are_400_naming_the_parameter():
    client = Client()
    for query, code in (("freshness=rotten", "invalid_choice"), ("confirmed_since=ieri", "invalid_datetime")):
        error = client.get(f"/api/v1/sites/?{query}").json()["errors"][0]
        assert error["field"] == query.split("=")[0] and error["code"] == code
        assert client.get(f"/tiles/sites/5/17/11.pbf?{query}").status_code == 400
        assert client.get(f"/api/v1/stats/?{query}").status_code == 400


def test_the_dashboard_counts_freshness_per_region_as_the_stats_do(sites):
    refresh_bands()
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/cruscotto/?kind=land").content.decode()
    assert 'id="table-freshness"' in page and 'id="chart-freshness"' in page
    stale_land = sum(1 for pk, f in sites.items() if f == Freshness.STALE and Site.objects.get(pk=pk).kind == "land")
    live = site_search({"kind": "land"}).freshness_counts()
    assert sum(n for _r, f, n in live if f == "stale") == stale_land
    forget_bands_check()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE commons_freshnessclock SET as_of = as_of - 3")
    forget_bands_check()
    assert site_search({"kind": "land"}).freshness_counts() == live  # the live GROUP BY says the same


def test_sites_no_longer_in_their_source_are_one_filter_for_every_face(client, sites):
    marked = sorted(sites)[::5]
    Site.objects.filter(pk__in=marked).update(missing_from_source_at=timezone.now())
    for query, expected in (("missing_from_source=true", set(marked)),
                            ("missing_from_source=false", set(sites) - set(marked)),
                            ("missing_from_source=true&freshness=stale",
                             {pk for pk in marked if sites[pk] == Freshness.STALE})):
        assert _list_ids(client, query) == expected, query
        assert _csv_ids(client, query) == expected, query
        assert _tile_ids(client, query) == expected, query
        assert _cluster_total(client, query) == len(expected), query
        assert client.get(f"/api/v1/stats/?{query}").json()["total"] == len(expected), query
    bad = client.get("/api/v1/sites/?missing_from_source=forse")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "missing_from_source"
