"""Cooperatives (list and profile), proposals (page and form)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from commons.errors import ConflictError, RegistryValidationError
from commons.models import Cooperative, Pathway, ProposalStatus
from commons.policy import is_moderator
from commons.services.proposals import proposal_create as create_proposal
from mapping.web.forms import CooperativeFilterForm, ProposalForm
from mapping.web.views.milestones import public_proposal, render_proposal
from mapping.web.views.sites import _proposing_cooperatives, _visible_site

PAGE_SIZE = 20
OPEN = [ProposalStatus.SUBMITTED]
WON = [ProposalStatus.ACCEPTED, ProposalStatus.COMPLETED]


def _filter_cooperatives(form):
    cooperatives = Cooperative.objects.select_related("municipality__province", "municipality__region")
    if not form.is_valid():
        return cooperatives
    data = form.cleaned_data
    if data["q"]:
        cooperatives = cooperatives.filter(name__icontains=data["q"])
    if data["region"]:
        cooperatives = cooperatives.filter(municipality__region_id=data["region"])
    if data["sector"]:
        cooperatives = cooperatives.filter(sectors__contains=[data["sector"]])
    if data["legal_form"]:
        cooperatives = cooperatives.filter(legal_form=data["legal_form"])
    if data["verified"]:
        cooperatives = cooperatives.verified()
    return cooperatives


def cooperative_list(request):
    form = CooperativeFilterForm(request.GET or None)
    cooperatives = _filter_cooperatives(form).annotate(
        open_proposals=Count("proposals", filter=Q(proposals__status__in=OPEN)),
        assigned_sites=Count("proposals", filter=Q(proposals__status__in=WON)),
    ).order_by("name")
    page = Paginator(cooperatives, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mapping/cooperative_list.html", {"form": form, "page": page})


def _is_member(user, cooperative):
    return user.is_authenticated and (
        cooperative.memberships.filter(user=user).exists() or is_moderator(user)
    )


def cooperative_detail(request, slug):
    cooperative = get_object_or_404(Cooperative.objects.select_related("municipality__province"), slug=slug)
    member = _is_member(request.user, cooperative)
    proposals = cooperative.proposals.select_related("site__municipality").order_by("-updated_at")
    if not member:
        proposals = proposals.exclude(status=ProposalStatus.DRAFT).filter(site__hidden=False)
    return render(request, "mapping/cooperative_detail.html", {
        "cooperative": cooperative,
        "proposals": proposals[:200],
        "is_member": member,
        "counts": {
            "open": sum(1 for p in proposals if p.status in OPEN),
            "won": sum(1 for p in proposals if p.status in WON),
        },
    })


def proposal_detail(request, pk):
    return render_proposal(request, public_proposal(request, pk))


def _apply_service_error(form, error):
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.messages[0])


@login_required
def proposal_create(request, pk):
    site = _visible_site(pk)
    cooperatives = _proposing_cooperatives(request.user, site)
    if not cooperatives:
        raise PermissionDenied(_("Only members of a verified cooperative can propose a project for a verified site."))
    form = ProposalForm(request.POST or None, cooperatives=cooperatives, pathways=Pathway.objects.fitting(site),
                        parts=list(site.children.visible().order_by("title")[:200]))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        cooperative_id, submit = int(data.pop("cooperative")), data.pop("submit")
        fields = {name: value for name, value in data.items() if value not in (None, "", [])}
        try:
            proposal = create_proposal(actor=request.user, site_id=site.pk, cooperative_id=cooperative_id,
                                       submit=submit, **fields)
        except RegistryValidationError as error:
            _apply_service_error(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        except PermissionDenied as error:
            form.add_error("cooperative", str(error))
        else:
            messages.success(request, _("Your proposal was submitted.") if submit else _("Your draft was saved."))
            return redirect("mapping:proposal_detail", pk=proposal.pk)
    return render(request, "mapping/proposal_form.html", {"form": form, "site": site},
                  status=400 if form.errors else 200)
