"""A site's public timeline, read from the audit trail (pghistory events and their contexts).

Actors appear by role ("Comune di Roma", "moderazione", "cooperativa X"), never by e-mail or private name.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from commons.models import Answer, ChangeStatus, Confirmation, ConfirmerRole, MunicipalityStaff, Proposal, Site
from commons.policy import is_moderator

PUBLIC_FIELDS = ["status", "title", "kind", "ownership", "condition", "location_precision", "hidden", "duplicate_of"]


@dataclass
class Entry:
    at: object
    action: str
    actor: str
    reason: str = ""
    changes: list = field(default_factory=list)  # (field label, before, after)
    proposal: object = None
    status: str = ""  # the site's status after this entry, when it changed (raw value, for styling)
    confirmation: int = None  # the confirmation whose accepted change this entry applied


def _public_actor(user_id, site):
    if not user_id:
        return _("the registry")
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return _("a former user")
    if MunicipalityStaff.objects.filter(user=user, approved=True, municipality_id=site.municipality_id).exists():
        return _("Municipality of %(name)s") % {"name": site.municipality.name}
    if is_moderator(user):
        return _("moderation")
    cooperative = user.cooperatives.filter(verified=True).first()
    if cooperative:
        return cooperative.name
    return _("a citizen")


def _display(model, name, value):
    field_obj = model._meta.get_field(name)
    if getattr(field_obj, "choices", None):
        return str(dict(field_obj.flatchoices).get(value, value))
    return value


def _entries(events, model, site, key_fields):
    entries, previous = [], {}
    for event in events:
        meta = (event.pgh_context.metadata if event.pgh_context_id else {}) or {}
        current = {name: getattr(event, f"{name}_id" if name in ("duplicate_of", "site", "cooperative") else name)
                   for name in key_fields}
        changes = []
        if event.pgh_label.endswith(".update"):
            for name in key_fields:
                if name in previous and previous[name] != current[name]:
                    changes.append((name if name == "status" else str(model._meta.get_field(name).verbose_name),
                                    _display(model, name, previous[name]), _display(model, name, current[name])))
        previous = current
        if event.pgh_label.endswith(".update") and not changes:
            continue
        status_changed = model is Site and (event.pgh_label.endswith(".create") or any(c[0] == "status" for c in changes))
        entries.append(Entry(at=event.pgh_created_at, action=meta.get("action") or event.pgh_label,
                             actor=_public_actor(meta.get("actor") or meta.get("user"), site),
                             reason=meta.get("reason", ""), changes=changes,
                             proposal=getattr(event, "pgh_obj_id", None) if model is Proposal else None,
                             status=current["status"] if status_changed else "",
                             confirmation=meta.get("confirmation")))
    return entries


def site_timeline(site: Site):
    """Creation, status changes and proposal decisions, oldest first."""
    site_events = site.events.select_related("pgh_context").order_by("pgh_id")
    proposal_events = Proposal.pgh_event_model.objects.filter(site_id=site.pk).select_related("pgh_context").order_by("pgh_obj_id", "pgh_id")
    entries = _entries(site_events, Site, site, PUBLIC_FIELDS)
    if not any(e.action == "site.create" for e in entries):
        # Bulk-loaded rows (demo data) carry no insert event: creation comes from the row itself.
        entries.insert(0, Entry(at=site.created_at, action="site.create", status=site.status if not entries else "",
                                actor=_("a citizen") if site.source == "citizen" else _("the registry")))
    by_proposal = {}
    for event in proposal_events:
        by_proposal.setdefault(event.pgh_obj_id, []).append(event)
    for events in by_proposal.values():
        entries += _entries(events, Proposal, site, ["status", "legal_instrument", "instrument_start", "instrument_end"])
    entries += confirmation_entries(site, applied={e.confirmation for e in entries if e.confirmation})
    entries += milestone_entries(site)
    entries += consultation_entries(site)
    return sorted(entries, key=lambda e: e.at)


def consultation_entries(site):
    """Each consultation's opening (with its closing date) and its outcome, as the municipality's."""
    from commons.models import Consultation

    entries = []
    for c in Consultation.objects.filter(site=site):
        closing = timezone.localtime(c.closes_at).date().isoformat()
        entries.append(Entry(at=c.opens_at, action="consultation.open", actor=_public_actor(c.opened_by_id, site),
                             reason=_("until %(date)s") % {"date": closing}))
        if c.concluded_at:
            entries.append(Entry(at=c.concluded_at, action="consultation.conclude",
                                 actor=_public_actor(c.concluded_by_id, site), reason=c.outcome[:300]))
    return entries


def milestone_entries(site):
    """Each step a live proposal reached, dated by the day it was reached and shown as the cooperative's."""
    from commons.models import Milestone

    reached = (Milestone.objects.filter(proposal__site=site, actual_date__isnull=False)
               .exclude(proposal__status="draft").select_related("step", "proposal__cooperative"))
    return [Entry(at=dt.datetime.combine(m.actual_date, dt.time(12), tzinfo=timezone.get_current_timezone()),
                  action="milestone.reached", actor=m.proposal.cooperative.name, proposal=m.proposal_id,
                  reason=f"{m.position}. {m.step.text('name')}") for m in reached]


CONFIRMATIONS_SHOWN = 20


def _confirmer(role, site):
    if role == ConfirmerRole.MUNICIPALITY:
        return _("Municipality of %(name)s") % {"name": site.municipality.name}
    return str(ConfirmerRole(role).label)


def confirmation_entries(site, *, applied=()):
    """Answers on the ground (by role, never by name; notes stay with the municipality) and the decisions on the
    changes they proposed; an accepted change that moved the site is shown by the site's own entry (`applied`)."""
    entries = []
    for c in Confirmation.objects.filter(site=site).order_by("-created_at")[:CONFIRMATIONS_SHOWN]:
        still = c.answer == Answer.STILL_DORMANT
        entries.append(Entry(at=c.created_at, action="confirmation.still_dormant" if still else "confirmation.change",
                             actor=_confirmer(c.role, site), reason="" if still else str(Answer(c.answer).label)))
        if c.change_status in (ChangeStatus.ACCEPTED, ChangeStatus.DECLINED) and c.pk not in applied:
            entries.append(Entry(at=c.decided_at, action=f"confirmation.{c.change_status}",
                                 actor=_public_actor(c.decided_by_id, site),
                                 reason=c.decision_reason or str(Answer(c.answer).label)))
    return entries
