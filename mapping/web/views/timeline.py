"""How a site's timeline (commons.timeline, read from the audit trail) reads on the site page."""

from django.utils.translation import gettext_lazy as _

from commons.models import SiteStatus
from commons.timeline import site_timeline as audit_timeline

# What each audited action means to a reader of the site page.
ACTION_LABELS = {
    "site.report": _("Reported"),
    "site.create": _("Added to the registry"),
    "site.update": _("Details updated"),
    "site.verify": _("Verified by the municipality"),
    "site.reject": _("Rejected"),
    "site.archive": _("Archived"),
    "site.start_reuse": _("Reuse started"),
    "site.mark_duplicate": _("Marked as a duplicate"),
    "site.hide": _("Hidden by a moderator"),
    "site.restore": _("Restored"),
    "proposal.create": _("New reuse proposal"),
    "proposal.submit": _("New reuse proposal"),
    "proposal.accept": _("Assigned to a cooperative"),
    "proposal.decline": _("Proposal declined"),
    "proposal.withdraw": _("Proposal withdrawn"),
    "proposal.complete": _("Project completed"),
    "import": _("Updated by an import"),
    "confirmation.still_dormant": _("Confirmed still dormant on the ground"),
    "confirmation.change": _("Change reported on the ground"),
    "confirmation.accepted": _("Reported change accepted"),
    "confirmation.declined": _("Reported change declined"),
    "site.change_accept": _("Reported change accepted"),
    "milestone.reached": _("Pathway step reached"),
    "consultation.open": _("Public consultation opened"),
    "consultation.conclude": _("Outcome of the public consultation"),
}
TIMELINE_LIMIT = 50


def _label(action):
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    return ACTION_LABELS["proposal.create" if action.startswith("proposal.") else "site.update"]


def site_timeline(site):
    """Entries oldest first, as dicts for the template."""
    entries = []
    for entry in audit_timeline(site)[-TIMELINE_LIMIT:]:
        entries.append({
            "when": entry.at, "label": _label(entry.action), "actor": entry.actor, "reason": entry.reason,
            "status": SiteStatus(entry.status).label if entry.status else None, "status_code": entry.status,
        })
    return entries
