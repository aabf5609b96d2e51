"""Milestones along a proposal's pathway: dates in step order and never before the proposal (refused with the field
and code, nothing written), overdue detection in the work queue and the cooperative's notices, the site timeline."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from commons.errors import RegistryValidationError
from commons.models import Milestone, NoticeKind, Proposal, SiteNotice
from commons.services.milestones import milestone_record, overdue_milestones, warn_overdue
from commons.services.notifications import deliver_pending
from commons.services.proposals import proposal_create
from commons.timeline import site_timeline
from tests.factories import CooperativeFactory, coop_user, staff_user, verified_site, verified_user

pytestmark = pytest.mark.django_db
FIELDS = {"title": "Agricoltura sociale", "summary": "Orti e inserimento lavorativo", "reuse_category": "agriculture"}
TODAY = timezone.localdate()


@pytest.fixture
def proposal(pathways):
    site = verified_site(ownership="confiscated", title="Villa confiscata di Roma")
    cooperative = CooperativeFactory(name="Cooperativa Libera Terra Test")
    member = coop_user(cooperative, "admin", email="admin@coop.example")
    proposal = proposal_create(actor=member, site_id=site.pk, cooperative_id=cooperative.pk,
                               pathway="confiscati-art-48", **FIELDS)
    proposal.member = member
    return proposal


def _dated_back(proposal, days):
    """The same proposal as if submitted `days` ago, its milestones planned from that day as the service does."""
    created = timezone.now() - dt.timedelta(days=days)
    Proposal.objects.filter(pk=proposal.pk).update(created_at=created)
    planned = timezone.localdate(created)
    for milestone in proposal.milestones.select_related("step").order_by("position"):
        planned += dt.timedelta(days=milestone.step.typical_days)
        Milestone.objects.filter(pk=milestone.pk).update(planned_date=planned)
    proposal.refresh_from_db()
    return proposal


def _refused(proposal, **changes):
    before = list(proposal.milestones.order_by("position").values_list("planned_date", "actual_date"))
    with pytest.raises(RegistryValidationError) as refused:
        milestone_record(actor=proposal.member, proposal_id=proposal.pk, **changes)
    assert list(proposal.milestones.order_by("position").values_list("planned_date", "actual_date")) == before
    return refused.value.field, refused.value.code


def test_steps_are_reached_in_order_and_never_before_the_proposal(proposal):
    assert _refused(proposal, position=2, actual_date=TODAY) == ("actual_date", "out_of_order")
    assert _refused(proposal, position=1, actual_date=TODAY - dt.timedelta(days=1)) == ("actual_date", "before_proposal")
    assert _refused(proposal, position=1, planned_date=TODAY - dt.timedelta(days=3)) == ("planned_date",
                                                                                         "before_proposal")
    assert _refused(proposal, position=1, actual_date=TODAY + dt.timedelta(days=1)) == ("actual_date", "in_the_future")
    third_planned = proposal.milestones.get(position=3).planned_date
    assert _refused(proposal, position=2, planned_date=third_planned + dt.timedelta(days=1)) == ("planned_date",
                                                                                               "out_of_order")
    milestone_record(actor=proposal.member, proposal_id=proposal.pk, position=1, actual_date=TODAY, note="Visura fatta")
    milestone_record(actor=proposal.member, proposal_id=proposal.pk, position=2, actual_date=TODAY)
    assert _refused(proposal, position=1, actual_date=None) == ("actual_date", "out_of_order")  # 2 is reached
    assert list(proposal.milestones.filter(actual_date=TODAY).values_list("position", flat=True)) == [1, 2]


def test_a_later_step_cannot_be_dated_before_an_earlier_one(proposal):
    proposal = _dated_back(proposal, 20)
    milestone_record(actor=proposal.member, proposal_id=proposal.pk, position=1, actual_date=TODAY - dt.timedelta(days=5))
    assert _refused(proposal, position=2, actual_date=TODAY - dt.timedelta(days=10)) == ("actual_date", "out_of_order")


def test_only_the_cooperative_the_municipality_or_a_moderator_record_milestones(proposal):
    with pytest.raises(PermissionDenied):
        milestone_record(actor=verified_user(), proposal_id=proposal.pk, position=1, actual_date=TODAY)
    with pytest.raises(PermissionDenied):
        milestone_record(actor=staff_user("015146"), proposal_id=proposal.pk, position=1, actual_date=TODAY)
    milestone_record(actor=staff_user("058091"), proposal_id=proposal.pk, position=1, actual_date=TODAY)


def test_overdue_milestones_are_found_warned_once_and_leave_when_reached(proposal):
    proposal = _dated_back(proposal, 100)  # steps planned at +30, +75, +165 days: the first two are overdue
    assert [m.position for m in overdue_milestones(TODAY) if m.proposal_id == proposal.pk] == [1, 2]
    assert warn_overdue(today=TODAY) == 2
    assert warn_overdue(today=TODAY) == 0  # once per milestone and planned date
    notices = SiteNotice.objects.filter(kind=NoticeKind.MILESTONE, cooperative=proposal.cooperative)
    assert notices.count() == 2 and "in ritardo" in notices.first().title
    deliver_pending()
    assert any("admin@coop.example" in message.to for message in mail.outbox)
    milestone_record(actor=proposal.member, proposal_id=proposal.pk, position=1, actual_date=TODAY - dt.timedelta(days=60))
    assert [m.position for m in overdue_milestones(TODAY) if m.proposal_id == proposal.pk] == [2]
    milestone_record(actor=proposal.member, proposal_id=proposal.pk, position=2, planned_date=TODAY + dt.timedelta(days=7))
    assert [m.position for m in overdue_milestones(TODAY) if m.proposal_id == proposal.pk] == []


def test_the_work_queue_of_the_municipality_lists_overdue_milestones(proposal):
    _dated_back(proposal, 100)
    client = Client()
    client.force_login(staff_user("058091"))
    page = client.get("/lavoro/").content.decode()
    assert "Tappe dei percorsi in ritardo" in page and "Villa confiscata di Roma" in page
    milan = Client()
    milan.force_login(staff_user("015146"))
    assert "Villa confiscata di Roma" not in milan.get("/lavoro/").content.decode()


def test_a_reached_step_is_on_the_site_timeline_and_the_proposal_page(proposal):
    milestone_record(actor=proposal.member, proposal_id=proposal.pk, position=1, actual_date=TODAY)
    entries = [e for e in site_timeline(proposal.site) if e.action == "milestone.reached"]
    assert len(entries) == 1 and entries[0].actor == "Cooperativa Libera Terra Test"
    site_page = Client().get(f"/beni/{proposal.site_id}/").content.decode()
    assert "Passo del percorso raggiunto" in site_page
    page = Client().get(f"/proposte/{proposal.pk}/").content.decode()
    assert 'id="milestone-1"' in page and "Raggiunto" in page
    assert "Manifestazione di interesse" in page  # the current step


def test_the_proposal_page_form_refuses_an_out_of_order_date_with_a_400(proposal):
    client = Client()
    client.force_login(proposal.member)
    response = client.post(f"/proposte/{proposal.pk}/passi/3/", {"m3-actual_date": TODAY.isoformat()})
    assert response.status_code == 400
    assert "Registra prima il passo 1" in response.content.decode()
    assert not proposal.milestones.filter(actual_date__isnull=False).exists()
    ok = client.post(f"/proposte/{proposal.pk}/passi/1/", {"m1-actual_date": TODAY.isoformat(), "m1-note": "Fatto"})
    assert ok.status_code == 302 and proposal.milestones.get(position=1).actual_date == TODAY


def test_reaching_the_last_step_of_an_accepted_proposal_puts_the_site_in_reuse(proposal):
    from commons.models import SiteStatus
    from commons.services.proposals import proposal_accept
    from tests.factories import moderator_user

    proposal_accept(proposal_id=proposal.pk, actor=moderator_user(), legal_instrument="confiscated",
                    instrument_start=TODAY)
    for position in range(1, 6):
        milestone_record(actor=proposal.member, proposal_id=proposal.pk, position=position, actual_date=TODAY)
    proposal.site.refresh_from_db()
    assert proposal.site.status == SiteStatus.ASSIGNED  # one step still to go
    milestone_record(actor=proposal.member, proposal_id=proposal.pk, position=6, actual_date=TODAY)
    proposal.site.refresh_from_db()
    assert proposal.site.status == SiteStatus.IN_REUSE
    event = proposal.site.events.order_by("-pgh_id").first()
    assert event.pgh_context.metadata["action"] == "site.start_reuse"
    assert event.pgh_context.metadata["actor"] == proposal.member.pk
    assert "Avvio delle attività" in event.pgh_context.metadata["reason"]
