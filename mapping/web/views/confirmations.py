"""Ground truth on the web: "Confirm on the ground" from the site page, the re-check e-mail's landing page (GET
shows the form, POST answers: never a change of state on GET), its unsubscribe page, and the work queue's
decisions (accept or decline a proposed change, confirm many sites at once). Every write is a commons service;
the forms work without JavaScript. Bad input answers 4xx with the reason on the page, nothing written."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commons.errors import ConflictError, RegistryValidationError
from commons.models import Answer, Via
from commons.services import confirmations, rechecks
from mapping.read.throttles import write_wait
from mapping.web.forms import ConfirmationForm
from mapping.web.views.refusals import refusal_status

DomainError = (RegistryValidationError, ConflictError, PermissionDenied)


def _message(exc):
    return getattr(exc, "message", None) if isinstance(exc, ConflictError) else (
        exc.messages[0] if isinstance(exc, RegistryValidationError) else _("You are not allowed to do this."))


def _page(request, context, status=200, headers=None):
    response = render(request, "mapping/confirm.html", context, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _too_fast(request, user=None):
    wait = write_wait(request, user)
    if wait is None:
        return None
    return _page(request, {"error": _("Too many answers in a short time: try again in a minute.")}, 429,
                 {"Retry-After": str(int(wait))})


def _confirm(request, form, *, actor, site, via, token=None, recheck_id=None):
    """Validate the form and answer; (None, response) on failure, (confirmation, None) on success."""
    if not form.is_valid():
        return None, _page(request, {"form": form, "site": site, "token": token}, 400)
    data = form.cleaned_data
    try:
        if token is not None:
            result = rechecks.recheck_answer(token=token, answer=data["answer"], note=data["note"],
                                             image=data.get("image"))
        else:
            result = confirmations.site_confirm(actor=actor, site_id=site.pk, answer=data["answer"],
                                                note=data["note"], image=data.get("image"), via=via)
    except DomainError as exc:
        return None, _page(request, {"form": form, "site": site, "token": token, "error": _message(exc)},
                           refusal_status(exc))
    return result, None


def _thanks(request, confirmation):
    if confirmation.answer == Answer.STILL_DORMANT:
        messages.success(request, _("Thank you: the site is confirmed as still dormant today."))
    else:
        messages.success(request, _("Thank you: the municipality will check the change you reported."))
    return redirect("mapping:site_detail", pk=confirmation.site_id)


@login_required
@require_POST
def site_confirm(request, pk):
    """The site page's "Confirm on the ground" form."""
    try:
        site = confirmations.confirmable_site(pk)
    except DomainError as exc:
        return _page(request, {"error": _message(exc)}, refusal_status(exc))
    refused = _too_fast(request)
    if refused:
        return refused
    confirmation, failed = _confirm(request, ConfirmationForm(request.POST, request.FILES), actor=request.user,
                                    site=site, via=Via.WEB)
    return failed or _thanks(request, confirmation)


@require_http_methods(["GET", "POST"])
def recheck_answer(request, token):
    """The one-click link of a re-check e-mail: GET shows the answer to confirm, POST records it (single-use)."""
    try:
        recheck, suggested = rechecks.read_answer_token(token)
    except DomainError as exc:
        return _page(request, {"error": _message(exc), "link_error": True}, refusal_status(exc))
    site = recheck.site
    if request.method == "GET":
        form = ConfirmationForm(initial={"answer": suggested})
        return _page(request, {"form": form, "site": site, "token": token, "person": recheck.user})
    refused = _too_fast(request, recheck.user)
    if refused:
        return refused
    confirmation, failed = _confirm(request, ConfirmationForm(request.POST, request.FILES), actor=recheck.user,
                                    site=site, via=Via.EMAIL, token=token)
    return failed or _thanks(request, confirmation)


@require_http_methods(["GET", "POST"])
def recheck_unsubscribe(request, token):
    """The e-mail's unsubscribe link: GET asks, POST stops the re-check e-mails of the link's person."""
    try:
        user = rechecks.read_unsubscribe_token(token)
        if request.method == "POST":
            rechecks.recheck_unsubscribe(token=token)
    except DomainError as exc:
        return _page(request, {"error": _message(exc), "link_error": True}, refusal_status(exc))
    return render(request, "mapping/recheck_unsubscribe.html",
                  {"token": token, "done": request.method == "POST", "email": user.email})


def _run(request, call, on_success):
    try:
        result = call()
    except DomainError as exc:
        messages.error(request, _message(exc))
        return None
    messages.success(request, on_success(result) if callable(on_success) else on_success)
    return result


@login_required
@require_POST
def change_decision(request, pk, decision):
    """Accept or decline a proposed change (work queue)."""
    reason = request.POST.get("reason", "")[:1000]
    if decision == "accept":
        _run(request, lambda: confirmations.change_accept(actor=request.user, confirmation_id=pk, reason=reason),
             _("Change accepted: the site is updated."))
    elif decision == "decline":
        _run(request, lambda: confirmations.change_decline(actor=request.user, confirmation_id=pk, reason=reason),
             _("Change declined."))
    else:
        raise PermissionDenied
    return redirect(f"{_queue_url()}?tab=changes")


@login_required
@require_POST
def bulk_confirm(request):
    """The "to re-check" tab: the ticked sites are confirmed as still dormant, one audited confirmation each."""
    ids = [value for value in request.POST.getlist("sites") if value.isdigit()]
    _run(request, lambda: confirmations.sites_confirm_bulk(actor=request.user, site_ids=ids),
         lambda counts: _("%(done)d sites confirmed; %(skipped)d already confirmed by you this month.")
         % {"done": counts[0], "skipped": counts[1]})
    return redirect(f"{_queue_url()}?tab=recheck")


def _queue_url():
    from django.urls import reverse

    return reverse("workflow:queue")
