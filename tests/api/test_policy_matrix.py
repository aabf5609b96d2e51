"""Roles × actions × inside/outside the territory, through the API, against the one policy table (A1)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from commons.models import Proposal, ProposalStatus, SiteStatus, Subscription, SubscriptionKind
from commons.policy import POLICY, STAFF_DECIDES_OWNERSHIP
from commons.services.confirmations import site_confirm
from commons.services.consultations import consultation_comment, consultation_open
from commons.services.lifecycle import site_verify
from commons.services.proposals import proposal_accept, proposal_create
from tests.factories import (
    CooperativeFactory, SiteFactory, UserFactory, coop_user, moderator_user, staff_user, verified_user,
)

pytestmark = pytest.mark.django_db
ROMA, MILANO = "058091", "015146"
ROLES = ["anonymous", "citizen", "reporter", "staff_inside", "staff_outside", "coop_member", "coop_admin", "moderator"]
FIELDS = {"title": "Orti sociali", "summary": "Orti per il quartiere", "reuse_category": "agriculture"}


def _user(role, site, cooperative):
    return {
        "anonymous": lambda: None,
        "citizen": verified_user,
        "reporter": lambda: site.reporter,
        "staff_inside": lambda: staff_user(ROMA),
        "staff_outside": lambda: staff_user(MILANO),
        "coop_member": lambda: coop_user(cooperative, "member"),
        "coop_admin": lambda: coop_user(cooperative, "admin"),
        "moderator": moderator_user,
    }[role]()


def _verified_site_with_proposal(cooperative):
    site = SiteFactory(ownership="municipality", reporter=verified_user())
    site_verify(site_id=site.pk, actor=moderator_user())
    proposal = proposal_create(actor=coop_user(cooperative, "admin"), site_id=site.pk, cooperative_id=cooperative.pk, **FIELDS)
    return site, proposal


def _assigned(cooperative):
    site, proposal = _verified_site_with_proposal(cooperative)
    proposal_accept(proposal_id=proposal.pk, actor=moderator_user(), legal_instrument="patto",
                    instrument_start=dt.date(2026, 1, 1))
    return site, proposal


def _proposal_with_pathway(cooperative):
    """A municipal site with a proposal under the collaboration pact (four steps), for milestone.record."""
    from commons.pathways import seed_pathways

    seed_pathways()
    site = SiteFactory(ownership="municipality", reporter=verified_user())
    site_verify(site_id=site.pk, actor=moderator_user())
    return site, proposal_create(actor=coop_user(cooperative, "admin"), site_id=site.pk, cooperative_id=cooperative.pk,
                                 pathway="patto-di-collaborazione", **FIELDS)


def _reported_change(cooperative):
    """A site with a change reported on the ground (the "proposal" of these cases is the confirmation)."""
    site = SiteFactory(reporter=verified_user())
    return site, site_confirm(actor=verified_user(), site_id=site.pk, answer="works_started")


def _competing(cooperative):
    """A municipal site with two submitted proposals (one by `cooperative`): open to a consultation."""
    site, proposal = _verified_site_with_proposal(cooperative)
    other = CooperativeFactory()
    proposal_create(actor=coop_user(other, "admin"), site_id=site.pk, cooperative_id=other.pk, **FIELDS)
    return site, proposal


def _consulting(cooperative):
    """The same, with a consultation open (the "proposal" of these cases is the consultation)."""
    site, _proposal = _competing(cooperative)
    return site, consultation_open(actor=moderator_user(), site_id=site.pk, question="Quale progetto?",
                                   closes_at=timezone.now() + dt.timedelta(days=7))


def _consulting_on(cooperative):
    """A consultation open, with its comments' proposal id in the body (cases format {proposal} and {extra})."""
    site, consultation = _consulting(cooperative)
    consultation.extra = site.proposals.order_by("pk").first().pk
    return site, consultation


def _commented(cooperative):
    """A comment to hide (the "proposal" of these cases is the comment)."""
    site, consultation = _consulting(cooperative)
    return site, consultation_comment(actor=verified_user(), consultation_id=consultation.pk,
                                      proposal_id=site.proposals.order_by("pk").first().pk, body="Un commento")


# action -> (policy key, set-up returning (site, proposal), request path, body)
CASES = {
    "verify": ("site.verify", lambda c: (SiteFactory(reporter=verified_user()), None), "/api/v1/sites/{site}/actions/verify/", {}),
    "reject": ("site.reject", lambda c: (SiteFactory(reporter=verified_user()), None), "/api/v1/sites/{site}/actions/reject/", {"reason": "Non esiste"}),
    "archive": ("site.archive", lambda c: (SiteFactory(reporter=verified_user()), None), "/api/v1/sites/{site}/actions/archive/", {"reason": "Demolito"}),
    "hide": ("site.hide", lambda c: (SiteFactory(reporter=verified_user()), None), "/api/v1/sites/{site}/actions/hide/", {"reason": "Spam"}),
    "start_reuse": ("site.start_reuse", _assigned, "/api/v1/sites/{site}/actions/start-reuse/", {}),
    "propose": ("proposal.create", lambda c: (_verified_site_with_proposal(c)[0], None), "/api/v1/sites/{site}/proposals/",
                {"cooperative": "{cooperative}", **FIELDS}),
    "accept": ("proposal.decide", _verified_site_with_proposal, "/api/v1/proposals/{proposal}/accept/",
               {"legal_instrument": "comodato", "instrument_start": "2026-02-01", "instrument_end": "2036-02-01"}),
    "decline": ("proposal.decide", _verified_site_with_proposal, "/api/v1/proposals/{proposal}/decline/", {"reason": "No"}),
    "withdraw": ("proposal.withdraw", _verified_site_with_proposal, "/api/v1/proposals/{proposal}/withdraw/", {}),
    "confirm": ("site.confirm", lambda c: (SiteFactory(reporter=verified_user()), None),
                "/api/v1/sites/{site}/confirmations/", {"answer": "still_dormant"}),
    "accept_change": ("site.decide_change", _reported_change, "/api/v1/confirmations/{proposal}/accept/", {}),
    "decline_change": ("site.decide_change", _reported_change, "/api/v1/confirmations/{proposal}/decline/",
                       {"reason": "Non è cambiato"}),
    "invite": ("cooperative.invite", lambda c: (_verified_site_with_proposal(CooperativeFactory())[0], None),
               "/api/v1/sites/{site}/invitations/", {"cooperative": "{cooperative}"}),
    "support": ("proposal.support", _verified_site_with_proposal, "/api/v1/proposals/{proposal}/support/", {}),
    "record_milestone": ("milestone.record", _proposal_with_pathway, "/api/v1/proposals/{proposal}/milestones/4/",
                         {"planned_date": "2099-01-01"}),
    "open_consultation": ("consultation.open", _competing, "/api/v1/sites/{site}/consultation/",
                          {"question": "Quale progetto?", "closes_at": "{in_a_week}"}),
    "comment": ("consultation.comment", _consulting_on, "/api/v1/consultations/{proposal}/comments/",
                {"proposal": "{extra}", "body": "Una domanda"}),
    "hide_comment": ("consultation.moderate", _commented, "/api/v1/consultation-comments/{proposal}/hide/",
                     {"reason": "Fuori tema"}),
    "conclude_consultation": ("consultation.conclude", _consulting, "/api/v1/consultations/{proposal}/outcome/",
                              {"outcome": "Preferita la prima"}),
}
METHODS = {"record_milestone": "patch"}  # every other case is a POST
# Refusals that say why in their own code (commons.errors.NotAllowed), beside the generic ones.
REFUSAL_CODES = ("permission_denied", "not_authenticated", "own_cooperative")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(CASES))
def test_the_api_allows_exactly_what_the_policy_table_says(role, action):
    key, setup, path, body = CASES[action]
    cooperative = CooperativeFactory()
    site, proposal = setup(cooperative)
    user = _user(role, site, cooperative)
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    url = path.format(site=site.pk, proposal=proposal.pk if proposal else 0)
    values = {"cooperative": cooperative.pk, "extra": getattr(proposal, "extra", ""),
              "in_a_week": (timezone.now() + dt.timedelta(days=7)).isoformat()}
    data = {k: (v.format(**values) if isinstance(v, str) else v) for k, v in body.items()}
    response = getattr(client, METHODS.get(action, "post"))(url, data, format="json")
    expected = role in POLICY[key]
    if key == "proposal.decide" and site.ownership not in STAFF_DECIDES_OWNERSHIP:
        expected = expected and role != "staff_inside"
    if expected:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code in (401, 403), response.content
        assert response.json()["errors"][0]["code"] in REFUSAL_CODES


def test_a_citizen_cannot_change_status_through_the_lifecycle_api():
    site = SiteFactory(reporter=verified_user())
    client = APIClient()
    client.force_authenticate(site.reporter)
    for action in ("verify", "hide", "archive", "start-reuse", "restore"):
        assert client.post(f"/api/v1/sites/{site.pk}/actions/{action}/", {"reason": "x"}, format="json").status_code == 403
    site.refresh_from_db()
    assert (site.status, site.hidden) == (SiteStatus.REPORTED, False)


def test_an_unverified_e_mail_is_not_a_citizen_yet():
    SiteFactory()
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.post("/api/v1/subscriptions/", {"kind": "region", "area_code": "12"}, format="json")
    assert response.status_code == 403


def test_a_stale_accept_is_a_conflict_not_a_second_winner():
    cooperative = CooperativeFactory()
    site, first = _verified_site_with_proposal(cooperative)
    second = proposal_create(actor=coop_user(cooperative, "admin"), site_id=site.pk, cooperative_id=cooperative.pk, **FIELDS)
    client = APIClient()
    client.force_authenticate(staff_user(ROMA))
    body = {"legal_instrument": "concessione", "instrument_start": "2026-02-01"}
    assert client.post(f"/api/v1/proposals/{first.pk}/accept/", body, format="json").status_code == 200
    response = client.post(f"/api/v1/proposals/{second.pk}/accept/", body, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "already_decided"
    assert Proposal.objects.filter(site=site, status=ProposalStatus.ACCEPTED).count() == 1


def test_bad_decision_input_is_a_clear_400():
    cooperative = CooperativeFactory()
    _site, proposal = _verified_site_with_proposal(cooperative)
    client = APIClient()
    client.force_authenticate(moderator_user())
    response = client.post(f"/api/v1/proposals/{proposal.pk}/accept/",
                           {"legal_instrument": "regalo", "instrument_start": "ieri"}, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"legal_instrument", "instrument_start"} <= fields


def test_following_a_drawn_polygon_through_the_api_validates_it():
    client = APIClient()
    client.force_authenticate(verified_user())
    ring = [[12.4, 41.8], [12.6, 41.8], [12.6, 41.95], [12.4, 41.95], [12.4, 41.8]]
    created = client.post("/api/v1/subscriptions/", {"kind": "polygon", "polygon": {
        "type": "Polygon", "coordinates": [ring]}}, format="json")
    assert created.status_code == 201
    bow_tie = [[12.4, 41.8], [12.6, 41.95], [12.6, 41.8], [12.4, 41.95], [12.4, 41.8]]
    refused = client.post("/api/v1/subscriptions/", {"kind": "polygon", "polygon": {
        "type": "Polygon", "coordinates": [bow_tie]}}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "polygon"
    assert refused.json()["errors"][0]["code"] == "self_intersection"


def test_a_saved_search_is_checked_when_it_is_saved_not_when_it_would_match():
    client = APIClient()
    client.force_authenticate(verified_user())
    saved = client.post("/api/v1/subscriptions/", {"kind": "search", "query": "kind=land&region=12"}, format="json")
    assert saved.status_code == 201
    for query, code in (("kind=castle", "invalid_choice"), ("colour=red", "unknown_parameter"),
                        ("bbox=13,42,12,41", "bbox_inverted")):
        refused = client.post("/api/v1/subscriptions/", {"kind": "search", "query": query}, format="json")
        assert refused.status_code == 400, query
        error = refused.json()["errors"][0]
        assert (error["field"], error["code"]) == ("query", code)
    assert Subscription.objects.filter(kind=SubscriptionKind.SEARCH).count() == 1


def test_a_merged_duplicate_redirects_to_its_survivor_and_comes_back_when_restored():
    moderator = moderator_user()
    survivor, duplicate = SiteFactory(), SiteFactory()
    client = APIClient()
    client.force_authenticate(moderator)
    assert client.post(f"/api/v1/sites/{duplicate.pk}/actions/mark-duplicate/", {"survivor": survivor.pk},
                       format="json").status_code == 200
    response = APIClient().get(f"/api/v1/sites/{duplicate.pk}/")
    assert response.status_code == 301 and response["Location"].endswith(f"/api/v1/sites/{survivor.pk}/")
    assert client.post(f"/api/v1/sites/{duplicate.pk}/actions/restore/", {}, format="json").status_code == 200
    assert APIClient().get(f"/api/v1/sites/{duplicate.pk}/").status_code == 200
