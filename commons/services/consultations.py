"""Consultations on a site's competing proposals: opened by whoever decides the site's proposals, commented on by
signed-in people while open, moderated by hiding (with a reason, never deleting), concluded with an outcome that
the decision page shows beside the decision.

The window is [opens_at, closes_at): a comment sent at the very closing instant is refused. Every write locks the
consultation row, so the per-person limit is exact under concurrent posts and no comment slips in after the
outcome is recorded (comments on one consultation are a few a minute at most: serialising them costs nothing).
"""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from commons.errors import RegistryValidationError, TooManyRequests
from commons.models import (
    CommentKind, Consultation, ConsultationComment, ConsultationState, NoticeKind, Proposal, ProposalStatus, Site,
    SiteStatus,
)
from commons.policy import require
from commons.services.lifecycle import audit_context, notice

MIN_DURATION = dt.timedelta(days=1)  # shorter is no consultation: people must have the time to read
MAX_DURATION = dt.timedelta(days=90)  # longer would keep the site's decision hanging past any call's deadline
MAX_LEAD = dt.timedelta(days=30)  # how far ahead a consultation may be scheduled
PAST_TOLERANCE = dt.timedelta(minutes=5)  # a form's "now" reaches the server a little later
QUESTION_MAX, BODY_MAX, OUTCOME_MAX = 2000, 2000, 5000
COMMENTS_PER_HOUR = 10  # per person and consultation; the faces' write throttles also apply
MIN_COMPETING = 2


def _invalid(message, code, field):
    return RegistryValidationError(message, code=code, field=field)


def _text(value, field, limit):
    text = str(value or "").strip()
    if not text:
        raise _invalid(_("This field is required."), "required", field)
    if len(text) > limit:
        raise _invalid(_("At most %(limit)s characters.") % {"limit": limit}, "too_long", field)
    return text


def competing_proposals(site):
    return Proposal.objects.filter(site=site, status=ProposalStatus.SUBMITTED)


def _check_window(opens_at, closes_at, now):
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            raise _invalid(_("Give a date and time with its time zone."), "invalid_datetime", name)
    if opens_at < now - PAST_TOLERANCE:
        raise _invalid(_("The opening date cannot be in the past."), "in_past", "opens_at")
    if opens_at > now + MAX_LEAD:
        raise _invalid(_("A consultation can be scheduled at most %(days)s days ahead.") % {"days": MAX_LEAD.days},
                       "too_far", "opens_at")
    if closes_at <= now:
        raise _invalid(_("The closing date must be in the future."), "in_past", "closes_at")
    if closes_at - opens_at < MIN_DURATION:
        raise _invalid(_("A consultation lasts at least one day."), "too_short", "closes_at")
    if closes_at - opens_at > MAX_DURATION:
        raise _invalid(_("A consultation lasts at most %(days)s days.") % {"days": MAX_DURATION.days}, "too_far",
                       "closes_at")


def _check_site_open_to_consultation(site):
    if site.status != SiteStatus.VERIFIED:
        raise _invalid(_("Only a verified site still awaiting its decision can be consulted on."), "site_not_open",
                       "site")
    if competing_proposals(site).count() < MIN_COMPETING:
        raise _invalid(_("A consultation needs at least two competing submitted proposals on the site."),
                       "no_competing_proposals", "site")
    if Consultation.objects.filter(site=site).unconcluded().exists():
        raise _invalid(_("This site already has a consultation under way."), "consultation_under_way", "site")


@transaction.atomic
def consultation_open(*, actor, site_id, closes_at, question, opens_at=None):
    """Open (or schedule) a consultation; the followers get a site notice and the proposing cooperatives' admins
    an e-mail after commit."""
    site = Site.objects.select_for_update().filter(pk=site_id, hidden=False).first()
    if site is None:
        raise _invalid(_("This site does not exist."), "not_found", "site")
    require(actor, "consultation.open", site=site)
    now = timezone.now()
    question = _text(question, "question", QUESTION_MAX)
    opens_at = opens_at or now
    _check_window(opens_at, closes_at, now)
    _check_site_open_to_consultation(site)  # the site lock makes the "one under way" check exact
    try:
        with audit_context(actor, "consultation.open"), transaction.atomic():
            consultation = Consultation.objects.create(site=site, question=question, opens_at=opens_at,
                                                       closes_at=closes_at, opened_by=actor)
    except IntegrityError:  # consultation_one_open_per_site: the last line of defence
        raise _invalid(_("This site already has a consultation under way."), "consultation_under_way", "site") from None
    closing = formats.date_format(timezone.localtime(closes_at), "DATE_FORMAT")
    notice(site, NoticeKind.CONSULTATION, f"{site.title}: consultazione aperta fino al {closing}", question)
    transaction.on_commit(lambda: _tell_cooperatives(consultation))
    return consultation


def _tell_cooperatives(consultation):
    from allauth.account.models import EmailAddress

    site = consultation.site
    cooperatives = competing_proposals(site).values("cooperative_id")
    admins = EmailAddress.objects.filter(
        verified=True, user__cooperative_memberships__cooperative__in=cooperatives,
        user__cooperative_memberships__role="admin").values_list("email", flat=True)
    url = settings.SITE_URL.rstrip("/") + reverse("mapping:consultation", args=[site.pk])
    closing = formats.date_format(timezone.localtime(consultation.closes_at), "DATETIME_FORMAT")
    body = (f"Il Comune ha aperto una consultazione pubblica sulle proposte per «{site.title}», "
            f"fino al {closing}.\n\n{consultation.question}\n\n{url}\n\n— BE.CO-OP, registro dei beni comuni")
    for address in sorted(set(admins)):
        send_mail(f"[BE.CO-OP] Consultazione: {site.title}", body, settings.DEFAULT_FROM_EMAIL, [address])


def _locked_consultation(consultation_id):
    consultation = (Consultation.objects.select_for_update(of=("self",)).select_related("site")
                    .filter(pk=consultation_id, site__hidden=False).first())
    if consultation is None:
        raise _invalid(_("This consultation does not exist."), "not_found", "consultation")
    return consultation


def _check_open(consultation, now):
    state = consultation.state(now)
    if state == ConsultationState.SCHEDULED:
        opening = formats.date_format(timezone.localtime(consultation.opens_at), "DATETIME_FORMAT")
        raise _invalid(_("The consultation opens on %(date)s.") % {"date": opening}, "consultation_not_open",
                       "consultation")
    if state != ConsultationState.OPEN:
        raise _invalid(_("The consultation is closed: comments are no longer taken."), "consultation_closed",
                       "consultation")


def _comment_proposal(consultation, proposal_id):
    proposal = Proposal.objects.filter(pk=proposal_id).exclude(status=ProposalStatus.DRAFT).first()
    if proposal is None or proposal.site_id != consultation.site_id:
        raise _invalid(_("This proposal is not one of this consultation's."), "not_in_consultation", "proposal")
    if proposal.status != ProposalStatus.SUBMITTED:
        raise _invalid(_("This proposal is no longer competing."), "proposal_not_open", "proposal")
    return proposal


def _check_rate(actor, consultation, now):
    recent = list(ConsultationComment.objects.filter(
        consultation=consultation, author=actor, created_at__gt=now - dt.timedelta(hours=1))
        .order_by("created_at").values_list("created_at", flat=True)[:COMMENTS_PER_HOUR])
    if len(recent) >= COMMENTS_PER_HOUR:
        wait = (recent[0] + dt.timedelta(hours=1) - now).total_seconds()
        raise TooManyRequests(_("At most %(n)s comments an hour on one consultation: try again later.")
                              % {"n": COMMENTS_PER_HOUR}, code="too_many_comments", field="body", retry_after=wait)


@transaction.atomic
def consultation_comment(*, actor, consultation_id, proposal_id, body, kind=CommentKind.COMMENT):
    """A question or comment on one of the consultation's proposals, while it is open."""
    consultation = _locked_consultation(consultation_id)
    require(actor, "consultation.comment", site=consultation.site)
    now = timezone.now()
    _check_open(consultation, now)
    if kind not in CommentKind.values:
        raise _invalid(_("Choose question or comment."), "invalid_choice", "kind")
    text = _text(body, "body", BODY_MAX)
    proposal = _comment_proposal(consultation, proposal_id)
    _check_rate(actor, consultation, now)
    with audit_context(actor, "consultation.comment"):
        return ConsultationComment.objects.create(consultation=consultation, proposal=proposal, author=actor,
                                                  kind=kind, body=text)


@transaction.atomic
def consultation_comment_hide(*, actor, comment_id, reason):
    """Hide a comment with a public reason; its text is kept (and audited), never shown again, never deleted."""
    comment = (ConsultationComment.objects.select_for_update(of=("self",)).select_related("consultation__site")
               .filter(pk=comment_id).first())
    if comment is None:
        raise _invalid(_("This comment does not exist."), "not_found", "comment")
    require(actor, "consultation.moderate", site=comment.consultation.site)
    reason = _text(reason, "reason", 500)
    if comment.hidden:
        raise _invalid(_("This comment is already hidden."), "already_hidden", "comment")
    with audit_context(actor, "consultation.hide", reason):
        ConsultationComment.objects.filter(pk=comment.pk).update(hidden=True, hidden_reason=reason, hidden_by=actor,
                                                                 hidden_at=timezone.now())
    comment.refresh_from_db()
    return comment


@transaction.atomic
def consultation_conclude(*, actor, consultation_id, outcome):
    """Record the outcome: after the closing date, or earlier to end the consultation there (no more comments)."""
    consultation = _locked_consultation(consultation_id)
    require(actor, "consultation.conclude", site=consultation.site)
    outcome = _text(outcome, "outcome", OUTCOME_MAX)
    if consultation.concluded_at is not None:
        raise _invalid(_("The outcome of this consultation is already recorded."), "already_concluded",
                       "consultation")
    with audit_context(actor, "consultation.conclude"):
        Consultation.objects.filter(pk=consultation.pk).update(outcome=outcome, concluded_at=timezone.now(),
                                                               concluded_by=actor)
    consultation.refresh_from_db()
    notice(consultation.site, NoticeKind.CONSULTATION, f"{consultation.site.title}: esito della consultazione", outcome)
    return consultation


def current_consultation(site_id):
    """The consultation a site's pages show: the one under way, else the latest concluded."""
    return (Consultation.objects.filter(site_id=site_id)
            .order_by(F("concluded_at").desc(nulls_first=True), "-opens_at").select_related("site").first())


def concluded_consultation(site_id):
    return Consultation.objects.filter(site_id=site_id, concluded_at__isnull=False).order_by("-concluded_at").first()


def consultation_summary(site_id):
    """What the site, proposal and management pages say of the site's consultation (None when it has none)."""
    current = current_consultation(site_id)
    if current is None:
        return None
    counts = current.comments.aggregate(visible=Count("id", filter=Q(hidden=False)),
                                        hidden=Count("id", filter=Q(hidden=True)))
    return {"consultation": current, "state": current.state(), **counts}
