"""Server-rendered web pages: map page, table, site page, cooperatives, proposals, dashboard, look-ups."""

import html
import re

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import translation

from commons.models import InnerAreaClass, Proposal, ProposalStatus, Site, SiteStatus
from commons.services.demo import seed_demo
from commons.services.lifecycle import site_verify
from commons.services.proposals import proposal_create
from tests.factories import (
    MILANO, NAPOLI, ROMA, CooperativeFactory, ProposalFactory, SiteFactory, coop_user, moderator_user, square,
    verified_user,
)

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}  # for assertions on the interface's own sentences


def _page(response):
    return html.unescape(response.content.decode())


def _sites():
    roma = SiteFactory(title="Ex scuola di Roma", location=Point(*ROMA, srid=4326))
    milano = SiteFactory(title="Ex caserma di Milano", location=Point(*MILANO, srid=4326))
    napoli = SiteFactory(title="Ex mercato di Napoli", location=Point(*NAPOLI, srid=4326))
    return roma, milano, napoli


def test_the_map_page_shows_the_filtered_count_and_table_for_a_region():
    _sites()
    response = Client().get("/?region=12")
    page = _page(response)
    assert response.status_code == 200
    assert re.search(r'data-count-number>\s*1\s*<', page)
    assert "Ex scuola di Roma" in page and "Ex caserma di Milano" not in page
    assert re.search(r'<option value="12" selected>Lazio</option>', page)
    assert ">Roma</option>" in page  # the province list follows the chosen region


def test_the_table_view_gives_the_same_results_as_the_map_page():
    _sites()
    for query in ("region=12", "region=03,15", "kind=building&status=reported", "q=caserma"):
        expected = set(Site.objects.filter(title__in=[
            "Ex scuola di Roma", "Ex caserma di Milano", "Ex mercato di Napoli"]).values_list("title", flat=True))
        table = _page(Client().get(f"/elenco/?{query}"))
        home = _page(Client().get(f"/?{query}"))
        for title in expected:
            assert (title in table) == (title in home), query


def test_bad_filters_answer_400_naming_the_parameter():
    response = Client().get("/?region=99")
    assert response.status_code == 400
    assert "region" in _page(response) and "99" in _page(response)
    assert Client().get("/elenco/?colour=red").status_code == 400


def test_the_table_sorts_by_title_and_pages_through_results():
    for index in range(30):
        SiteFactory(title=f"Bene {index:02d}")
    first = _page(Client().get("/elenco/?sort=title"))
    assert first.index("Bene 00") < first.index("Bene 01")
    assert "Bene 29" not in first
    assert 'aria-sort="ascending"' in first
    second = _page(Client().get("/elenco/?sort=title&page=2"))
    assert "Bene 29" in second and "Bene 00" not in second
    descending = _page(Client().get("/elenco/?sort=-title"))
    assert "Bene 29" in descending and 'aria-sort="descending"' in descending


def test_the_results_fragment_carries_its_count():
    _sites()
    response = Client().get("/elenco/?region=03&partial=1")
    assert response["X-Result-Count"] == "1"
    assert "<html" not in response.content.decode()
    assert "Ex caserma di Milano" in _page(response)


def test_the_site_page_shows_facts_timeline_proposals_and_licence():
    site = SiteFactory(title="Ex mulino", outline=square(*ROMA), ownership="municipality")
    site_verify(site_id=site.pk, actor=moderator_user())
    cooperative = CooperativeFactory(name="Cooperativa Aurora")
    proposal_create(actor=coop_user(cooperative), site_id=site.pk, cooperative_id=cooperative.pk,
                    title="Casa di quartiere", summary="Servizi", reuse_category="welfare")
    page = _page(Client().get(f"/beni/{site.pk}/", **EN))
    assert "Ex mulino" in page and "Roma" in page and "Lazio" in page
    assert "Casa di quartiere" in page and "Cooperativa Aurora" in page
    assert "CC BY 4.0" in page
    timeline = page[page.index('class="registry-timeline"'):]
    assert timeline.index("Added to the registry") < timeline.index("Verified by the municipality")
    assert '"outline": {"type": "MultiPolygon"' in page


def test_a_citizen_report_carries_the_registry_licence_from_the_settings(settings):
    settings.REGISTRY_DATA_LICENCE, settings.REGISTRY_ATTRIBUTION = "ODbL 1.0", "Registro di prova"
    site = SiteFactory(title="Ex lavatoio")
    page = _page(Client().get(f"/beni/{site.pk}/", **EN))
    assert "<dt>Licence</dt><dd>ODbL 1.0</dd>" in page
    assert "<dt>Attribution</dt><dd>Registro di prova</dd>" in page


def test_hidden_sites_are_not_public_and_duplicates_lead_to_the_survivor():
    hidden = SiteFactory(hidden=True)
    assert Client().get(f"/beni/{hidden.pk}/").status_code == 404
    survivor = SiteFactory()
    duplicate = SiteFactory(status=SiteStatus.DUPLICATE, duplicate_of=survivor)
    response = Client().get(f"/beni/{duplicate.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/beni/{survivor.pk}/"


def test_only_members_of_a_verified_cooperative_see_and_use_the_proposal_form():
    site = SiteFactory(ownership="municipality")
    site_verify(site_id=site.pk, actor=moderator_user())
    citizen = Client()
    citizen.force_login(verified_user())
    assert "Propose a reuse project" not in _page(citizen.get(f"/beni/{site.pk}/", **EN))
    assert citizen.get(f"/beni/{site.pk}/proponi/").status_code == 403
    cooperative = CooperativeFactory()
    member = Client()
    member.force_login(coop_user(cooperative))
    assert f"/beni/{site.pk}/proponi/" in _page(member.get(f"/beni/{site.pk}/"))
    response = member.post(f"/beni/{site.pk}/proponi/", {
        "cooperative": cooperative.pk, "title": "Ostello", "summary": "Ostello per giovani",
        "reuse_category": "tourism", "expected_jobs": "4", "submit": "on"})
    proposal = Proposal.objects.get(site=site)
    assert response.status_code == 302 and response["Location"] == f"/proposte/{proposal.pk}/"
    assert proposal.status == ProposalStatus.SUBMITTED and proposal.expected_jobs == 4
    assert "Ostello per giovani" in _page(Client().get(f"/proposte/{proposal.pk}/"))


def test_a_proposal_form_error_is_shown_next_to_its_field():
    site = SiteFactory(ownership="municipality")
    site_verify(site_id=site.pk, actor=moderator_user())
    cooperative = CooperativeFactory()
    member = Client()
    member.force_login(coop_user(cooperative))
    response = member.post(f"/beni/{site.pk}/proponi/", {"cooperative": cooperative.pk, "title": "",
                                                           "summary": "x", "reuse_category": "welfare"})
    assert response.status_code == 400
    assert 'href="#id_title"' in _page(response)
    assert not Proposal.objects.exists()


def test_draft_proposals_are_private_to_their_cooperative():
    draft = ProposalFactory(status=ProposalStatus.DRAFT, title="Bozza segreta")
    assert Client().get(f"/proposte/{draft.pk}/").status_code == 404
    assert "Bozza segreta" not in _page(Client().get(f"/cooperative/{draft.cooperative.slug}/"))
    member = Client()
    member.force_login(coop_user(draft.cooperative))
    assert member.get(f"/proposte/{draft.pk}/").status_code == 200


def test_the_cooperative_list_filters_by_sector_and_verification():
    CooperativeFactory(name="Cooperativa Energia", sectors=["energy"])
    CooperativeFactory(name="Cooperativa Orti", sectors=["agriculture"], verified=False)
    page = _page(Client().get("/cooperative/?sector=energy"))
    assert "Cooperativa Energia" in page and "Cooperativa Orti" not in page
    page = _page(Client().get("/cooperative/?verified=on"))
    assert "Cooperativa Energia" in page and "Cooperativa Orti" not in page


def test_the_dashboard_counts_match_the_database():
    seed_demo(sites=400, seed=5)
    response = Client().get("/cruscotto/")
    assert response.status_code == 200
    data = response.context["chart_data"]
    visible = Site.objects.visible()
    for code, total, by_status in zip(data["codes"], data["totals"], data["byStatus"]):
        assert total == visible.filter(region_id=code).count()
        assert sum(by_status) == total
    lazio = data["codes"].index("12")
    inner = visible.filter(region_id="12", municipality__inner_area_class__in=InnerAreaClass.inner()).count()
    total = visible.filter(region_id="12").count()
    assert data["innerShare"][lazio] == (round(100 * inner / total, 1) if total else None)
    filtered = Client().get("/cruscotto/?kind=building").context["chart_data"]
    assert sum(filtered["totals"]) == visible.filter(kind="building").count()
    assert "/api/v1/exports/sites.csv?kind=building" in _page(Client().get("/cruscotto/?kind=building"))


def test_boundaries_are_served_simplified_and_cached():
    response = Client().get("/mappa/confini/regioni.geojson")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert len(data["features"]) == 20
    assert {"code", "name"} <= set(data["features"][0]["properties"])
    again = Client().get("/mappa/confini/regioni.geojson", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert len(Client().get("/mappa/confini/province.geojson").json()["features"]) == 107
    assert Client().get("/mappa/confini/comuni.geojson").status_code == 404


def test_area_lookups_for_the_filter_panel_and_the_report_flow():
    provinces = Client().get("/mappa/aree/?region=12").json()["results"]
    assert "Roma" in [p["name"] for p in provinces]
    found = Client().get("/mappa/aree/?q=Matera").json()["results"]
    assert found[0]["name"] == "Matera" and found[0]["province"] == "MT" and len(found[0]["bbox"]) == 4
    assert Client().get("/mappa/aree/?area=058091").json()["name"] == "Roma"
    bad = Client().get("/mappa/aree/?q=")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "q"
    assert Client().get("/mappa/aree/?area=123456789").status_code == 400


def test_the_report_page_needs_an_account():
    response = Client().get("/segnala/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    citizen = Client()
    citizen.force_login(verified_user())
    page = _page(citizen.get("/segnala/"))
    assert 'id="report-map"' in page and '"sitesUrl": "/api/v1/sites/"' in page


def test_the_language_switch_serves_english():
    client = Client()
    assert '<html lang="it">' in client.get("/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/", HTTP_ACCEPT_LANGUAGE="it").content.decode()


@pytest.mark.django_db
def test_an_imported_site_page_says_which_fields_came_from_the_dataset(client):
    from commons.models import SourceDataset

    SourceDataset.objects.create(slug="comune-x", name="Inventario comunale", licence="CC BY 4.0",
                                 attribution="Comune X — CC BY 4.0")
    site = SiteFactory(source="comune-x", source_id="A1", title="Ex scuola",
                       source_data={"title": "Ex scuola", "kind": "building"})
    with translation.override("en"):
        page = client.get(f"/beni/{site.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Inventario comunale" in page and "Comune X — CC BY 4.0" in page
    assert "From the dataset" in page


def test_the_pages_count_from_the_precomputed_counts_when_they_answer_and_live_otherwise():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _sites()
    SiteFactory(title="Ex scuola nascosta", location=Point(*ROMA, srid=4326), hidden=True)
    for query, expected, from_aggregates in (("", 3, True), ("region=12", 1, True), ("kind=building", None, True),
                                             ("q=caserma", 1, False), ("region=12&page=9", 1, True)):
        if expected is None:
            expected = Site.objects.filter(hidden=False, kind="building").count()
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(f"/elenco/?{query}&partial=1")
        assert response.status_code == 200
        assert response["X-Result-Count"] == str(expected), query
        counted_live = [q["sql"] for q in queries.captured_queries
                        if "COUNT(*)" in q["sql"] and '"commons_site"' in q["sql"]]
        assert (not counted_live) == from_aggregates, (query, counted_live)
        home = _page(Client().get(f"/?{query}"))
        assert re.search(rf"data-count-number>\s*{expected}\s*<", home), query
