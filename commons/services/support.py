"""Public support for submitted proposals: once per person (the unique index `proposal_support_once` decides under
a race), withdrawable, counted in public, never named; not for one's own cooperative's proposal."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from commons.errors import ConflictError, NotAllowed, RegistryValidationError
from commons.models import CooperativeMembership, Proposal, ProposalStatus, ProposalSupport
from commons.policy import require


def _supportable(proposal_id):
    proposal = Proposal.objects.select_related("site", "cooperative").filter(pk=proposal_id, site__hidden=False).first()
    if proposal is None or proposal.status == ProposalStatus.DRAFT:
        raise RegistryValidationError(_("This proposal does not exist."), code="not_found", field="proposal")
    return proposal


def proposal_support(*, actor, proposal_id):
    """Record `actor`'s support; a second one is refused (`already_supported`) and writes nothing."""
    proposal = _supportable(proposal_id)
    if actor is not None and actor.is_authenticated and CooperativeMembership.objects.filter(
            user=actor, cooperative=proposal.cooperative).exists():
        raise NotAllowed(_("Members cannot support their own cooperative's proposal."), code="own_cooperative",
                         field="proposal")
    require(actor, "proposal.support", site=proposal.site, cooperative=proposal.cooperative)
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ConflictError(_("Only a submitted proposal, still awaiting its decision, can be supported."),
                            code="not_open")
    try:
        # No lock: twenty people at once each insert their own row; the unique index refuses a person's second.
        with transaction.atomic():
            ProposalSupport.objects.create(proposal=proposal, user=actor)
    except IntegrityError:
        raise RegistryValidationError(_("You already support this proposal."), code="already_supported",
                                      field="proposal") from None
    return support_count(proposal.pk)


def proposal_support_withdraw(*, actor, proposal_id):
    """Withdraw one's support (the row goes: who supported is nobody's business); withdrawing twice is no error."""
    proposal = _supportable(proposal_id)
    require(actor, "proposal.support", site=proposal.site, cooperative=proposal.cooperative)
    ProposalSupport.objects.filter(proposal=proposal, user=actor).delete()
    return support_count(proposal.pk)


def support_count(proposal_id):
    return ProposalSupport.objects.filter(proposal_id=proposal_id).count()


def supports(actor, proposal_id):
    return bool(actor and actor.is_authenticated and
                ProposalSupport.objects.filter(proposal_id=proposal_id, user=actor).exists())
