"""Work queues and decisions for municipality staff and moderators; following sites and areas."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from django.db.models.expressions import RawSQL

from commons.errors import ConflictError, RegistryValidationError
from commons.freshness import freshness_sql
from commons.models import (
    ChangeStatus, Confirmation, Consultation, Cooperative, LegalInstrument, MunicipalityStaff, Proposal, ProposalStatus,
    Site, SiteStatus, SubscriptionKind,
)
from commons.policy import can, is_moderator
from commons.services import lifecycle, milestones, proposals, rechecks, roles, subscriptions
from commons.services.consultations import consultation_summary
from mapping.web.views.consultations import OpenForm



def _territory(user):
    return list(MunicipalityStaff.objects.filter(user=user, approved=True).values_list("municipality_id", flat=True))


TABS = ("todo", "recheck", "changes", "sources")
RECHECK_SHOWN = 200


@login_required
def work_queue(request):
    """Tabs (links: no JavaScript needed): to do, to re-check (bulk confirm), proposed changes, and for moderators
    the sites no longer in their source. Staff see their territory; moderators what has no staff (and hidden or
    merged sites, cooperatives and staff requests)."""
    moderator = is_moderator(request.user)
    territory = _territory(request.user)
    if not moderator and not territory:
        raise PermissionDenied(_("The work queue is for municipality staff and moderators."))
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "todo"
    if tab == "sources" and not moderator:
        tab = "todo"
    routed = _routed_sites(moderator, territory)
    context = {"moderator": moderator, "tab": tab, "recheck_count": _to_recheck(moderator, territory).count(),
               "changes_count": _proposed_changes(routed).count()}
    context.update(TAB_CONTEXT[tab](moderator, territory, routed))
    return render(request, "workflow/work_queue.html", context)


def _routed_sites(moderator, territory):
    """Sites whose proposed changes and re-checks come to this queue: the staff's territory; for moderators, the
    municipalities without approved staff."""
    if not moderator:
        return Site.objects.filter(municipality__in=territory)
    staffed = MunicipalityStaff.objects.filter(approved=True).values("municipality_id")
    return Site.objects.exclude(municipality__in=staffed)


def _to_recheck(moderator, territory):
    if not moderator:
        return rechecks.sites_to_recheck(territory)
    staffed = MunicipalityStaff.objects.filter(approved=True).values("municipality_id")
    return rechecks.sites_to_recheck().exclude(municipality__in=staffed)


def _proposed_changes(routed):
    return Confirmation.objects.filter(change_status=ChangeStatus.PROPOSED, site__in=routed.filter(hidden=False))


def _todo_context(moderator, territory, routed):
    sites = Site.objects.select_related("municipality") if moderator else Site.objects.filter(municipality__in=territory)
    today = timezone.localdate()
    return {
        "reports": sites.filter(status=SiteStatus.REPORTED, hidden=False).order_by("created_at")[:200],
        "proposals": Proposal.objects.filter(site__in=sites, status=ProposalStatus.SUBMITTED)
        .select_related("site", "cooperative").order_by("created_at")[:200],
        "expiring": Proposal.objects.filter(site__in=sites, status=ProposalStatus.ACCEPTED,
                                            instrument_end__gt=today, instrument_end__lte=today + dt.timedelta(days=90))
        .select_related("site", "cooperative").order_by("instrument_end"),
        "overdue": milestones.overdue_milestones(today).filter(proposal__site__in=sites)[:200],
        # Those closed without an outcome first: the decision on their site waits for it.
        "consultations": Consultation.objects.unconcluded().filter(site__in=sites).select_related("site")
        .order_by("closes_at")[:200],
        "now": timezone.now(),
        "cooperatives": Cooperative.objects.filter(verified=False) if moderator else [],
        "staff_requests": MunicipalityStaff.objects.filter(approved=False).select_related("user", "municipality") if moderator else [],
        "hidden": Site.objects.filter(Q(hidden=True) | Q(status=SiteStatus.DUPLICATE))[:100] if moderator else [],
    }


def _recheck_context(moderator, territory, routed):
    sites = _to_recheck(moderator, territory).select_related("municipality").annotate(
        freshness=RawSQL(freshness_sql('"commons_site"."last_confirmed_at"'), ()))
    return {"to_recheck": sites[:RECHECK_SHOWN], "recheck_shown": RECHECK_SHOWN}


def _changes_context(moderator, territory, routed):
    changes = _proposed_changes(routed).select_related("site__municipality", "photo").order_by("created_at")
    return {"changes": changes[:200]}


def _sources_context(moderator, territory, routed):
    missing = Site.objects.filter(missing_from_source_at__isnull=False).select_related("municipality")
    return {"missing": missing.order_by("-missing_from_source_at")[:200]}


TAB_CONTEXT = {"todo": _todo_context, "recheck": _recheck_context, "changes": _changes_context,
               "sources": _sources_context}


@login_required
def site_manage(request, pk):
    site = get_object_or_404(Site.objects.select_related("municipality", "region", "duplicate_of"), pk=pk)
    allowed = [a for a in lifecycle.SITE_ACTIONS if can(request.user, f"site.{a}", site=site)]
    if not allowed and not can(request.user, "proposal.decide", site=site):
        raise PermissionDenied(_("Only staff of this municipality or a moderator can manage this site."))
    return render(request, "workflow/site_manage.html", {
        "site": site, "actions": allowed,
        "can_merge": can(request.user, "site.mark_duplicate", site=site),
        "can_decide": can(request.user, "proposal.decide", site=site),
        "proposals": site.proposals.select_related("cooperative").order_by("created_at"),
        "instruments": LegalInstrument.choices,
        **_consultation_block(request.user, site),
    })


def _consultation_block(user, site):
    """The management page's consultation: the one under way (or the last), and the form to open one."""
    summary = consultation_summary(site.pk)
    under_way = summary is not None and summary["consultation"].concluded_at is None
    return {"consultation": summary, "can_consult": not under_way and can(user, "consultation.open", site=site),
            "competing": site.proposals.filter(status=ProposalStatus.SUBMITTED).count(), "open_form": OpenForm()}


def _run(request, action, on_success):
    """Run a service call; show domain errors as messages instead of failing."""
    try:
        action()
    except (RegistryValidationError, ConflictError) as exc:
        messages.error(request, getattr(exc, "message", None) or exc.messages[0])
    else:
        messages.success(request, on_success)


@login_required
@require_POST
def site_action(request, pk, action):
    if action == "mark_duplicate":
        survivor = request.POST.get("survivor", "")
        call = lambda: lifecycle.site_mark_duplicate(  # noqa: E731
            site_id=pk, survivor_id=int(survivor) if survivor.isdigit() else 0, actor=request.user,
            reason=request.POST.get("reason", ""))
    elif action in lifecycle.SITE_ACTIONS:
        call = lambda: lifecycle.SITE_ACTIONS[action](site_id=pk, actor=request.user, reason=request.POST.get("reason", ""))  # noqa: E731
    else:
        raise PermissionDenied
    _run(request, call, _("Done."))
    return redirect("workflow:site_manage", pk=pk)


@login_required
@require_POST
def proposal_decision(request, pk, decision):
    proposal = get_object_or_404(Proposal, pk=pk)
    reason = request.POST.get("reason", "")
    if decision == "accept":
        call = lambda: proposals.proposal_accept(  # noqa: E731
            proposal_id=pk, actor=request.user, legal_instrument=request.POST.get("legal_instrument", ""),
            instrument_start=parse_date(request.POST.get("instrument_start", "") or ""),
            instrument_end=parse_date(request.POST.get("instrument_end", "") or ""), reason=reason)
    elif decision == "decline":
        call = lambda: proposals.proposal_decline(proposal_id=pk, actor=request.user, reason=reason)  # noqa: E731
    elif decision == "complete":
        call = lambda: proposals.proposal_complete(proposal_id=pk, actor=request.user, reason=reason)  # noqa: E731
    else:
        raise PermissionDenied
    _run(request, call, _("Decision recorded."))
    return redirect("workflow:site_manage", pk=proposal.site_id)


@login_required
@require_POST
def follow_site(request, pk):
    site = get_object_or_404(Site.objects.visible(), pk=pk)
    subscriptions.subscription_create(user=request.user, kind=SubscriptionKind.SITE, site=site)
    messages.success(request, _("You now follow this site: you will get an e-mail when it changes."))
    return redirect("mapping:site_detail", pk=pk)


@login_required
@require_POST
def follow(request):
    """Follow an area (kind + ISTAT code) or the current map search (query string)."""
    kind = request.POST.get("kind", "")
    _run(request, lambda: subscriptions.subscription_create(
        user=request.user, kind=kind, name=request.POST.get("name", "")[:120],
        area_code=request.POST.get("area_code", ""), query=request.POST.get("query", "")[:2000],
    ), _("Saved: you will get an e-mail for every change."))
    return redirect("workflow:profile")


@login_required
@require_POST
def unfollow(request, pk):
    subscriptions.subscription_delete(actor=request.user, subscription_id=pk)
    return redirect("workflow:profile")


@login_required
def profile(request):
    if request.method == "POST" and request.POST.get("municipality"):
        _run(request, lambda: roles.staff_request(user=request.user, municipality_code=request.POST["municipality"]),
             _("Request sent: a moderator will check it."))
        return redirect("workflow:profile")
    return render(request, "workflow/profile.html", {
        "subscriptions": request.user.subscriptions.select_related("site", "region", "province", "municipality"),
        "staff": MunicipalityStaff.objects.filter(user=request.user).select_related("municipality"),
        "memberships": request.user.cooperative_memberships.select_related("cooperative"),
    })


@login_required
@require_POST
def moderate(request, what, pk):
    if what == "cooperative":
        _run(request, lambda: roles.cooperative_verify(cooperative_id=pk, actor=request.user), _("Cooperative verified."))
    elif what == "staff":
        _run(request, lambda: roles.staff_approve(membership_id=pk, actor=request.user), _("Staff membership approved."))
    else:
        raise PermissionDenied
    return redirect("workflow:queue")


@login_required
@require_POST
def cooperative_invite(request, pk, cooperative):
    """Staff invite a verified cooperative active nearby to propose (commons.services.matching.cooperative_invite)."""
    from commons.services.matching import cooperative_invite as invite

    _run(request, lambda: invite(actor=request.user, site_id=pk, cooperative_id=cooperative,
                                 message=request.POST.get("message", "")),
         _("The cooperative's administrators were invited to propose."))
    return redirect("mapping:site_detail", pk=pk)
