"""A site's status timeline, read from the audit trail the domain keeps (pghistory events)."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from commons.models import SiteStatus

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
    "proposal.accept": _("Assigned to a cooperative"),
    "import": _("Updated by an import"),
}
TIMELINE_LIMIT = 50


def _event_model():
    try:
        return apps.get_model("commons", "SiteEvent")
    except LookupError:
        return None


def _status_label(value):
    try:
        return SiteStatus(value).label
    except ValueError:
        return value


def _entry(event, previous):
    metadata = (getattr(event.pgh_context, "metadata", None) or {}) if event.pgh_context_id else {}
    action = metadata.get("action") or event.pgh_label
    status_changed = previous is None or previous.status != event.status
    if previous is not None and not status_changed and action in ("site.update", "update"):
        label = ACTION_LABELS["site.update"]
    else:
        label = ACTION_LABELS.get(action) or (ACTION_LABELS["site.create"] if previous is None else ACTION_LABELS["site.update"])
    return {
        "when": event.pgh_created_at,
        "label": label,
        "status": _status_label(event.status) if status_changed else None,
        "status_code": event.status,
        "reason": metadata.get("reason") or "",
    }


def site_timeline(site):
    """Entries oldest first; falls back to creation/update when no audit trail exists."""
    model = _event_model()
    events = []
    if model is not None:
        events = list(model.objects.filter(pgh_obj_id=site.pk).select_related("pgh_context").order_by("pgh_id")[:TIMELINE_LIMIT])
    if not events:
        entries = [{"when": site.created_at, "label": ACTION_LABELS["site.create"], "status": site.get_status_display(),
                    "status_code": site.status, "reason": ""}]
        if site.updated_at and (site.updated_at - site.created_at).total_seconds() > 1:
            entries.append({"when": site.updated_at, "label": ACTION_LABELS["site.update"], "status": None,
                            "status_code": site.status, "reason": ""})
        return entries
    entries, previous = [], None
    for event in events:
        entries.append(_entry(event, previous))
        previous = event
    return entries
