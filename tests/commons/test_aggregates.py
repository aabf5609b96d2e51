"""The precomputed site counts (commons.models.aggregates) equal the live counts after every kind of write, and
the tiles and stats read from them answer exactly what the live queries answer.

The oracle is independent of the SQL that maintains the aggregates: Python recomputes every key and slot from the
sites' own rows, and compares with the stored cumulative arrays decoded back into per-slot counts.
"""

import datetime as dt
import math
from collections import Counter, defaultdict

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Count
from django.http import QueryDict

from commons.freshness import cutoffs
from commons.grid import WORLD_HALF as WORLD
from commons.models import FreshnessClock, Ownership, Site, SiteAggregate, SiteKind, SiteStatus
from commons.models.aggregates import (
    EVERY_BAND, GRID_LEVELS, KINDS, OWNERSHIPS, STATUSES, Selection, bands_current, forget_bands_check, main_slot,
    ownership_slot, refresh_bands, tile_grid,
)
from commons.services.demo import seed_demo
from commons.services.lifecycle import site_hide, site_mark_duplicate, site_restore, site_verify
from commons.services.sites import site_report, site_update
from commons.search import SiteFilterSet, site_search
from django.utils import timezone
from mapping.read.tiles import render_tile
from tests.factories import MILANO, NAPOLI, ROMA, SiteFactory, moderator_user, verified_user

pytestmark = pytest.mark.django_db
PESCARA = (14.2140, 42.4640)


def keys_of(row):
    region, province, inner, band, x, y = row
    keys = [(0, 0, 0, region, "", "", band), (0, 0, 0, region, province, inner, band)]
    for level in GRID_LEVELS:
        cell = 2 * WORLD / 2**level
        keys.append((level, math.floor((x + WORLD) / cell), math.floor((y + WORLD) / cell), region, province, inner,
                     band))
    return keys


def _default_clock():
    """What the bands hold for without a clock row (a flushed database): today, default thresholds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT (now() AT TIME ZONE 'UTC')::date")
        fresh_from, stale_before = cutoffs(cursor.fetchone()[0])
    return FreshnessClock(fresh_from=fresh_from, stale_before=stale_before)


def band_of(confirmed, clock):
    """The freshness band as of the clock's day, from its cut-offs (0 fresh, 1 ageing, 2 stale)."""
    return 0 if confirmed >= clock.fresh_from else 1 if confirmed >= clock.stale_before else 2


def expected():
    """{key: Counter({(status, kind, ownership): sites})} from the visible sites themselves."""
    counts = defaultdict(Counter)
    clock = FreshnessClock.objects.first() or _default_clock()
    rows = Site.objects.visible().values_list("status", "kind", "ownership", "region_id", "province_id",
                                              "municipality__inner_area_class", "last_confirmed_at", "location_3857")
    for status, kind, ownership, region, province, inner, confirmed, point in rows:
        for band in (band_of(confirmed, clock), EVERY_BAND):  # its band's rows and the rows over every band
            for key in keys_of((region, province, inner or "", band, point.x, point.y)):
                counts[key][(status, kind, ownership)] += 1
    return dict(counts)


def stored():
    """The same, decoded from the cumulative arrays (and both arrays checked against each other)."""
    counts = {}
    for row in SiteAggregate.objects.filter(total__gt=0):
        main = [b - a for a, b in zip([0, *row.cum_main], row.cum_main)]
        by_ownership = [b - a for a, b in zip([0, *row.cum_ownership], row.cum_ownership)]
        slots = Counter({(s, k, o): main[main_slot(si, ki, oi) - 1] for si, s in enumerate(STATUSES)
                         for ki, k in enumerate(KINDS) for oi, o in enumerate(OWNERSHIPS)})
        assert all(by_ownership[ownership_slot(oi, si) - 1] == sum(n for (s, _k, o), n in slots.items()
                                                                    if (s, o) == (st, ow))
                   for oi, ow in enumerate(OWNERSHIPS) for si, st in enumerate(STATUSES))
        assert row.total == sum(slots.values())
        counts[(row.level, row.cx, row.cy, row.region, row.province, row.inner_class, row.band)] = +slots
    return counts


def assert_current():
    assert stored() == expected()


def test_the_value_lists_are_the_choices_of_site():
    assert set(KINDS) == set(SiteKind.values) and set(OWNERSHIPS) == set(Ownership.values)
    assert set(STATUSES) == set(SiteStatus.values) - {SiteStatus.DUPLICATE}


def test_every_kind_status_and_ownership_is_counted_in_its_slot():
    for i, (kind, status, ownership) in enumerate(zip(KINDS * 5, STATUSES * 9, OWNERSHIPS * 7)):
        SiteFactory(kind=kind, status=status, ownership=ownership,
                    location=Point(ROMA[0] + i * 0.01, ROMA[1] + (i % 7) * 0.01, srid=4326))
    assert len(expected()) > 0
    assert_current()


def test_creates_edits_and_moves_across_regions_keep_them_current():
    citizen = verified_user()
    site = site_report(actor=citizen, title="Ex scuola", kind=SiteKind.BUILDING, location=Point(*ROMA, srid=4326))
    SiteFactory(location=Point(*MILANO, srid=4326), ownership=Ownership.PRIVATE)
    assert_current()
    site = site_update(actor=citizen, site_id=site.pk, expected_version=site.version, changes={"kind": SiteKind.LAND})
    assert_current()
    site = site_update(actor=citizen, site_id=site.pk, expected_version=site.version,
                       changes={"location": Point(*NAPOLI, srid=4326)})
    assert site.region_id == "15"  # Lazio -> Campania
    assert_current()
    site_update(actor=citizen, site_id=site.pk, expected_version=site.version, changes={"title": "Only the title"})
    assert_current()


def test_status_changes_hide_merge_and_restore_keep_them_current():
    first, second = SiteFactory(), SiteFactory(location=Point(*PESCARA, srid=4326))
    moderator = moderator_user()
    site_verify(site_id=first.pk, actor=moderator)
    assert_current()
    site_mark_duplicate(site_id=second.pk, survivor_id=first.pk, actor=moderator, reason="Stesso bene")
    assert_current()
    site_hide(site_id=first.pk, actor=moderator, reason="Dati personali")
    assert_current()
    site_restore(site_id=second.pk, actor=moderator)
    site_restore(site_id=first.pk, actor=moderator)
    assert_current()
    assert Site.objects.visible().count() == 2


def test_bulk_updates_raw_sql_and_deletes_keep_them_current():
    seed_demo(sites=400, seed=5)  # COPY with the triggers off, then counted once
    assert_current()
    Site.objects.filter(kind=SiteKind.BUILDING).update(status=SiteStatus.ARCHIVED, ownership=Ownership.STATE)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE commons_site SET location = ST_Translate(location, 0.02, 0.01) WHERE id % 3 = 0")
        cursor.execute("UPDATE commons_site SET hidden = true WHERE id % 5 = 0")
    assert_current()
    unclaimed = Site.objects.filter(proposals__isnull=True, children__isnull=True, duplicates__isnull=True)
    unclaimed.order_by("pk").first().delete()
    unclaimed.filter(kind=SiteKind.LAND).delete()
    assert_current()


def test_a_changed_inner_areas_class_moves_the_counts():
    SiteFactory(), SiteFactory(location=Point(*MILANO, srid=4326))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE commons_municipality SET inner_area_class = 'E' WHERE code = '058091'")
    assert_current()


def test_truncate_empties_them():
    SiteFactory()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks may be pending for TRUNCATE
        cursor.execute("TRUNCATE commons_site CASCADE")
    assert not SiteAggregate.objects.exists()


def test_an_unknown_kind_is_refused_rather_than_counted_nowhere():
    site = SiteFactory()
    with pytest.raises(DatabaseError, match="site aggregates do not know"), transaction.atomic():
        Site.objects.filter(pk=site.pk).update(kind="castle")


def test_the_command_checks_and_rebuilds():
    seed_demo(sites=200, seed=2)
    call_command("rebuild_aggregates", "--check")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE commons_siteaggregate SET total = total + 1 WHERE level = 13")
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_aggregates", "--check")
    call_command("rebuild_aggregates")
    call_command("rebuild_aggregates", "--check")
    assert_current()


def cluster_counts(data):
    layers = mapbox_vector_tile.decode(data) if data else {}
    features = layers.get("site_clusters", {}).get("features", [])
    return sorted(f["properties"]["count"] for f in features)


QUERIES = [
    {}, {"kind": "land"}, {"status": "reported,verified"}, {"ownership": "municipality,private"},
    {"kind": "building,industrial", "status": "verified", "ownership": "state,region,confiscated"},
    {"region": "12,15"}, {"province": "058"}, {"inner": "aree_interne"}, {"inner": "A", "kind": "land"},
    {"status": "duplicate"}, {"freshness": "fresh"}, {"freshness": "ageing,stale", "kind": "land"},
    {"freshness": "fresh,stale", "inner": "aree_interne"},
    {"freshness": "ageing", "region": "12", "status": "verified"},
]


def test_low_zoom_tiles_from_the_aggregates_equal_the_live_aggregation():
    seed_demo(sites=1500, seed=11)
    refresh_bands()
    for query in QUERIES:
        filterset = SiteFilterSet(query)
        assert filterset.is_valid()
        selection = Selection.from_filters(filterset.form.cleaned_data)
        assert selection is not None
        for lon, lat in (ROMA, MILANO, NAPOLI):
            for z in (3, 5, 6, 7, 8):
                n = 2**z
                x = int((lon + 180) / 360 * n)
                y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
                live = cluster_counts(render_tile(filterset.qs, z, x, y))
                assert cluster_counts(render_tile(filterset.qs, z, x, y, selection)) == live, (query, z, x, y)


def test_stats_from_the_aggregates_equal_the_live_group_by():
    seed_demo(sites=800, seed=12)
    refresh_bands()
    for query in QUERIES:
        filterset = SiteFilterSet(query)
        assert filterset.is_valid()
        rows = filterset.qs.order_by().values_list("region_id", "kind", "status").annotate(n=Count("id"))
        live = sorted(rows)
        selection = Selection.from_filters(filterset.form.cleaned_data)
        assert SiteAggregate.objects.region_kind_status_counts(selection) == live, query
        assert SiteAggregate.objects.count_matching(selection) == filterset.qs.count(), query


def test_filters_the_aggregates_cannot_answer_are_left_to_the_live_query():
    filterset = SiteFilterSet({"kind": "land", "q": "scuola"})
    assert filterset.is_valid()
    assert Selection.from_filters(filterset.form.cleaned_data) is None
    assert Selection.from_filters({"municipality": ["058091"], "kind": None}) is None
    assert Selection.from_filters({"kind": ["land"], "bbox": None}) == Selection(kinds=("land",))


def test_the_grid_of_a_tile():
    assert tile_grid(8, 136, 95) == (13, 0, (136 * 32, 136 * 32 + 31), ((255 - 95) * 32, (255 - 95) * 32 + 31))
    assert tile_grid(3, 4, 2)[:2] == (10, 2)
    with pytest.raises(ValueError):
        tile_grid(9, 0, 0)


def _stats(client, query="", **headers):
    response = client.get(f"/api/v1/stats/?{query}", **headers)
    assert response.status_code in (200, 304), response.content
    return response


def _live_total(query):
    filterset = SiteFilterSet(QueryDict(query))
    assert filterset.is_valid()
    return filterset.qs.count()


def _raw(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)


def test_kept_stats_answers_follow_every_change_even_inside_one_transaction(client):
    """The stats view keeps each answer per worker with the state of the counts (mapping/api/views/areas.py):
    after creates, edits, status changes and deletes, in this test's single transaction, it is never stale."""
    reporter, moderator = verified_user(), moderator_user()
    query = "kind=land&status=reported,verified"
    site = site_report(actor=reporter, title="Orto", kind=SiteKind.LAND, location=Point(*ROMA, srid=4326))
    steps = [
        lambda: None,
        lambda: site_report(actor=reporter, title="Campo", kind=SiteKind.LAND, location=Point(*MILANO, srid=4326)),
        lambda: site_verify(site_id=site.pk, actor=moderator),
        lambda: site_update(actor=moderator, site_id=site.pk, expected_version=None, changes={"kind": SiteKind.BUILDING}),
        lambda: SiteFactory(kind=SiteKind.LAND, location=Point(*NAPOLI, srid=4326)),
        lambda: Site.objects.filter(title="Campo").delete(),
        # Two plain statements in the test's own transaction (no savepoint): the same transaction id writes the
        # same count rows twice, only the command differs.
        lambda: _raw(f"UPDATE commons_site SET kind = 'land' WHERE id = {site.pk}"),
        lambda: _raw(f"UPDATE commons_site SET status = 'rejected' WHERE id = {site.pk}"),
    ]
    for step in steps:
        step()
        site.refresh_from_db()
        for q in ("", query):
            for _twice in range(2):  # the second answer comes from the kept one
                assert _stats(client, q).json()["total"] == _live_total(q), (step, q)


def test_kept_stats_answers_carry_an_etag_that_changes_with_the_counts(client):
    SiteFactory(kind=SiteKind.LAND, location=Point(*ROMA, srid=4326))
    etag = _stats(client)["ETag"]
    assert _stats(client, HTTP_IF_NONE_MATCH=etag).status_code == 304
    SiteFactory(kind=SiteKind.LAND, location=Point(*MILANO, srid=4326))
    fresh = _stats(client, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag and fresh.json()["total"] == 2


def _age_clock(days):
    """Pretend the bands were last refreshed `days` ago, and recount them so (what a day without refresh is)."""
    refresh_bands()  # a clock row to age (a flushed database has none)
    _raw(f"UPDATE commons_freshnessclock SET as_of = as_of - {days}, fresh_from = fresh_from - interval '{days} days', "
         f"stale_before = stale_before - interval '{days} days'")
    SiteAggregate.objects.rebuild()
    forget_bands_check()


def test_a_confirmation_moves_a_site_to_the_fresh_band():
    seed_demo(sites=300, seed=3)
    refresh_bands()
    stale = Site.objects.order_by("last_confirmed_at").first()
    Site.objects.filter(pk=stale.pk).update(last_confirmed_at=timezone.now())
    assert_current()


def test_a_change_of_band_alone_leaves_the_rows_over_every_band_unwritten():
    """What keeps unfiltered stats answers (and their ETags) across confirmations and the daily refresh."""
    seed_demo(sites=300, seed=5)
    refresh_bands()
    unfiltered, banded = SiteAggregate.objects.counts_state(), SiteAggregate.objects.counts_state(banded=True)
    stale = Site.objects.order_by("last_confirmed_at").first()
    Site.objects.filter(pk=stale.pk).update(last_confirmed_at=timezone.now())
    assert SiteAggregate.objects.counts_state() == unfiltered
    assert SiteAggregate.objects.counts_state(banded=True) != banded
    assert_current()
    Site.objects.filter(pk=stale.pk).update(kind=SiteKind.VILLAGE if stale.kind != SiteKind.VILLAGE else SiteKind.LAND)
    assert SiteAggregate.objects.counts_state() != unfiltered
    assert_current()


def test_reads_without_a_freshness_filter_read_only_the_rows_over_every_band():
    seed_demo(sites=300, seed=7)
    refresh_bands()
    every = Selection()
    assert SiteAggregate.objects.count_matching(every) == Site.objects.visible().count()
    by_band = sum(SiteAggregate.objects.count_matching(Selection(freshness=(name,)))
                  for name in ("fresh", "ageing", "stale"))
    assert by_band == Site.objects.visible().count()
    sql, params = SiteAggregate.objects.cells_sql(every, 5, 17, 11)
    assert f"band = {EVERY_BAND}" in sql


def test_refreshing_the_bands_moves_the_sites_that_crossed_a_threshold_since_the_clock_s_day():
    seed_demo(sites=600, seed=4)
    _age_clock(45)
    assert_current()  # consistent with the old day
    assert not bands_current()
    search = site_search({"freshness": "stale"})
    assert search.selection is None  # not today's bands: counted live
    moved = refresh_bands()
    assert moved > 0 and bands_current()
    assert FreshnessClock.objects.get().as_of == timezone.now().astimezone(dt.timezone.utc).date()
    assert_current()
    assert search.selection is not None
    assert SiteAggregate.objects.count_matching(search.selection) == search.sites().count()
    assert refresh_bands() == 0  # already today's


def test_the_rebuild_check_sees_a_site_counted_in_the_wrong_band():
    seed_demo(sites=100, seed=6)
    refresh_bands()
    call_command("rebuild_aggregates", "--check")
    _raw("UPDATE commons_siteaggregate SET band = 2 - band WHERE level = 12 AND band <> 1")
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_aggregates", "--check")


def test_without_a_clock_writes_go_on_and_the_next_refresh_counts_everything_again():
    """A flushed database (transactional tests) has no clock row: nothing fails, freshness is counted live."""
    SiteFactory()
    _raw("DELETE FROM commons_freshnessclock")
    forget_bands_check()
    SiteFactory(location=Point(*MILANO, srid=4326))
    assert not bands_current()
    assert refresh_bands() == 2
    assert bands_current()
    assert_current()
