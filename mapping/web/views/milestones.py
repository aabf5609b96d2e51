"""A proposal's pathway on its page: milestones (dates, PDFs), public support, and the PDF download itself."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from commons.errors import ConflictError, RegistryValidationError
from commons.models import MilestoneDocument, Proposal, ProposalStatus
from commons.policy import can, is_moderator
from commons.services import milestones as milestone_services
from commons.services import support as support_services
from commons.services.consultations import consultation_summary


class MilestoneForm(forms.Form):
    # ISO dates: what <input type=date> reads and sends whatever the page's language (a localised value shows empty
    # and, sent back empty, would clear the date).
    planned_date = forms.DateField(label=gettext_lazy("Planned date"), required=False, widget=forms.DateInput(
        format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}))
    actual_date = forms.DateField(label=gettext_lazy("Date reached"), required=False, widget=forms.DateInput(
        format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=1000,
                           widget=forms.TextInput(attrs={"class": "form-control"}))


class DocumentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("PDF document"),
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf", "class": "form-control"}))
    title = forms.CharField(label=gettext_lazy("Title"), required=False, max_length=200,
                            widget=forms.TextInput(attrs={"class": "form-control"}))


def public_proposal(request, pk):
    proposal = get_object_or_404(
        Proposal.objects.select_related("site__municipality__province", "site__region", "cooperative", "pathway"),
        pk=pk)
    if proposal.site.hidden and not is_moderator(request.user):
        raise Http404(_("This proposal is not public."))
    member = request.user.is_authenticated and proposal.cooperative.memberships.filter(user=request.user).exists()
    if proposal.status == ProposalStatus.DRAFT and not (member or is_moderator(request.user)):
        raise Http404(_("This proposal is a draft."))
    return proposal


def pathway_context(request, proposal, *, failed=None):
    """The page's pathway block: milestones with forms for who may record them, overdue flags, support."""
    user, today = request.user, timezone.localdate()
    milestones = list(proposal.milestones.select_related("step").prefetch_related("documents").order_by("position"))
    may_record = (user.is_authenticated and proposal.status in milestone_services.TRACKED
                  and can(user, "milestone.record", site=proposal.site, cooperative=proposal.cooperative))
    rows = []
    for m in milestones:
        failed_here = failed if failed and failed["position"] == m.position else None
        rows.append({
            "milestone": m, "step": m.step, "overdue": m.is_overdue(today),
            "form": (failed_here or {}).get("form") or MilestoneForm(
                initial={"planned_date": m.planned_date, "actual_date": m.actual_date, "note": m.note},
                prefix=f"m{m.position}"),
            "document_form": (failed_here or {}).get("document_form") or DocumentForm(prefix=f"d{m.position}"),
        })
    return {
        "milestones": rows, "may_record": may_record, "current": milestone_services.current_milestone(milestones),
        "support_count": support_services.support_count(proposal.pk),
        "supported": support_services.supports(user, proposal.pk),
        "may_support": (proposal.status == ProposalStatus.SUBMITTED and user.is_authenticated
                        and can(user, "proposal.support", site=proposal.site, cooperative=proposal.cooperative)),
    }


def render_proposal(request, proposal, *, failed=None, status=200):
    context = {"proposal": proposal, "site": proposal.site, "consultation": consultation_summary(proposal.site_id),
               **pathway_context(request, proposal, failed=failed)}
    return render(request, "mapping/proposal_detail.html", context, status=status)


def _failed(form, error, position, key):
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.messages[0])
    return {"position": position, key: form}


@login_required
@require_POST
def milestone_update(request, pk, position):
    proposal = public_proposal(request, pk)
    form = MilestoneForm(request.POST, prefix=f"m{position}")
    if form.is_valid():
        try:
            milestone_services.milestone_record(actor=request.user, proposal_id=proposal.pk, position=position,
                                                **form.cleaned_data)
        except RegistryValidationError as error:
            _failed(form, error, position, "form")
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The step was updated."))
            return redirect("mapping:proposal_detail", pk=proposal.pk)
    return render_proposal(request, proposal, failed={"position": position, "form": form}, status=400)


@login_required
@require_POST
def milestone_upload(request, pk, position):
    proposal = public_proposal(request, pk)
    form = DocumentForm(request.POST, request.FILES, prefix=f"d{position}")
    if form.is_valid():
        try:
            milestone_services.milestone_document_add(actor=request.user, proposal_id=proposal.pk, position=position,
                                                      upload=form.cleaned_data["file"], title=form.cleaned_data["title"])
        except RegistryValidationError as error:
            _failed(form, error, position, "document_form")
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The document was filed."))
            return redirect("mapping:proposal_detail", pk=proposal.pk)
    status = 413 if any(e.code == "too_large" for e in form.errors.as_data().get("file", [])) else 400
    return render_proposal(request, proposal, failed={"position": position, "document_form": form}, status=status)


@login_required
@require_POST
def proposal_support(request, pk):
    proposal = public_proposal(request, pk)
    try:
        if request.POST.get("withdraw"):
            support_services.proposal_support_withdraw(actor=request.user, proposal_id=proposal.pk)
            messages.success(request, _("You no longer support this proposal."))
        else:
            support_services.proposal_support(actor=request.user, proposal_id=proposal.pk)
            messages.success(request, _("Thank you: your support is counted (your name is not shown)."))
    except (RegistryValidationError, ConflictError) as error:
        messages.error(request, getattr(error, "message", None) or error.messages[0])
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect("mapping:proposal_detail", pk=proposal.pk)


def milestone_document(request, pk):
    """A filed PDF, from the documents storage, as a download that no browser sniffs or runs in the site's origin."""
    document = get_object_or_404(MilestoneDocument.objects.select_related("milestone__proposal"), pk=pk)
    public_proposal(request, document.milestone.proposal_id)
    response = FileResponse(document.file.open("rb"), content_type="application/pdf", as_attachment=True,
                            filename=f"documento-{document.pk}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response
