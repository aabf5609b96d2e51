"""Site lifecycle: verify, reject, archive, start reuse, mark duplicate, hide, restore.

Every transition locks the site row, checks the policy table, and runs inside a pghistory context that
records the actor, the action and the reason next to the before/after snapshot taken by the audit trigger.
"""

import pghistory
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from commons.errors import ConflictError, RegistryValidationError
from commons.models import NoticeKind, Site, SiteNotice, SiteStatus
from commons.policy import require

S = SiteStatus
# action -> (statuses it may start from, status it leads to, reason required)
TRANSITIONS = {
    "verify": ({S.REPORTED}, S.VERIFIED, False),
    "reject": ({S.REPORTED, S.VERIFIED}, S.REJECTED, True),
    "archive": ({S.REPORTED, S.VERIFIED, S.ASSIGNED, S.IN_REUSE, S.REJECTED}, S.ARCHIVED, True),
    "start_reuse": ({S.ASSIGNED}, S.IN_REUSE, False),
}


def audit_context(actor, action, reason=""):
    """Metadata stored with every audited change made by a service."""
    return pghistory.context(actor=actor.pk if actor else None, action=action, reason=reason or "")


def _locked_site(site_id):
    try:
        return Site.objects.select_for_update().get(pk=site_id)
    except Site.DoesNotExist:
        raise RegistryValidationError(_("This site does not exist."), code="not_found", field="site") from None


def _require_reason(reason):
    if not (reason or "").strip():
        raise RegistryValidationError(_("Please give a reason."), code="required", field="reason")


def notice(site, kind, title, body="", **extra):
    return SiteNotice.objects.create(site=site, kind=kind, title=title[:300], body=body, **extra)


@transaction.atomic
def site_transition(*, site_id, actor, action, reason=""):
    sources, target, reason_required = TRANSITIONS[action]
    site = _locked_site(site_id)
    require(actor, f"site.{action}", site=site)
    if site.status not in sources:
        raise ConflictError(
            _("A site that is %(status)s cannot be moved to %(target)s.")
            % {"status": site.get_status_display(), "target": S(target).label},
            code="invalid_transition",
        )
    if reason_required:
        _require_reason(reason)
    before = site.get_status_display()
    with audit_context(actor, f"site.{action}", reason):
        Site.objects.filter(pk=site.pk).update(status=target, version=F("version") + 1)
    site.refresh_from_db()
    notice(site, NoticeKind.STATUS, f"{site.title}: {before} → {site.get_status_display()}", reason)
    return site


def site_verify(*, site_id, actor, reason=""):
    return site_transition(site_id=site_id, actor=actor, action="verify", reason=reason)


def site_reject(*, site_id, actor, reason):
    return site_transition(site_id=site_id, actor=actor, action="reject", reason=reason)


def site_archive(*, site_id, actor, reason):
    return site_transition(site_id=site_id, actor=actor, action="archive", reason=reason)


def site_start_reuse(*, site_id, actor, reason=""):
    return site_transition(site_id=site_id, actor=actor, action="start_reuse", reason=reason)


@transaction.atomic
def site_mark_duplicate(*, site_id, survivor_id, actor, reason=""):
    """Merge a duplicate into the surviving site; the duplicate keeps its data and can be restored."""
    site = _locked_site(site_id)
    require(actor, "site.mark_duplicate", site=site)
    survivor = Site.objects.visible().filter(pk=survivor_id).first()
    if survivor is None or survivor.pk == site.pk:
        raise RegistryValidationError(
            _("Choose another visible site as the one to keep."), code="invalid_survivor", field="survivor"
        )
    with audit_context(actor, "site.mark_duplicate", reason):
        Site.objects.filter(pk=site.pk).update(
            status=S.DUPLICATE, duplicate_of=survivor, version=F("version") + 1
        )
    site.refresh_from_db()
    notice(site, NoticeKind.STATUS, f"{site.title}: duplicato di «{survivor.title}»", reason)
    return site


@transaction.atomic
def site_hide(*, site_id, actor, reason):
    site = _locked_site(site_id)
    require(actor, "site.hide", site=site)
    _require_reason(reason)
    with audit_context(actor, "site.hide", reason):
        Site.objects.filter(pk=site.pk).update(hidden=True, version=F("version") + 1)
    site.refresh_from_db()
    return site


def _status_before_duplicate(site):
    event = site.events.exclude(status=S.DUPLICATE).order_by("-pgh_id").first()
    return event.status if event else S.REPORTED


@transaction.atomic
def site_restore(*, site_id, actor, reason=""):
    """Undo a hide or a merge: the original record was never deleted."""
    site = _locked_site(site_id)
    require(actor, "site.restore", site=site)
    changes = {"hidden": False}
    if site.status == S.DUPLICATE:
        changes.update(status=_status_before_duplicate(site), duplicate_of=None)
    with audit_context(actor, "site.restore", reason):
        Site.objects.filter(pk=site.pk).update(version=F("version") + 1, **changes)
    site.refresh_from_db()
    return site


# The one-step site transitions a face offers (web buttons, API actions), by action name.
SITE_ACTIONS = {
    "verify": site_verify, "reject": site_reject, "archive": site_archive, "start_reuse": site_start_reuse,
    "hide": site_hide, "restore": site_restore,
}
