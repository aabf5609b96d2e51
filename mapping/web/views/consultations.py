"""A site's public consultation on its competing proposals: the page (question, dates, each proposal with its
comments, the comment form while open), and the forms that open it, hide a comment and record the outcome. Every
write is a commons service (commons.services.consultations); comments also count against the API's write limits.
Bad input answers 4xx with the reason on the page, nothing written."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from commons.errors import ConflictError, RegistryValidationError, TooManyRequests
from commons.models import CommentKind, Consultation, ConsultationComment, ProposalStatus
from commons.policy import can
from commons.services import consultations as service
from mapping.read.throttles import write_wait
from mapping.web.views.refusals import refusal_status
from mapping.web.views.sites import _visible_site

DomainError = (RegistryValidationError, ConflictError, PermissionDenied, TooManyRequests)


class CommentForm(forms.Form):
    proposal = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=gettext_lazy("It is a"), choices=CommentKind.choices, initial=CommentKind.COMMENT,
                             widget=forms.Select(attrs={"class": "form-select"}))
    body = forms.CharField(label=gettext_lazy("Your question or comment"), max_length=service.BODY_MAX,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))


class OpenForm(forms.Form):
    closes_on = forms.DateField(
        label=gettext_lazy("Closing date (comments until the end of that day)"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}))
    question = forms.CharField(label=gettext_lazy("What do you ask the public?"), max_length=service.QUESTION_MAX,
                               widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=gettext_lazy("Outcome of the consultation"), max_length=service.OUTCOME_MAX,
                              widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}))


def _message(exc):
    if isinstance(exc, RegistryValidationError):
        return exc.messages[0]
    return getattr(exc, "message", None) or str(exc) or _("You are not allowed to do this.")


def _proposals(consultation):
    """The site's proposals that took part, each with its comments in order (hidden ones keep only their reason)."""
    comments = ConsultationComment.objects.filter(consultation=consultation).order_by("created_at", "id")
    return (consultation.site.proposals.exclude(status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN])
            .select_related("cooperative").prefetch_related(Prefetch("consultation_comments", queryset=comments,
                                                                     to_attr="comments"))
            .order_by("created_at"))


def consultation_context(user, consultation, *, form=None, failed_proposal=None, error=None):
    site = consultation.site
    may_comment = consultation.is_open() and user.is_authenticated and can(user, "consultation.comment", site=site)
    proposals = list(_proposals(consultation))
    for proposal in proposals:
        proposal.comment_form = form if form is not None and failed_proposal == proposal.pk else CommentForm(
            initial={"proposal": proposal.pk}, prefix=f"p{proposal.pk}")
        proposal.comment_error = error if may_comment and failed_proposal == proposal.pk else None
    return {
        "consultation": consultation, "site": site, "state": consultation.state(), "proposals": proposals,
        "may_comment": may_comment,
        "may_moderate": user.is_authenticated and can(user, "consultation.moderate", site=site),
        "may_conclude": (consultation.concluded_at is None and user.is_authenticated
                         and can(user, "consultation.conclude", site=site)),
        "outcome_form": OutcomeForm(), "error": error if failed_proposal is None or not may_comment else None,
    }


def _render(request, consultation, status=200, **kwargs):
    return render(request, "mapping/consultation.html", consultation_context(request.user, consultation, **kwargs),
                  status=status)


def consultation(request, pk):
    """The site's consultation under way, else its latest concluded one."""
    site = _visible_site(pk)
    current = service.current_consultation(site.pk)
    if current is None:
        raise Http404(_("This site has no consultation."))
    return _render(request, current)


@login_required
@require_POST
def consultation_comment(request, pk):
    site = _visible_site(pk)
    current = service.current_consultation(site.pk)
    if current is None:
        raise Http404(_("This site has no consultation."))
    proposal_id = request.POST.get("proposal", "")
    prefix = f"p{proposal_id}" if proposal_id.isdigit() else None
    form = CommentForm(request.POST, prefix=prefix)
    wait = write_wait(request)
    if wait is not None:
        response = _render(request, current, 429, error=_("Too many writes in a short time: try again in a minute."))
        response["Retry-After"] = str(int(wait))
        return response
    if not form.is_valid():
        return _render(request, current, 400, form=form, failed_proposal=int(proposal_id) if prefix else None,
                       error=_("Check the comment: %(fields)s.") % {"fields": ", ".join(form.errors)})
    data = form.cleaned_data
    try:
        service.consultation_comment(actor=request.user, consultation_id=current.pk, proposal_id=data["proposal"],
                                     body=data["body"], kind=data["kind"])
    except DomainError as exc:
        failed = data["proposal"] if any(p.pk == data["proposal"] for p in _proposals(current)) else None
        return _render(request, current, refusal_status(exc), form=form, failed_proposal=failed, error=_message(exc))
    messages.success(request, _("Thank you: your comment is published."))
    return redirect(reverse("mapping:consultation", args=[site.pk]) + f"#proposal-{data['proposal']}")


def _closing_instant(day):
    """The end of `day` where the registry lives (Italy): the first instant of the next day."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


@login_required
@require_POST
def consultation_open(request, pk):
    form = OpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a closing date and the question."))
        return redirect("workflow:site_manage", pk=pk)
    try:
        service.consultation_open(actor=request.user, site_id=pk, question=form.cleaned_data["question"],
                                  closes_at=_closing_instant(form.cleaned_data["closes_on"]))
    except DomainError as exc:
        messages.error(request, _message(exc))
        return redirect("workflow:site_manage", pk=pk)
    messages.success(request, _("The consultation is open."))
    return redirect("mapping:consultation", pk=pk)


@login_required
@require_POST
def consultation_conclude(request, pk):
    current = get_object_or_404(Consultation, pk=pk)
    form = OutcomeForm(request.POST)
    try:
        if not form.is_valid():
            raise RegistryValidationError(_("Write the outcome."), code="required", field="outcome")
        service.consultation_conclude(actor=request.user, consultation_id=current.pk,
                                      outcome=form.cleaned_data["outcome"])
    except DomainError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("The outcome of the consultation is recorded."))
    return redirect("mapping:consultation", pk=current.site_id)


@login_required
@require_POST
def comment_hide(request, pk):
    comment = get_object_or_404(ConsultationComment.objects.select_related("consultation"), pk=pk)
    try:
        service.consultation_comment_hide(actor=request.user, comment_id=comment.pk,
                                          reason=request.POST.get("reason", "")[:1000])
    except DomainError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("The comment is hidden; its text is kept for the record."))
    return redirect(reverse("mapping:consultation", args=[comment.consultation.site_id]) + f"#comment-{comment.pk}")

