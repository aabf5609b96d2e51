"""Consultations: the window [opens_at, closes_at) to the microsecond, the competing-proposals rule, sane dates,
moderation by hiding with a reason (never deleting, the text no longer public), the per-person limit, the
decision waiting for the outcome, and who may do what (the policy table)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from commons.errors import ConflictError, RegistryValidationError, TooManyRequests
from commons.models import Consultation, ConsultationComment, NoticeKind, SiteNotice
from commons.policy import POLICY, can
from commons.services import consultations as service
from commons.services.proposals import proposal_accept, proposal_create
from tests.factories import (
    CooperativeFactory, UserFactory, coop_user, moderator_user, staff_user, verified_site, verified_user,
)

pytestmark = pytest.mark.django_db
ROMA, MILANO = "058091", "015146"
FIELDS = {"summary": "Un progetto per il quartiere", "reuse_category": "culture"}


def _competing(n=2, **site_fields):
    site = verified_site(ownership="municipality", **site_fields)
    proposals = []
    for i in range(n):
        cooperative = CooperativeFactory()
        proposals.append(proposal_create(actor=coop_user(cooperative, "admin"), site_id=site.pk,
                                         cooperative_id=cooperative.pk, title=f"Proposta {i}", **FIELDS))
    return site, proposals


def _open(site, days=14, **kwargs):
    return service.consultation_open(actor=staff_user(ROMA), site_id=site.pk, question="Quale progetto preferite?",
                                     closes_at=timezone.now() + dt.timedelta(days=days), **kwargs)


def _at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _refused(call, field, code):
    with pytest.raises(RegistryValidationError) as caught:
        call()
    assert (caught.value.field, caught.value.code) == (field, code)


def test_staff_open_a_consultation_and_the_proposers_admins_and_followers_are_told(django_capture_on_commit_callbacks):
    site, proposals = _competing()
    with django_capture_on_commit_callbacks(execute=True):
        consultation = _open(site)
    assert consultation.is_open()
    notice = SiteNotice.objects.get(site=site, kind=NoticeKind.CONSULTATION)
    assert "consultazione aperta" in notice.title and notice.body == "Quale progetto preferite?"
    admins = {p.cooperative.memberships.get().user.email for p in proposals}
    assert {m.to[0] for m in mail.outbox} == admins
    assert consultation.events.filter(pgh_label="consultation.open").count() == 1


def test_a_consultation_needs_two_competing_submitted_proposals():
    site, _ = _competing(n=1)
    _refused(lambda: _open(site), "site", "no_competing_proposals")
    assert not Consultation.objects.exists()


def test_closing_dates_in_the_past_too_soon_or_absurdly_far_are_refused_naming_the_field():
    site, _ = _competing()
    now = timezone.now()
    staff = staff_user(ROMA)

    def open_(closes_at, opens_at=None, question="Domanda"):
        return lambda: service.consultation_open(actor=staff, site_id=site.pk, closes_at=closes_at,
                                                 opens_at=opens_at, question=question)

    _refused(open_(now - dt.timedelta(days=1)), "closes_at", "in_past")
    _refused(open_(now + dt.timedelta(hours=2)), "closes_at", "too_short")
    _refused(open_(now + dt.timedelta(days=91)), "closes_at", "too_far")
    _refused(open_(now + dt.timedelta(days=9000)), "closes_at", "too_far")
    _refused(open_(dt.datetime(2099, 1, 1)), "closes_at", "invalid_datetime")
    _refused(open_(now + dt.timedelta(days=50), opens_at=now + dt.timedelta(days=40)), "opens_at", "too_far")
    _refused(open_(now + dt.timedelta(days=5), opens_at=now - dt.timedelta(days=2)), "opens_at", "in_past")
    _refused(open_(now + dt.timedelta(days=5), question="  "), "question", "required")
    assert not Consultation.objects.exists()


def test_one_consultation_under_way_per_site_also_in_the_database():
    site, _ = _competing()
    first = _open(site)
    _refused(lambda: _open(site), "site", "consultation_under_way")
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Consultation.objects.create(site=site, question="Bis", opens_at=now, closes_at=now + dt.timedelta(days=3))
    service.consultation_conclude(actor=moderator_user(), consultation_id=first.pk, outcome="Esito")
    assert _open(site).pk != first.pk  # once concluded, another one may follow


def test_comments_are_taken_from_opening_included_to_closing_excluded(monkeypatch):
    site, (first, _) = _competing()
    start = timezone.now()
    consultation = _open(site, opens_at=start + dt.timedelta(days=1), days=3)
    citizen = verified_user()

    def comment(body="Che orari avrà?"):
        return service.consultation_comment(actor=citizen, consultation_id=consultation.pk, proposal_id=first.pk,
                                            body=body, kind="question")

    _at(monkeypatch, consultation.opens_at - dt.timedelta(microseconds=1))
    _refused(comment, "consultation", "consultation_not_open")
    _at(monkeypatch, consultation.opens_at)
    assert comment().kind == "question"
    _at(monkeypatch, consultation.closes_at - dt.timedelta(microseconds=1))
    comment("Ultima domanda")
    _at(monkeypatch, consultation.closes_at)
    _refused(comment, "consultation", "consultation_closed")
    _at(monkeypatch, consultation.closes_at + dt.timedelta(days=30))
    _refused(comment, "consultation", "consultation_closed")
    assert ConsultationComment.objects.count() == 2


def test_no_comment_after_the_outcome_even_before_the_closing_date():
    site, (first, _) = _competing()
    consultation = _open(site)
    service.consultation_conclude(actor=staff_user(ROMA), consultation_id=consultation.pk, outcome="Chiusa prima")
    _refused(lambda: service.consultation_comment(actor=verified_user(), consultation_id=consultation.pk,
                                                  proposal_id=first.pk, body="Tardi"), "consultation",
             "consultation_closed")


def test_bad_comments_are_refused_naming_the_field_and_nothing_is_written():
    site, (first, _) = _competing()
    _, (elsewhere, _) = _competing(title="Altro bene")
    consultation = _open(site)
    citizen = verified_user()

    def comment(**kwargs):
        data = {"proposal_id": first.pk, "body": "Bene", "kind": "comment", **kwargs}
        return lambda: service.consultation_comment(actor=citizen, consultation_id=consultation.pk, **data)

    _refused(comment(body="   "), "body", "required")
    _refused(comment(body="x" * (service.BODY_MAX + 1)), "body", "too_long")
    _refused(comment(proposal_id=elsewhere.pk), "proposal", "not_in_consultation")
    _refused(comment(kind="insult"), "kind", "invalid_choice")
    _refused(lambda: service.consultation_comment(actor=citizen, consultation_id=0, proposal_id=first.pk, body="x"),
             "consultation", "not_found")
    assert not ConsultationComment.objects.exists()


def test_only_people_with_a_verified_e_mail_comment():
    site, (first, _) = _competing()
    consultation = _open(site)
    for actor in (None, UserFactory()):
        with pytest.raises(PermissionDenied):
            service.consultation_comment(actor=actor, consultation_id=consultation.pk, proposal_id=first.pk, body="Ciao")
    member = first.cooperative.memberships.get().user  # a proposer answers the questions on its own proposal
    service.consultation_comment(actor=member, consultation_id=consultation.pk, proposal_id=first.pk, body="Risposta")
    assert ConsultationComment.objects.count() == 1


def test_a_person_posts_at_most_ten_comments_an_hour_on_one_consultation(monkeypatch):
    site, (first, second) = _competing()
    consultation = _open(site)
    citizen, other = verified_user(), verified_user()
    for i in range(service.COMMENTS_PER_HOUR):
        service.consultation_comment(actor=citizen, consultation_id=consultation.pk,
                                     proposal_id=(first, second)[i % 2].pk, body=f"Commento {i}")
    with pytest.raises(TooManyRequests) as caught:
        service.consultation_comment(actor=citizen, consultation_id=consultation.pk, proposal_id=first.pk, body="Uno in più")
    assert caught.value.code == "too_many_comments" and caught.value.field == "body"
    assert 3500 <= caught.value.retry_after <= 3600
    service.consultation_comment(actor=other, consultation_id=consultation.pk, proposal_id=first.pk, body="Io sì")
    _at(monkeypatch, timezone.now() + dt.timedelta(hours=1, seconds=1))
    service.consultation_comment(actor=citizen, consultation_id=consultation.pk, proposal_id=first.pk, body="Ora sì")
    assert ConsultationComment.objects.filter(author=citizen).count() == service.COMMENTS_PER_HOUR + 1


def test_hiding_keeps_the_text_needs_a_reason_and_is_for_the_municipality_or_moderators():
    site, (first, _) = _competing()
    consultation = _open(site)
    comment = service.consultation_comment(actor=verified_user(), consultation_id=consultation.pk,
                                           proposal_id=first.pk, body="Insulto gratuito")
    _refused(lambda: service.consultation_comment_hide(actor=staff_user(ROMA), comment_id=comment.pk, reason=" "),
             "reason", "required")
    for outsider in (verified_user(), staff_user(MILANO), first.cooperative.memberships.get().user):
        with pytest.raises(PermissionDenied):
            service.consultation_comment_hide(actor=outsider, comment_id=comment.pk, reason="No")
    assert not ConsultationComment.objects.get(pk=comment.pk).hidden
    hidden = service.consultation_comment_hide(actor=staff_user(ROMA), comment_id=comment.pk, reason="Offensivo")
    assert (hidden.hidden, hidden.hidden_reason, hidden.body) == (True, "Offensivo", "Insulto gratuito")
    assert hidden.events.filter(pgh_label="consultation_comment.hide").count() == 1
    _refused(lambda: service.consultation_comment_hide(actor=moderator_user(), comment_id=comment.pk, reason="Bis"),
             "comment", "already_hidden")
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a hidden comment without reason
        ConsultationComment.objects.filter(pk=comment.pk).update(hidden_reason="")
    with pytest.raises(IntegrityError), transaction.atomic():  # and the comment cannot be deleted (PROTECT)
        consultation.delete()
    assert ConsultationComment.objects.filter(pk=comment.pk).exists()


def test_the_decision_waits_for_the_outcome_which_then_stays_beside_it():
    site, (first, second) = _competing()
    consultation = _open(site)
    with pytest.raises(ConflictError) as caught:
        proposal_accept(proposal_id=first.pk, actor=staff_user(ROMA), legal_instrument="patto",
                        instrument_start=dt.date(2027, 1, 1))
    assert caught.value.code == "consultation_under_way"
    _refused(lambda: service.consultation_conclude(actor=staff_user(ROMA), consultation_id=consultation.pk, outcome=""),
             "outcome", "required")
    with pytest.raises(PermissionDenied):
        service.consultation_conclude(actor=staff_user(MILANO), consultation_id=consultation.pk, outcome="Esito")
    service.consultation_conclude(actor=staff_user(ROMA), consultation_id=consultation.pk,
                                  outcome="Il quartiere preferisce la prima")
    _refused(lambda: service.consultation_conclude(actor=moderator_user(), consultation_id=consultation.pk,
                                                   outcome="Ancora"), "consultation", "already_concluded")
    accepted = proposal_accept(proposal_id=first.pk, actor=staff_user(ROMA), legal_instrument="patto",
                               instrument_start=dt.date(2027, 1, 1))
    assert accepted.status == "accepted"
    assert service.concluded_consultation(site.pk).outcome == "Il quartiere preferisce la prima"


@pytest.mark.parametrize("action", ["consultation.open", "consultation.comment", "consultation.moderate",
                                    "consultation.conclude"])
def test_who_may_act_on_a_consultation_is_the_policy_table_s(action):
    site, (first, _) = _competing()
    people = {
        "anonymous": None, "citizen": verified_user(), "staff_inside": staff_user(ROMA),
        "staff_outside": staff_user(MILANO), "coop_admin": first.cooperative.memberships.get().user,
        "moderator": moderator_user(),
    }
    allowed = {role for role, user in people.items() if can(user, action, site=site)}
    assert allowed == POLICY[action] & set(people)
    assert not can(UserFactory(), action, site=site)  # no verified e-mail: no role that acts on consultations


def test_staff_do_not_open_consultations_on_sites_they_do_not_decide():
    site = verified_site(ownership="private")
    assert not can(staff_user(ROMA), "consultation.open", site=site)
    assert can(moderator_user(), "consultation.open", site=site)
