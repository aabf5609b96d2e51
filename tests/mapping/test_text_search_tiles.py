"""Low-zoom tiles with a text search: a one-lexeme `q` is answered from the precomputed counts per term and cell
(commons.models.aggregates.SiteTermCount, migration 0022), and those tiles equal the live aggregation and a live
count of the matching sites, also right after a write."""

import math

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.http import QueryDict

from commons.models import Site, SiteKind, SiteTermCount
from commons.search import site_search
from commons.services.demo import seed_demo
from commons.services.lifecycle import site_hide, site_mark_duplicate, site_restore
from commons.services.sites import site_report, site_update
from mapping.read.tiles import cached_tile_sql, render_tile
from tests.factories import MILANO, NAPOLI, ROMA, SiteFactory, moderator_user, verified_user

pytestmark = pytest.mark.django_db


def tile_of(lon, lat, z):
    n = 2**z
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def clusters(data):
    """{(x, y) in tile units: count} of the site_clusters layer."""
    features = (mapbox_vector_tile.decode(data) if data else {}).get("site_clusters", {}).get("features", [])
    return {tuple(f["geometry"]["coordinates"]): f["properties"]["count"] for f in features}


def served(client, z, x, y, q):
    response = client.get(f"/tiles/sites/{z}/{x}/{y}.pbf", {"q": q})
    assert response.status_code == 200, response.content
    return clusters(response.content)


def live(z, x, y, q):
    """The same tile aggregated on the fly from the matching sites (no precomputed counts)."""
    return clusters(render_tile(site_search(QueryDict(f"q={q}")).sites(), z, x, y))


def matching_in_tile(z, x, y, q):
    """A live count of the visible sites matching q inside the tile (its interior: no site lies on an edge here)."""
    from mapping.read.tiles import _in_tile
    return _in_tile(site_search(QueryDict(f"q={q}")).sites(), z, x, y, 0).count()


def assert_tiles_equal_live(client, q, places=(ROMA, MILANO, NAPOLI), zooms=(4, 5, 6, 7, 8)):
    for place in places:
        for z in zooms:
            tile = tile_of(*place, z)
            answered = served(client, *tile, q)
            expected = live(*tile, q)
            # Counts per cell are exact; the mean position of a cell may round one tile unit apart.
            assert sorted(answered.values()) == sorted(expected.values()), (q, tile)
            assert sum(answered.values()) == matching_in_tile(*tile, q), (q, tile)
            for (ax, ay), (ex, ey) in zip(sorted(answered), sorted(expected)):
                assert abs(ax - ex) <= 1 and abs(ay - ey) <= 1, (q, tile)


def test_the_lexeme_of_a_one_word_search_and_the_searches_counted_live():
    assert site_search(QueryDict("q=mulino")).term == "mulin"
    assert site_search(QueryDict("q=Scuola")).term == "scuol"
    assert site_search(QueryDict("q=l'acqua")).term is not None
    for query in ("q=ex scuola", 'q="mulino ad acqua"', "q=-mulino", "q=mulino or scuola", "q=il",
                  "q=mulino&kind=land", "q=mulino&region=12", "kind=land", ""):
        assert site_search(QueryDict(query)).term is None, query
    assert "commons_siteterm" in cached_tile_sql(site_search(QueryDict("q=mulino")), *tile_of(*ROMA, 5))[0]
    assert "commons_siteterm" not in cached_tile_sql(site_search(QueryDict("q=mulino")), *tile_of(*ROMA, 9))[0]
    assert "commons_siteterm" not in cached_tile_sql(site_search(QueryDict("q=ex scuola")), *tile_of(*ROMA, 5))[0]


def test_low_zoom_text_search_tiles_equal_the_live_aggregation_and_count(client):
    seed_demo(sites=900, seed=17)  # COPY with the triggers off, then counted once by commons_site_terms_add_sites
    for q in ("mulino", "scuola", "ex", "chiesa", "l'acqua", "ex scuola"):
        assert_tiles_equal_live(client, q)
    assert any(served(client, *tile_of(*ROMA, 5), "mulino").values())


def test_a_new_edited_hidden_merged_or_deleted_site_shows_in_the_next_tile(client):
    citizen, moderator = verified_user(), moderator_user()
    SiteFactory(title="Mulino vecchio", location=Point(ROMA[0] + 0.02, ROMA[1], srid=4326))
    tile = tile_of(*ROMA, 5)
    assert sum(served(client, *tile, "mulino").values()) == 1
    site = site_report(actor=citizen, title="Mulino ad acqua", kind=SiteKind.CULTURAL, location=Point(*ROMA, srid=4326))
    assert sum(served(client, *tile, "mulino").values()) == 2
    assert_tiles_equal_live(client, "mulino", places=(ROMA,))
    site = site_update(actor=citizen, site_id=site.pk, expected_version=site.version,
                       changes={"title": "Ex scuola", "address": "Via dei Mulini 3"})
    assert sum(served(client, *tile, "mulino").values()) == 2  # still found, by its address
    assert sum(served(client, *tile, "scuola").values()) == 1
    site = site_update(actor=citizen, site_id=site.pk, expected_version=site.version, changes={"address": ""})
    assert sum(served(client, *tile, "mulino").values()) == 1
    site = site_update(actor=citizen, site_id=site.pk, expected_version=site.version,
                       changes={"location": Point(*MILANO, srid=4326)})
    assert sum(served(client, *tile, "scuola").values()) == 0
    assert sum(served(client, *tile_of(*MILANO, 5), "scuola").values()) == 1
    site_hide(site_id=site.pk, actor=moderator, reason="Dati personali")
    assert sum(served(client, *tile_of(*MILANO, 5), "scuola").values()) == 0
    site_restore(site_id=site.pk, actor=moderator)
    assert sum(served(client, *tile_of(*MILANO, 5), "scuola").values()) == 1
    other = SiteFactory(title="Ex scuola media", location=Point(MILANO[0] + 0.01, MILANO[1], srid=4326))
    site_mark_duplicate(site_id=other.pk, survivor_id=site.pk, actor=moderator, reason="Stesso bene")
    assert sum(served(client, *tile_of(*MILANO, 5), "scuola").values()) == 1
    Site.objects.filter(pk=site.pk).update(title="Ex caserma")  # a bulk UPDATE outside the services
    assert sum(served(client, *tile_of(*MILANO, 5), "scuola").values()) == 0
    Site.objects.filter(pk=other.pk).delete()
    assert_tiles_equal_live(client, "scuola", places=(ROMA, MILANO), zooms=(5, 8))
    call_command("rebuild_aggregates", "--check")  # stored term counts equal a fresh computation
    assert SiteTermCount.objects.filter(term="scuol", total__lt=0).count() == 0
