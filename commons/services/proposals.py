"""Reuse proposals: create, submit, withdraw, accept (with the legal instrument), decline, complete."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commons.errors import ConflictError, RegistryValidationError
from commons.models import (
    Consultation, Cooperative, LegalInstrument, NoticeKind, Proposal, ProposalStatus, ReuseCategory, Site, SiteStatus,
)
from commons.policy import require
from commons.services.lifecycle import _require_reason, audit_context, notice
from commons.services.milestones import milestones_plan, pathway_for_site

P = ProposalStatus
PROPOSAL_FIELDS = {"title", "summary", "reuse_category", "expected_jobs", "beneficiaries", "budget_eur",
                   "funding_sources", "timeline"}


def _locked_proposal(proposal_id):
    try:
        return Proposal.objects.select_for_update().select_related("cooperative").get(pk=proposal_id)
    except Proposal.DoesNotExist:
        raise RegistryValidationError(_("This proposal does not exist."), code="not_found", field="proposal") from None


def _check_fields(fields):
    unknown = set(fields) - PROPOSAL_FIELDS
    if unknown:
        raise RegistryValidationError(
            _("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}, code="unknown_field",
            field=sorted(unknown)[0],
        )
    for name in ("title", "summary"):
        if not str(fields.get(name) or "").strip():
            raise RegistryValidationError(_("This field is required."), code="required", field=name)
    if fields.get("reuse_category") not in ReuseCategory.values:
        raise RegistryValidationError(_("Choose a reuse category."), code="invalid_choice", field="reuse_category")


def _parts(site, covers):
    """The visible child sites of `site` a proposal names; any other id is refused (`not_a_part`)."""
    wanted = {int(pk) for pk in covers or ()}
    parts = list(site.children.visible().filter(pk__in=wanted))
    missing = sorted(wanted - {part.pk for part in parts})
    if missing:
        raise RegistryValidationError(_("Site %(id)s is not a part of this site.") % {"id": missing[0]},
                                      code="not_a_part", field="covers")
    return parts


@transaction.atomic
def proposal_create(*, actor, site_id, cooperative_id, submit=True, pathway=None, covers=(), **fields):
    """A cooperative's proposal, optionally under a pathway (its slug) that must fit the site, and naming the parts
    of the site it covers; once submitted, the pathway's steps become its milestones."""
    _check_fields(fields)
    site = Site.objects.select_for_update().filter(pk=site_id).first()
    cooperative = Cooperative.objects.filter(pk=cooperative_id).first()
    if site is None or cooperative is None:
        raise RegistryValidationError(_("Unknown site or cooperative."), code="not_found", field="site")
    require(actor, "proposal.create", site=site, cooperative=cooperative)
    if site.status != SiteStatus.VERIFIED or site.hidden:
        raise ConflictError(_("Proposals can only be made for verified sites that are not yet assigned."),
                            code="site_not_open")
    chosen = pathway_for_site(site, pathway)
    parts = _parts(site, covers)
    with audit_context(actor, "proposal.create"):
        proposal = Proposal.objects.create(
            site=site, cooperative=cooperative, submitted_by=actor, status=P.SUBMITTED if submit else P.DRAFT,
            pathway=chosen, **fields
        )
        proposal.covers.set(parts)
        if submit:
            milestones_plan(proposal)
    if submit:
        notice(site, NoticeKind.PROPOSAL, f"{site.title}: nuova proposta di {cooperative.name}", proposal.title)
    return proposal


@transaction.atomic
def proposal_submit(*, proposal_id, actor):
    proposal = _locked_proposal(proposal_id)
    require(actor, "proposal.create", site=proposal.site, cooperative=proposal.cooperative)
    if proposal.status != P.DRAFT:
        raise ConflictError(_("Only a draft can be submitted."), code="invalid_transition")
    if proposal.site.status != SiteStatus.VERIFIED:
        raise ConflictError(_("The site is no longer open to proposals."), code="site_not_open")
    if proposal.pathway_id and not proposal.pathway.fits(proposal.site):
        pathway_for_site(proposal.site, proposal.pathway.slug)  # raises pathway_not_fitting
    with audit_context(actor, "proposal.submit"):
        Proposal.objects.filter(pk=proposal.pk).update(status=P.SUBMITTED, version=F("version") + 1)
        milestones_plan(proposal)
    notice(proposal.site, NoticeKind.PROPOSAL, f"{proposal.site.title}: nuova proposta di {proposal.cooperative.name}")
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal_id, actor, reason=""):
    proposal = _locked_proposal(proposal_id)
    require(actor, "proposal.withdraw", site=proposal.site, cooperative=proposal.cooperative)
    if proposal.status not in (P.DRAFT, P.SUBMITTED):
        raise ConflictError(_("Only a draft or submitted proposal can be withdrawn."), code="invalid_transition")
    with audit_context(actor, "proposal.withdraw", reason):
        Proposal.objects.filter(pk=proposal.pk).update(status=P.WITHDRAWN, decision_reason=reason, version=F("version") + 1)
    proposal.refresh_from_db()
    return proposal


def _check_instrument(instrument, start, end):
    if instrument not in LegalInstrument.values:
        raise RegistryValidationError(_("Choose the legal instrument of the assignment."), code="invalid_choice",
                                      field="legal_instrument")
    if not isinstance(start, dt.date):
        raise RegistryValidationError(_("Give the start date."), code="required", field="instrument_start")
    if end is not None and end <= start:
        raise RegistryValidationError(_("The end date must come after the start date."), code="invalid_dates",
                                      field="instrument_end")


@transaction.atomic
def proposal_accept(*, proposal_id, actor, legal_instrument, instrument_start, instrument_end=None, reason="",
                    decline_reason=""):
    """Accept one proposal: the site becomes assigned, competing proposals are declined with a reason.

    Two deciders racing on one site serialise on the site row lock; the partial unique index
    proposal_one_accepted_per_site is the last line of defence.
    """
    site_id = Proposal.objects.filter(pk=proposal_id).values_list("site_id", flat=True).first()
    if site_id is None:
        raise RegistryValidationError(_("This proposal does not exist."), code="not_found", field="proposal")
    site = Site.objects.select_for_update().get(pk=site_id)
    proposal = _locked_proposal(proposal_id)
    require(actor, "proposal.decide", site=site)
    _check_instrument(legal_instrument, instrument_start, instrument_end)
    if proposal.status != P.SUBMITTED or site.status != SiteStatus.VERIFIED:
        raise ConflictError(_("This site has already been assigned or the proposal is no longer open."),
                            code="already_decided")
    if Consultation.objects.filter(site=site).unconcluded().exists():
        raise ConflictError(_("Record the outcome of the consultation on this site before deciding."),
                            code="consultation_under_way")
    now = timezone.now()
    decline_reason = decline_reason or _("Another proposal was accepted for this site.")
    try:
        with audit_context(actor, "proposal.accept", reason), transaction.atomic():
            Proposal.objects.filter(pk=proposal.pk).update(
                status=P.ACCEPTED, legal_instrument=legal_instrument, instrument_start=instrument_start,
                instrument_end=instrument_end, decision_reason=reason, decided_by=actor, decided_at=now,
                version=F("version") + 1,
            )
            Proposal.objects.filter(site=site, status=P.SUBMITTED).exclude(pk=proposal.pk).update(
                status=P.DECLINED, decision_reason=decline_reason, decided_by=actor, decided_at=now,
                version=F("version") + 1,
            )
            Site.objects.filter(pk=site.pk).update(status=SiteStatus.ASSIGNED, version=F("version") + 1)
    except IntegrityError:
        raise ConflictError(_("This site already has an accepted proposal."), code="already_decided") from None
    notice(site, NoticeKind.DECISION, f"{site.title}: assegnato a {proposal.cooperative.name}",
           f"{LegalInstrument(legal_instrument).label}, {instrument_start} – {instrument_end or '…'}. {reason}")
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def proposal_decline(*, proposal_id, actor, reason):
    proposal = _locked_proposal(proposal_id)
    require(actor, "proposal.decide", site=proposal.site)
    _require_reason(reason)
    if proposal.status != P.SUBMITTED:
        raise ConflictError(_("Only a submitted proposal can be declined."), code="invalid_transition")
    with audit_context(actor, "proposal.decline", reason):
        Proposal.objects.filter(pk=proposal.pk).update(
            status=P.DECLINED, decision_reason=reason, decided_by=actor, decided_at=timezone.now(),
            version=F("version") + 1,
        )
    notice(proposal.site, NoticeKind.DECISION, f"{proposal.site.title}: proposta di {proposal.cooperative.name} non accolta", reason)
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def proposal_complete(*, proposal_id, actor, reason=""):
    proposal = _locked_proposal(proposal_id)
    require(actor, "proposal.complete", site=proposal.site)
    if proposal.status != P.ACCEPTED:
        raise ConflictError(_("Only an accepted proposal can be completed."), code="invalid_transition")
    with audit_context(actor, "proposal.complete", reason):
        Proposal.objects.filter(pk=proposal.pk).update(status=P.COMPLETED, version=F("version") + 1)
    proposal.refresh_from_db()
    return proposal
