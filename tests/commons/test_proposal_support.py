"""Public support for submitted proposals: once per person (a database constraint, also under 20 concurrent
supports), withdrawable, never one's own cooperative's, the count public and the supporters not."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection
from django.test import Client
from rest_framework.test import APIClient

from commons.errors import ConflictError, NotAllowed, RegistryValidationError
from commons.models import ProposalSupport
from commons.services.proposals import proposal_create, proposal_decline
from commons.services.support import proposal_support, proposal_support_withdraw, support_count
from tests.factories import CooperativeFactory, UserFactory, coop_user, moderator_user, verified_site, verified_user

FIELDS = {"title": "Ciclofficina", "summary": "Riparazioni e corsi", "reuse_category": "services"}


def _proposal(**kwargs):
    site = verified_site(ownership="municipality")
    cooperative = CooperativeFactory()
    proposal = proposal_create(actor=coop_user(cooperative), site_id=site.pk, cooperative_id=cooperative.pk,
                               **FIELDS, **kwargs)
    return proposal


@pytest.mark.django_db
def test_a_person_supports_once_withdraws_and_may_support_again():
    proposal, citizen = _proposal(), verified_user()
    assert proposal_support(actor=citizen, proposal_id=proposal.pk) == 1
    with pytest.raises(RegistryValidationError) as twice:
        proposal_support(actor=citizen, proposal_id=proposal.pk)
    assert (twice.value.field, twice.value.code) == ("proposal", "already_supported")
    assert support_count(proposal.pk) == 1
    assert proposal_support_withdraw(actor=citizen, proposal_id=proposal.pk) == 0
    assert proposal_support_withdraw(actor=citizen, proposal_id=proposal.pk) == 0  # twice is no error
    assert proposal_support(actor=citizen, proposal_id=proposal.pk) == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_support_even_from_the_shell():
    proposal, citizen = _proposal(), verified_user()
    ProposalSupport.objects.create(proposal=proposal, user=citizen)
    with pytest.raises(IntegrityError):
        ProposalSupport.objects.create(proposal=proposal, user=citizen)


@pytest.mark.django_db
def test_who_may_support():
    proposal = _proposal()
    member = proposal.cooperative.memberships.first().user
    with pytest.raises(NotAllowed) as own:
        proposal_support(actor=member, proposal_id=proposal.pk)
    assert (own.value.field, own.value.code) == ("proposal", "own_cooperative")
    with pytest.raises(PermissionDenied):
        proposal_support(actor=UserFactory(), proposal_id=proposal.pk)  # e-mail not verified
    assert proposal_support(actor=moderator_user(), proposal_id=proposal.pk) == 1
    proposal_decline(proposal_id=proposal.pk, actor=moderator_user(), reason="Fuori tempo")
    with pytest.raises(ConflictError):
        proposal_support(actor=verified_user(), proposal_id=proposal.pk)
    draft = _proposal(submit=False)
    with pytest.raises(RegistryValidationError):
        proposal_support(actor=verified_user(), proposal_id=draft.pk)
    assert support_count(proposal.pk) == 1


def _concurrently(proposal, users):
    barrier, outcomes = threading.Barrier(len(users)), []

    def support(user):
        try:
            barrier.wait()
            proposal_support(actor=user, proposal_id=proposal.pk)
            outcomes.append("supported")
        except RegistryValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=support, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_supports_by_one_person_leave_exactly_one():
    proposal, citizen = _proposal(), verified_user()
    outcomes = _concurrently(proposal, [citizen] * 20)
    assert outcomes.count("supported") == 1 and outcomes.count("already_supported") == 19
    assert ProposalSupport.objects.filter(proposal=proposal).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_people_supporting_at_once_are_all_counted():
    proposal = _proposal()
    outcomes = _concurrently(proposal, [verified_user() for _ in range(20)])
    assert outcomes == ["supported"] * 20 and support_count(proposal.pk) == 20


@pytest.mark.django_db
def test_the_api_and_the_page_show_the_count_never_the_supporters():
    proposal = _proposal()
    citizen = verified_user(username="mario.rossi", email="mario.rossi@example.org")
    client = APIClient()
    client.force_authenticate(citizen)
    url = f"/api/v1/proposals/{proposal.pk}/support/"
    assert client.post(url).json() == {"support_count": 1, "supported": True}
    again = client.post(url)
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "already_supported"
    member = APIClient()
    member.force_authenticate(proposal.cooperative.memberships.first().user)
    own = member.post(url)
    assert own.status_code == 403 and own.json()["errors"][0]["field"] == "proposal"
    public = APIClient().get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert public["support_count"] == 1 and "mario" not in str(public)
    page = Client().get(f"/proposte/{proposal.pk}/").content.decode()
    assert 'id="support-count">1<' in page and "mario" not in page
    assert client.delete(url).json() == {"support_count": 0, "supported": False}


@pytest.mark.django_db
def test_supporting_from_the_proposal_page():
    proposal = _proposal()
    client = Client()
    client.force_login(verified_user())
    assert "Sostieni questa proposta" in client.get(f"/proposte/{proposal.pk}/").content.decode()
    assert client.post(f"/proposte/{proposal.pk}/sostegno/").status_code == 302
    page = client.get(f"/proposte/{proposal.pk}/").content.decode()
    assert "Ritira il mio sostegno" in page and 'id="support-count">1<' in page
    client.post(f"/proposte/{proposal.pk}/sostegno/", {"withdraw": "1"})
    assert support_count(proposal.pk) == 0
