"""Following sites and areas, and the warnings sent before an assignment expires."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from commons.errors import RegistryValidationError
from commons.models import NoticeKind, Proposal, ProposalStatus, SiteNotice, Subscription, SubscriptionKind
from commons.policy import require
from commons.search import FilterParamsError, site_search

K = SubscriptionKind


@transaction.atomic
def subscription_create(*, user, kind, name="", site=None, area_code="", polygon=None, query=""):
    """Follow a site, an area (ISTAT code), a drawn polygon (already validated) or a saved search (query string)."""
    require(user, "site.follow", site=site)
    if kind == K.SITE and site is not None:
        subscription, _created = Subscription.objects.get_or_create(user=user, kind=kind, site=site, defaults={"name": name})
        return subscription
    targets = {
        K.REGION: {"region_id": area_code}, K.PROVINCE: {"province_id": area_code},
        K.MUNICIPALITY: {"municipality_id": area_code}, K.POLYGON: {"polygon": polygon}, K.SEARCH: {"query": query},
    }
    target = targets.get(kind)
    if not target or not all(target.values()):
        raise RegistryValidationError(_("Say what to follow."), code="required", field="kind")
    if kind == K.SEARCH:
        _check_search(query)
    area_model = {K.REGION: "Region", K.PROVINCE: "Province", K.MUNICIPALITY: "Municipality"}.get(kind)
    if area_model:
        from commons import models

        if not getattr(models, area_model).objects.filter(pk=area_code).exists():
            raise RegistryValidationError(_("Unknown area code."), code="not_found", field="area_code")
    return Subscription.objects.create(user=user, kind=kind, name=name, **target)


def _check_search(query):
    """A saved search is the site search its query string describes: refused now if it is not one, rather than
    stored and then never matching anything (commons.search names the bad parameter)."""
    try:
        site_search(QueryDict(query))
    except FilterParamsError as exc:
        first = exc.errors[0]
        raise RegistryValidationError(
            _("This search cannot be saved: %(parameter)s: %(message)s")
            % {"parameter": first["field"], "message": first["message"]},
            code=first["code"], field="query") from None


@transaction.atomic
def subscription_delete(*, actor, subscription_id):
    """Stop following: only the owner may. Deleting what is already gone is no error (a second click)."""
    subscription = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None:
        return False
    if actor is None or subscription.user_id != actor.pk:
        raise PermissionDenied(_("Only the person who follows this can stop following it."))
    subscription.delete()
    return True


def warn_expiring(*, today=None):
    """One notice per accepted proposal and threshold (90, then 30 days before the end), never twice."""
    today = today or timezone.localdate()
    thresholds = sorted(settings.REGISTRY_EXPIRY_WARNING_DAYS)
    expiring = Proposal.objects.filter(
        status=ProposalStatus.ACCEPTED, instrument_end__gt=today,
        instrument_end__lte=today + dt.timedelta(days=thresholds[-1]),
    ).select_related("site", "cooperative")
    created = 0
    for proposal in expiring:
        days_left = (proposal.instrument_end - today).days
        threshold = next(t for t in thresholds if days_left <= t)
        key = f"expiry:{proposal.pk}:{threshold}"
        if SiteNotice.objects.filter(dedupe_key=key).exists():
            continue
        SiteNotice.objects.create(
            site=proposal.site, kind=NoticeKind.EXPIRY, cooperative=proposal.cooperative, dedupe_key=key,
            title=f"{proposal.site.title}: {proposal.get_legal_instrument_display()} scade il "
                  f"{proposal.instrument_end:%d/%m/%Y}",
            body=f"Mancano {days_left} giorni alla fine dell'assegnazione a {proposal.cooperative.name}.",
        )
        created += 1
    return created
