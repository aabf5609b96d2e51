"""The one search object: parsed once per filter set and kept, immutable, and the counts every face reads."""

import pytest
from django.contrib.gis.geos import Point
from django.db.models import Count
from django.http import QueryDict

from commons.models import SiteKind, SiteStatus
from commons.search import FilterParamsError, cached_search, site_search
from tests.factories import MILANO, ROMA, SiteFactory

pytestmark = pytest.mark.django_db


def _sites():
    SiteFactory(location=Point(*ROMA, srid=4326), kind=SiteKind.BUILDING, status=SiteStatus.VERIFIED)
    SiteFactory(location=Point(*ROMA, srid=4326), kind=SiteKind.LAND, status=SiteStatus.REPORTED)
    SiteFactory(location=Point(*MILANO, srid=4326), kind=SiteKind.BUILDING, status=SiteStatus.REPORTED)


def test_the_same_filters_are_parsed_once_whatever_the_extras_and_unknown_order():
    list_search = site_search(QueryDict("kind=building&limit=10&offset=20"), extra={"limit", "offset"})
    tile_search = site_search(QueryDict("kind=building"))
    assert list_search is tile_search
    assert list_search.key == "kind=building"
    assert dict(list_search.values)["kind"] == ["building"]


def test_bad_filters_are_never_kept_and_every_bad_parameter_is_named():
    cached_search.cache_clear()
    for _attempt in range(2):
        with pytest.raises(FilterParamsError) as raised:
            site_search(QueryDict("kind=castle&colour=red&bbox=1,2"))
        assert [error["field"] for error in raised.value.errors] == ["colour", "kind", "bbox"]
    assert cached_search.cache_info().currsize == 0


def test_sites_hands_out_a_fresh_queryset_so_the_kept_search_never_holds_rows():
    _sites()
    search = site_search(QueryDict("kind=building"))
    assert search.sites().count() == 2
    list(search.sites())
    assert search.sites() is not search.sites()
    assert search._queryset._result_cache is None
    SiteFactory(location=Point(*ROMA, srid=4326), kind=SiteKind.BUILDING)
    assert site_search(QueryDict("kind=building")).sites().count() == 3  # kept search, live rows


def test_fast_path_facts_come_from_the_cleaned_values():
    assert site_search(QueryDict("bbox=12,41,13,42&kind=land")).only_bbox == (12.0, 41.0, 13.0, 42.0)
    assert site_search(QueryDict("bbox=12,41,13,42&q=mulino")).only_bbox is None
    assert site_search(QueryDict("q=mulino")).index_led
    assert not site_search(QueryDict("kind=land")).index_led
    assert site_search(QueryDict("kind=land&region=12")).selection is not None
    assert site_search(QueryDict("q=mulino")).selection is None  # the precomputed counts cannot answer it


@pytest.mark.parametrize("query", ["", "kind=building", "status=reported&region=12", "q=edificio",
                                   "inner=aree_interne", "inner=A,B"])
def test_counts_equal_a_group_by_over_the_matching_sites_both_ways(query):
    _sites()
    search = site_search(QueryDict(query))
    expected = sorted(search.sites().order_by().values_list("region_id", "kind", "status").annotate(n=Count("id")))
    assert search.counts() == expected
    inner = search.sites().filter(municipality__inner_area_class__in=["D", "E", "F"])
    assert search.counts(inner_only=True) == sorted(
        inner.order_by().values_list("region_id", "kind", "status").annotate(n=Count("id")))


def test_the_dashboard_and_the_api_stats_show_the_same_counts(client):
    _sites()
    for query in ("", "kind=building", "q=edificio"):
        stats = client.get(f"/api/v1/stats/?{query}").json()
        page = client.get(f"/cruscotto/?{query}")
        assert page.status_code == 200
        rows = {row["code"]: row["total"] for row in page.context["rows"] if row["total"]}
        assert rows == stats["by_region"], query
        assert page.context["totals"]["total"] == stats["total"]
