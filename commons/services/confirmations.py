"""Ground truth: "is it still dormant?" answered on the ground, and the changes those answers propose.

- `site_confirm`: someone signed in (policy "site.confirm") answers for one visible, public site, at most once a
  month (the database refuses a second row: `confirmation_once_a_month`). "Still dormant" confirms the site at
  once (last_confirmed_at, and the public role of who confirmed). Any other answer is never applied: it becomes a
  proposed change in the work queue of the site's municipality (moderators' where it has no staff).
- `change_accept` / `change_decline` ("site.decide_change": the municipality's staff, moderators): accepting
  applies the change's effect (CHANGE_EFFECTS) through an audited update and confirms the site as of the answer;
  declining needs a reason. Both are recorded on the confirmation (audited by pghistory) and on the timeline.
- `sites_confirm_bulk`: staff confirm many sites of their territory at once (one audited confirmation each).

A photo sent with an answer goes through the same upload safety as any photo (commons.photos.clean_photo, before
any row is written) and stays hidden until its change is accepted.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from commons.errors import ConflictError, RegistryValidationError
from commons.models import (
    Answer, ChangeStatus, Condition, Confirmation, ConfirmerRole, NoticeKind, Ownership, Photo, RecheckRequest, Site,
    SiteStatus, Via,
)
from commons.models.confirmations import NOTE_MAX_LENGTH
from commons.photos import clean_photo
from commons.policy import require, roles_of
from commons.services.lifecycle import audit_context, notice
from commons.services.photos import photo_for_review

S = SiteStatus
# What accepting each change does to the site (an answer whose effect is already true changes nothing).
CHANGE_EFFECTS = {
    Answer.REUSED: {"status": S.IN_REUSE},
    Answer.WORKS_STARTED: {"status": S.IN_REUSE},
    Answer.SOLD: {"ownership": Ownership.PRIVATE},
    Answer.DEMOLISHED: {"status": S.ARCHIVED},
    Answer.UNSAFE: {"condition": Condition.RUIN},
    Answer.OTHER: {},
}
CONFIRMABLE_STATUSES = set(S.public())  # reported, verified, assigned, in reuse
BULK_LIMIT = 200


def public_role(actor, site):
    """The role a confirmation is shown with: municipality staff, moderator, reporter, else citizen."""
    roles = roles_of(actor, site=site)
    for role, public in (("staff_inside", ConfirmerRole.MUNICIPALITY), ("moderator", ConfirmerRole.MODERATOR),
                         ("reporter", ConfirmerRole.REPORTER)):
        if role in roles:
            return public
    return ConfirmerRole.CITIZEN


def check_answer(answer, note):
    if answer not in Answer.values:
        raise RegistryValidationError(_("%(value)s is not one of: %(choices)s.") % {
            "value": str(answer)[:40], "choices": ", ".join(Answer.values)}, code="invalid_choice", field="answer")
    if len(note or "") > NOTE_MAX_LENGTH:
        raise RegistryValidationError(_("The note may be at most %(limit)d characters.") % {"limit": NOTE_MAX_LENGTH},
                                      code="too_long", field="note")


def confirmable_site(site_id, *, lock=False):
    """The site if it can be confirmed: 404-like not_found when hidden or unknown, conflicts when merged/closed."""
    sites = Site.objects.select_for_update() if lock else Site.objects.all()
    site = sites.filter(pk=site_id, hidden=False).first()
    if site is None:
        raise RegistryValidationError(_("This site does not exist."), code="not_found", field="site")
    if site.status == S.DUPLICATE:
        raise ConflictError(_("This site was merged into another one: confirm that one."), code="merged")
    if site.status not in CONFIRMABLE_STATUSES:
        raise ConflictError(_("A site that is %(status)s cannot be confirmed.") % {
            "status": site.get_status_display()}, code="not_confirmable")
    return site


def already_confirmed(actor, site_id):
    """Whether `actor` confirmed this site in the current month (what confirmation_once_a_month enforces)."""
    month = timezone.localdate().replace(day=1)
    return Confirmation.objects.filter(site_id=site_id, user=actor, month=month).exists()


def _once_a_month():
    return ConflictError(_("You already confirmed this site this month: thank you! You can answer again next month."),
                         code="already_confirmed")


def site_confirm(*, actor, site_id, answer, note="", image=None, via=Via.WEB, recheck_id=None):
    """Record `actor`'s answer for a site; returns the Confirmation. Nothing is written when anything is wrong."""
    site = confirmable_site(site_id)
    require(actor, "site.confirm", site=site)
    check_answer(answer, note)
    if already_confirmed(actor, site.pk):
        raise _once_a_month()
    cleaned = clean_photo(image) if image else None  # decoded before any row is written, outside a transaction
    return _record(actor=actor, site_id=site.pk, answer=answer, note=note or "", cleaned=cleaned, via=via,
                   recheck_id=recheck_id)


@transaction.atomic
def _record(*, actor, site_id, answer, note, cleaned, via, recheck_id):
    site = confirmable_site(site_id, lock=True)
    if recheck_id is not None:
        _use_recheck(recheck_id, actor)
    role = public_role(actor, site)
    change = "" if answer == Answer.STILL_DORMANT else ChangeStatus.PROPOSED
    try:
        with transaction.atomic(), audit_context(actor, "confirmation.create"):
            confirmation = Confirmation.objects.create(site=site, user=actor, role=role, answer=answer, note=note,
                                                       via=via, change_status=change)
    except IntegrityError:
        raise _once_a_month() from None
    if cleaned is not None:
        confirmation.photo = photo_for_review(actor=actor, site=site, cleaned=cleaned, caption=note[:200])
        confirmation.save(update_fields=["photo"])
    if not change:
        _mark_confirmed(site.pk, confirmation.created_at, role)
    else:
        notice(site, NoticeKind.STATUS, _("%(title)s: change reported on the ground (%(answer)s)") % {
            "title": site.title, "answer": Answer(answer).label}, _("The municipality will check it."))
    return confirmation


def _use_recheck(recheck_id, actor):
    """A re-check link is single-use: its request (and the person's other open ones for the site) are answered."""
    request = RecheckRequest.objects.select_for_update().get(pk=recheck_id)
    if request.answered_at is not None or request.user_id != actor.pk:
        raise ConflictError(_("This link was already used."), code="link_used")
    RecheckRequest.objects.filter(site_id=request.site_id, user_id=actor.pk, answered_at__isnull=True).update(
        answered_at=timezone.now())


def _mark_confirmed(site_id, moment, role):
    """The site was seen as it is at `moment`; a later confirmation already recorded wins."""
    Site.objects.filter(pk=site_id).update(last_confirmed_at=Greatest("last_confirmed_at", moment),
                                           last_confirmed_by=role)


def _locked_change(confirmation_id):
    confirmation = Confirmation.objects.select_for_update().filter(pk=confirmation_id).first()
    if confirmation is None or not confirmation.change_status:
        raise RegistryValidationError(_("This proposed change does not exist."), code="not_found", field="change")
    if confirmation.change_status != ChangeStatus.PROPOSED:
        raise ConflictError(_("This change was already decided."), code="already_decided")
    return confirmation


def _effect(site, answer):
    """The fields accepting `answer` changes on `site` (those already so are left out)."""
    return {name: value for name, value in CHANGE_EFFECTS[answer].items() if getattr(site, name) != value}


@transaction.atomic
def change_accept(*, actor, confirmation_id, reason=""):
    """Apply a proposed change; returns the site."""
    confirmation = _locked_change(confirmation_id)
    site = Site.objects.select_for_update().get(pk=confirmation.site_id)
    require(actor, "site.decide_change", site=site)
    changes = _effect(site, confirmation.answer)
    before = site.get_status_display()
    label = str(Answer(confirmation.answer).label)
    with audit_context(actor, "site.change_accept", reason or label), _confirmation_context(confirmation):
        if changes:
            Site.objects.filter(pk=site.pk).update(version=F("version") + 1, **changes)
        _decide(confirmation, actor, ChangeStatus.ACCEPTED, reason)
    _mark_confirmed(site.pk, confirmation.created_at, confirmation.role)
    Photo.objects.filter(pk=confirmation.photo_id).update(hidden=False)
    site.refresh_from_db()
    if "status" in changes:
        notice(site, NoticeKind.STATUS, f"{site.title}: {before} → {site.get_status_display()}", reason or label)
    return site


@transaction.atomic
def change_decline(*, actor, confirmation_id, reason):
    confirmation = _locked_change(confirmation_id)
    site = Site.objects.select_for_update().get(pk=confirmation.site_id)
    require(actor, "site.decide_change", site=site)
    if not (reason or "").strip():
        raise RegistryValidationError(_("Please give a reason."), code="required", field="reason")
    with audit_context(actor, "site.change_decline", reason):
        _decide(confirmation, actor, ChangeStatus.DECLINED, reason)
    return confirmation


def _confirmation_context(confirmation):
    import pghistory

    return pghistory.context(confirmation=confirmation.pk)


def _decide(confirmation, actor, status, reason):
    confirmation.change_status, confirmation.decided_by = status, actor
    confirmation.decided_at, confirmation.decision_reason = timezone.now(), (reason or "")[:1000]
    confirmation.save(update_fields=["change_status", "decided_by", "decided_at", "decision_reason"])


@transaction.atomic
def sites_confirm_bulk(*, actor, site_ids):
    """Staff confirm sites of their territory as still dormant: (confirmed, skipped: already this month). The
    whole batch is refused when one site is not theirs or cannot be confirmed."""
    ids = sorted({int(pk) for pk in site_ids})
    if not ids or len(ids) > BULK_LIMIT:
        raise RegistryValidationError(_("Choose between 1 and %(limit)d sites.") % {"limit": BULK_LIMIT},
                                      code="invalid_selection", field="sites")
    sites = [confirmable_site(pk, lock=True) for pk in ids]
    for site in sites:
        require(actor, "site.confirm_bulk", site=site)
    month = timezone.localdate().replace(day=1)
    done = set(Confirmation.objects.filter(site_id__in=ids, user=actor, month=month).values_list("site_id", flat=True))
    confirmed = 0
    for site in sites:
        if site.pk in done:
            continue
        role = public_role(actor, site)
        with audit_context(actor, "confirmation.bulk"):
            confirmation = Confirmation.objects.create(site=site, user=actor, role=role, via=Via.BULK,
                                                       answer=Answer.STILL_DORMANT)
        _mark_confirmed(site.pk, confirmation.created_at, role)
        confirmed += 1
    return confirmed, len(done)
