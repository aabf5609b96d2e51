import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from commons.errors import ConflictError, RegistryValidationError
from commons.models import Proposal, ProposalStatus, Site, SiteStatus
from commons.services.lifecycle import site_verify
from commons.services.proposals import (
    proposal_accept, proposal_complete, proposal_create, proposal_decline, proposal_withdraw,
)
from tests.factories import CooperativeFactory, SiteFactory, coop_user, moderator_user, staff_user, verified_user

ROMA_CODE = "058091"
START = dt.date(2026, 1, 1)
FIELDS = {"title": "Casa di comunità", "summary": "Servizi per il quartiere", "reuse_category": "welfare"}


def _verified_public_site():
    site = SiteFactory(ownership="municipality")
    site_verify(site_id=site.pk, actor=moderator_user())
    return site


def _propose(site, cooperative=None):
    cooperative = cooperative or CooperativeFactory()
    return proposal_create(actor=coop_user(cooperative), site_id=site.pk, cooperative_id=cooperative.pk, **FIELDS)


@pytest.mark.django_db
def test_two_cooperatives_propose_and_staff_accepts_one_with_a_ten_year_comodato():
    site = _verified_public_site()
    first, second = _propose(site), _propose(site)
    assert Site.objects.claimed().filter(pk=site.pk).exists()
    staff = staff_user(ROMA_CODE)
    accepted = proposal_accept(
        proposal_id=first.pk, actor=staff, legal_instrument="comodato", instrument_start=START,
        instrument_end=START.replace(year=2036), reason="Progetto più solido",
    )
    second.refresh_from_db()
    site.refresh_from_db()
    assert accepted.status == ProposalStatus.ACCEPTED
    assert (accepted.legal_instrument, accepted.instrument_end) == ("comodato", dt.date(2036, 1, 1))
    assert second.status == ProposalStatus.DECLINED and second.decision_reason
    assert site.status == SiteStatus.ASSIGNED
    assert not Site.objects.claimed().filter(pk=site.pk).exists()


@pytest.mark.django_db
def test_an_unverified_cooperative_cannot_propose():
    site = _verified_public_site()
    cooperative = CooperativeFactory(verified=False)
    with pytest.raises(PermissionDenied):
        proposal_create(actor=coop_user(cooperative), site_id=site.pk, cooperative_id=cooperative.pk, **FIELDS)


@pytest.mark.django_db
def test_a_non_member_cannot_propose_for_a_cooperative():
    site = _verified_public_site()
    with pytest.raises(PermissionDenied):
        proposal_create(actor=verified_user(), site_id=site.pk, cooperative_id=CooperativeFactory().pk, **FIELDS)


@pytest.mark.django_db
def test_proposals_only_on_verified_sites():
    site = SiteFactory()
    cooperative = CooperativeFactory()
    with pytest.raises(ConflictError):
        proposal_create(actor=coop_user(cooperative), site_id=site.pk, cooperative_id=cooperative.pk, **FIELDS)


@pytest.mark.django_db
def test_staff_cannot_decide_on_a_private_site_but_a_moderator_can():
    site = SiteFactory(ownership="private")
    site_verify(site_id=site.pk, actor=moderator_user())
    proposal = _propose(site)
    with pytest.raises(PermissionDenied):
        proposal_accept(proposal_id=proposal.pk, actor=staff_user(ROMA_CODE), legal_instrument="locazione",
                        instrument_start=START)
    proposal_accept(proposal_id=proposal.pk, actor=moderator_user(), legal_instrument="locazione", instrument_start=START)


@pytest.mark.django_db
@pytest.mark.parametrize("kwargs, field", [
    ({"legal_instrument": "regalo", "instrument_start": START}, "legal_instrument"),
    ({"legal_instrument": "comodato", "instrument_start": None}, "instrument_start"),
    ({"legal_instrument": "comodato", "instrument_start": START, "instrument_end": START}, "instrument_end"),
])
def test_accepting_needs_a_valid_instrument_and_dates(kwargs, field):
    site = _verified_public_site()
    proposal = _propose(site)
    with pytest.raises(RegistryValidationError) as error:
        proposal_accept(proposal_id=proposal.pk, actor=staff_user(ROMA_CODE), **kwargs)
    assert error.value.field == field
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


@pytest.mark.django_db
def test_decline_withdraw_and_complete():
    site = _verified_public_site()
    cooperative = CooperativeFactory()
    member = coop_user(cooperative)
    one = proposal_create(actor=member, site_id=site.pk, cooperative_id=cooperative.pk, **FIELDS)
    two = _propose(site)
    three = _propose(site)
    staff = staff_user(ROMA_CODE)
    with pytest.raises(RegistryValidationError):
        proposal_decline(proposal_id=two.pk, actor=staff, reason="")
    assert proposal_decline(proposal_id=two.pk, actor=staff, reason="Budget insufficiente").status == "declined"
    assert proposal_withdraw(proposal_id=one.pk, actor=member).status == "withdrawn"
    proposal_accept(proposal_id=three.pk, actor=staff, legal_instrument="patto", instrument_start=START)
    assert proposal_complete(proposal_id=three.pk, actor=staff).status == "completed"


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_accepts_leave_exactly_one_accepted_proposal():
    site = _verified_public_site()
    proposals = [_propose(site) for _ in range(20)]
    staff = staff_user(ROMA_CODE)
    barrier = threading.Barrier(20)
    outcomes = []

    def accept(proposal):
        try:
            barrier.wait()
            proposal_accept(proposal_id=proposal.pk, actor=staff, legal_instrument="concessione", instrument_start=START)
            outcomes.append("won")
        except ConflictError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(p,)) for p in proposals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 1
    assert sorted(set(outcomes)) == ["already_decided", "won"]
    assert Proposal.objects.filter(site=site, status=ProposalStatus.ACCEPTED).count() == 1
    assert Proposal.objects.filter(site=site, status=ProposalStatus.DECLINED).count() == 19
