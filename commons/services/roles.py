"""Granting roles: municipality staff requests and approvals, cooperatives and their members."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.text import slugify

from commons.errors import ConflictError, RegistryValidationError
from commons.models import Cooperative, CooperativeMembership, MemberRole, Municipality, MunicipalityStaff
from commons.policy import require
from commons.services.lifecycle import audit_context
from commons.validators import validate_tax_code


def staff_request(*, user, municipality_code):
    """A user asks to act for a municipality; nothing is granted until a moderator approves."""
    if not Municipality.objects.filter(pk=municipality_code).exists():
        raise RegistryValidationError(_("Unknown municipality."), code="not_found", field="municipality")
    membership, _created = MunicipalityStaff.objects.get_or_create(user=user, municipality_id=municipality_code)
    return membership


@transaction.atomic
def staff_approve(*, membership_id, actor):
    membership = MunicipalityStaff.objects.select_for_update().get(pk=membership_id)
    require(actor, "staff.approve")
    with audit_context(actor, "staff.approve"):
        membership.approved, membership.approved_by = True, actor
        membership.save(update_fields=["approved", "approved_by"])
    return membership


@transaction.atomic
def cooperative_create(*, actor, name, tax_code, legal_form, **fields):
    """Register a cooperative; its creator becomes its admin. It stays unverified until a moderator checks it."""
    from django.core.exceptions import ValidationError

    try:
        validate_tax_code(tax_code)
    except ValidationError as exc:
        raise RegistryValidationError(exc.messages[0], code="invalid_tax_code", field="tax_code") from None
    if Cooperative.objects.filter(tax_code=tax_code.strip().upper()).exists():
        raise ConflictError(_("A cooperative with this codice fiscale is already registered."), code="duplicate")
    base = slugify(name)[:180] or "cooperativa"
    slug, n = base, 1
    while Cooperative.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    with audit_context(actor, "cooperative.create"):
        cooperative = Cooperative.objects.create(
            name=name, slug=slug, tax_code=tax_code.strip().upper(), legal_form=legal_form, verified=False, **fields
        )
        CooperativeMembership.objects.create(cooperative=cooperative, user=actor, role=MemberRole.ADMIN)
    return cooperative


@transaction.atomic
def cooperative_verify(*, cooperative_id, actor, verified=True):
    cooperative = Cooperative.objects.select_for_update().get(pk=cooperative_id)
    require(actor, "cooperative.verify", cooperative=cooperative)
    with audit_context(actor, "cooperative.verify"):
        cooperative.verified = verified
        cooperative.save(update_fields=["verified"])
    return cooperative


@transaction.atomic
def membership_add(*, cooperative_id, user, actor, role=MemberRole.MEMBER):
    cooperative = Cooperative.objects.get(pk=cooperative_id)
    require(actor, "cooperative.edit", cooperative=cooperative)
    with audit_context(actor, "cooperative.add_member"):
        membership, _created = CooperativeMembership.objects.update_or_create(
            cooperative=cooperative, user=user, defaults={"role": role}
        )
    return membership
