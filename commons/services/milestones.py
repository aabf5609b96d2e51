"""A proposal's pathway and milestones: choosing a pathway that fits the site, planning one milestone per step,
recording planned and actual dates (in step order, never before the proposal), filing PDFs, finding the overdue.

- `pathway_for_site(site, slug)`: the pathway a proposal names, refused (`pathway_not_fitting`) unless it fits.
- `milestones_plan(proposal)`: one milestone per step, planned from the proposal's date by typical durations.
- `milestone_record` (policy "milestone.record"): new planned/actual dates and a note for one step; reaching the
  last step of an accepted proposal puts its assigned site in reuse.
- `milestone_document_add` (same policy): a PDF through commons.documents.clean_pdf.
- `overdue_milestones(today)`, `warn_overdue(today)`: for the work queue and the cooperative's notices.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commons.documents import clean_pdf
from commons.errors import ConflictError, RegistryValidationError
from commons.models import (
    Milestone, MilestoneDocument, NoticeKind, Pathway, Proposal, ProposalStatus, Site, SiteNotice, SiteStatus,
)
from commons.policy import require
from commons.services.lifecycle import audit_context, notice

TRACKED = [ProposalStatus.SUBMITTED, ProposalStatus.ACCEPTED, ProposalStatus.COMPLETED]
UNSET = object()
NOTE_MAX = 1000


def pathway_for_site(site, slug):
    """The active pathway `slug` if it fits the site's ownership and kind; None when no pathway is named."""
    if slug in (None, ""):
        return None
    pathway = Pathway.objects.active().filter(slug=str(slug)[:60]).first()
    if pathway is None:
        raise RegistryValidationError(_("There is no pathway %(slug)s.") % {"slug": str(slug)[:60]},
                                      code="invalid_choice", field="pathway")
    if not pathway.fits(site):
        raise RegistryValidationError(
            _("The pathway «%(pathway)s» does not fit this site (%(ownership)s, %(kind)s): choose one listed on "
              "the site's page.") % {"pathway": pathway.text("title"), "ownership": site.get_ownership_display(),
                                     "kind": site.get_kind_display()},
            code="pathway_not_fitting", field="pathway")
    return pathway


def proposal_day(proposal):
    return timezone.localdate(proposal.created_at)


def milestones_plan(proposal):
    """Create the milestones of a submitted proposal's pathway, once: planned one after another from its date."""
    if proposal.pathway_id is None or proposal.milestones.exists():
        return []
    planned, milestones = proposal_day(proposal), []
    for step in proposal.pathway.steps.order_by("position"):
        planned += dt.timedelta(days=step.typical_days)
        milestones.append(Milestone(proposal=proposal, step=step, position=step.position, planned_date=planned))
    return Milestone.objects.bulk_create(milestones)


def current_milestone(milestones):
    """The first milestone not yet reached (None when all are, or there are none)."""
    return next((m for m in milestones if m.actual_date is None), None)


def _locked(proposal_id, position):
    proposal = Proposal.objects.select_for_update().select_related("site", "cooperative").filter(pk=proposal_id).first()
    if proposal is None:
        raise RegistryValidationError(_("This proposal does not exist."), code="not_found", field="proposal")
    milestones = list(proposal.milestones.select_related("step").order_by("position"))
    milestone = next((m for m in milestones if m.position == position), None)
    if milestone is None:
        raise RegistryValidationError(_("This proposal has no step %(position)s.") % {"position": position},
                                      code="not_found", field="position")
    return proposal, milestones, milestone


def _check_dates(proposal, milestones, today):
    """Every date on or after the proposal's day, reached dates not in the future, both in step order, and no step
    reached before the ones that come first."""
    first_day = proposal_day(proposal)
    for name in ("planned_date", "actual_date"):
        previous = None
        for m in milestones:
            value = getattr(m, name)
            if value is None:
                continue
            if value < first_day:
                raise RegistryValidationError(_("A date cannot come before the proposal (%(day)s).") % {
                    "day": first_day.strftime("%d/%m/%Y")}, code="before_proposal", field=name)
            if previous is not None and value < previous[1]:
                raise RegistryValidationError(
                    _("Step %(step)s cannot come before step %(previous)s.") % {"step": m.position,
                                                                               "previous": previous[0]},
                    code="out_of_order", field=name)
            previous = (m.position, value)
    if any(m.actual_date and m.actual_date > today for m in milestones):
        raise RegistryValidationError(_("A step cannot be reached in the future."), code="in_the_future",
                                      field="actual_date")
    reached = [m.actual_date is not None for m in milestones]
    if any(later and not earlier for earlier, later in zip(reached, reached[1:])):
        gap = next(m.position for m, done in zip(milestones, reached) if not done)
        raise RegistryValidationError(_("Record step %(step)s first: steps are reached in order.") % {"step": gap},
                                      code="out_of_order", field="actual_date")


@transaction.atomic
def milestone_record(*, actor, proposal_id, position, planned_date=UNSET, actual_date=UNSET, note=None):
    """Set a step's planned and/or actual date (None clears it) and its note; the whole sequence is checked."""
    proposal, milestones, milestone = _locked(proposal_id, position)
    require(actor, "milestone.record", site=proposal.site, cooperative=proposal.cooperative)
    if proposal.status not in TRACKED:
        raise ConflictError(_("Milestones are recorded for submitted or accepted proposals."), code="not_tracked")
    if planned_date is not UNSET:
        milestone.planned_date = planned_date
    if actual_date is not UNSET:
        milestone.actual_date = actual_date
    if note is not None:
        if len(note) > NOTE_MAX:
            raise RegistryValidationError(_("The note may be at most %(limit)d characters.") % {"limit": NOTE_MAX},
                                          code="too_long", field="note")
        milestone.note = note
    _check_dates(proposal, milestones, timezone.localdate())
    with audit_context(actor, "milestone.record"):
        milestone.save(update_fields=["planned_date", "actual_date", "note", "updated_at"])
    if proposal.status == ProposalStatus.ACCEPTED and all(m.actual_date for m in milestones):
        _reuse_started(actor, proposal, milestones[-1])
    return milestone


def _reuse_started(actor, proposal, last):
    """The pathway's last step reached on an accepted proposal: its assigned site is in reuse (audited as that)."""
    site = Site.objects.select_for_update().get(pk=proposal.site_id)
    if site.status != SiteStatus.ASSIGNED:
        return
    reason = f"{last.position}. {last.step.name_it} ({last.actual_date:%d/%m/%Y})"
    with audit_context(actor, "site.start_reuse", reason):
        Site.objects.filter(pk=site.pk).update(status=SiteStatus.IN_REUSE, version=F("version") + 1)
    notice(site, NoticeKind.STATUS, f"{site.title}: {site.get_status_display()} → {SiteStatus.IN_REUSE.label}",
           f"Ultimo passo del percorso raggiunto: {reason}")


def milestone_document_add(*, actor, proposal_id, position, upload, title=""):
    """File a PDF for one step: checked (type sniffed, size) before any row is written or lock is taken."""
    cleaned = clean_pdf(upload)
    with transaction.atomic():
        proposal, _milestones, milestone = _locked(proposal_id, position)
        require(actor, "milestone.record", site=proposal.site, cooperative=proposal.cooperative)
        if proposal.status not in TRACKED:
            raise ConflictError(_("Milestones are recorded for submitted or accepted proposals."), code="not_tracked")
        title = (title or "").strip()[:200] or milestone.step.text("name")
        return MilestoneDocument.objects.create(milestone=milestone, file=cleaned, title=title,
                                                size=cleaned.size, uploaded_by=actor)


def overdue_milestones(today=None):
    """Milestones of live proposals whose planned date has passed without being reached, oldest first."""
    today = today or timezone.localdate()
    return (Milestone.objects.filter(actual_date__isnull=True, planned_date__lt=today,
                                     proposal__status__in=[ProposalStatus.SUBMITTED, ProposalStatus.ACCEPTED],
                                     proposal__site__hidden=False)
            .select_related("step", "proposal__site__municipality", "proposal__cooperative").order_by("planned_date"))


def warn_overdue(*, today=None):
    """One notice to the cooperative per overdue milestone and planned date (a new date can warn again)."""
    created = 0
    for milestone in overdue_milestones(today):
        proposal = milestone.proposal
        key = f"milestone:{milestone.pk}:{milestone.planned_date:%Y%m%d}"
        if SiteNotice.objects.filter(dedupe_key=key).exists():
            continue
        SiteNotice.objects.create(
            site=proposal.site, kind=NoticeKind.MILESTONE, cooperative=proposal.cooperative, dedupe_key=key,
            title=f"{proposal.site.title}: «{milestone.step.name_it}» in ritardo"[:300],
            body=f"Il passo {milestone.position} della proposta «{proposal.title}» era previsto per il "
                 f"{milestone.planned_date:%d/%m/%Y}: registrate la data raggiunta o una nuova data prevista.",
        )
        created += 1
    return created
