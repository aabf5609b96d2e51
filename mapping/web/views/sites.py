"""The site page."""

import json

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from commons.models import (
    Cooperative, InnerAreaClass, ProposalStatus, Site, SiteSource, SiteStatus, SourceDataset,
    Subscription, SubscriptionKind,
)
from commons.policy import can
from commons.services.imports import site_provenance
from mapping.web.context_processors import reverse_or_none
from mapping.web.views.timeline import site_timeline

REGISTRY_LICENCE = "CC BY 4.0"


def _source(site):
    """Who the data comes from and under which licence, for the facts table."""
    dataset = SourceDataset.objects.filter(slug=site.source).first()
    if dataset:
        return {"name": dataset.name, "licence": dataset.licence, "attribution": dataset.attribution, "url": dataset.url}
    try:
        name = SiteSource(site.source).label
    except ValueError:
        name = site.source
    return {"name": name, "licence": REGISTRY_LICENCE, "attribution": "BE.CO-OP", "url": ""}


def _field_provenance(site):
    """For imported sites: which fields still hold the dataset's values and which people edited."""
    provenance = site_provenance(site)
    if provenance["dataset"] is None:
        return None
    label = lambda name: str(Site._meta.get_field(name).verbose_name)  # noqa: E731
    return {"from_dataset": [label(n) for n in provenance["from_dataset"]],
            "from_people": [label(n) for n in provenance["from_people"]]}


def _map_config(site):
    outline = json.loads(site.outline.geojson) if site.outline else None
    return {
        "location": [round(site.location.x, 6), round(site.location.y, 6)],
        "outline": outline,
        "title": site.title,
        "status": site.status,
        "basemap": {"url": settings.BASEMAP_TILE_URL, "attribution": settings.BASEMAP_ATTRIBUTION},
    }


def _proposing_cooperatives(user, site):
    """Verified cooperatives of this user that may propose a project for this site."""
    if not user.is_authenticated or site.status != SiteStatus.VERIFIED:
        return []
    cooperatives = Cooperative.objects.verified().filter(memberships__user=user).distinct()
    return [c for c in cooperatives if can(user, "proposal.create", site=site, cooperative=c)]


def _visible_site(pk):
    site = get_object_or_404(
        Site.objects.select_related("region", "province", "municipality", "parent", "duplicate_of"), pk=pk
    )
    if site.hidden:
        raise Http404(_("This site is not public."))
    return site


def site_detail(request, pk):
    site = _visible_site(pk)
    if site.status == SiteStatus.DUPLICATE and site.duplicate_of_id:
        messages.info(request, _("The site you opened was merged into this one."))
        return redirect("mapping:site_detail", pk=site.duplicate_of_id)
    proposals = site.proposals.exclude(status=ProposalStatus.DRAFT).select_related("cooperative")
    user = request.user
    subscription = Subscription.objects.filter(user=user, kind=SubscriptionKind.SITE, site=site).first() \
        if user.is_authenticated else None
    context = {
        "site": site,
        "photos": site.photos.filter(hidden=False),
        "proposals": proposals,
        "accepted": next((p for p in proposals if p.status in (ProposalStatus.ACCEPTED, ProposalStatus.COMPLETED)), None),
        "timeline": site_timeline(site),
        "children": site.children.visible().only("id", "title", "kind")[:50],
        "source": _source(site),
        "provenance": _field_provenance(site),
        "inner_area": site.municipality.is_inner_area,
        "inner_area_label": InnerAreaClass(site.municipality.inner_area_class).label
        if site.municipality.inner_area_class else "",
        "map_config": _map_config(site),
        "subscription": subscription,
        "can_follow": can(user, "site.follow", site=site) if user.is_authenticated else False,
        "follow_url": reverse_or_none("workflow:follow_site", site.pk),
        "unfollow_url": reverse_or_none("workflow:unfollow", subscription.pk) if subscription else None,
        "manage_url": reverse_or_none("workflow:site_manage", site.pk) if can(user, "site.verify", site=site) else None,
        "proposing_cooperatives": _proposing_cooperatives(user, site),
    }
    return render(request, "mapping/site_detail.html", context)
