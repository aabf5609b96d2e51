"""The site page."""

import datetime as dt
import json

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from commons.models import (
    Cooperative, Freshness, InnerAreaClass, Pathway, ProposalStatus, Site, SiteSource, SiteStatus, Subscription,
    SubscriptionKind,
)
from commons.matching import cooperatives_for
from commons.policy import can
from commons.services.confirmations import CONFIRMABLE_STATUSES, already_confirmed
from commons.services.consultations import consultation_summary
from mapping.web.forms import ConfirmationForm
from commons.services.imports import site_provenance
from commons.site_fields import DETAIL, fields_for
from mapping.read.geojson import site_detail as read_site_detail
from mapping.web.context_processors import reverse_or_none
from mapping.web.views.timeline import site_timeline


def _page_site(feature):
    """What the page shows of a site: the members of the detail Feature, its point, and labels for its choices."""
    site = dict(feature["properties"])
    site["lon"], site["lat"] = feature["geometry"]["coordinates"]
    for name in ("updated_at", "last_confirmed_at", "missing_from_source_at"):
        site[name] = dt.datetime.fromisoformat(site[name]) if site[name] else None
    site["labels"] = {f.name: dict(f.model_field.flatchoices).get(site[f.name], site[f.name])
                      for f in fields_for(DETAIL) if f.choices}
    site["labels"]["freshness"] = Freshness(site["freshness"]).label
    return site


def _source(site):
    """Who the data comes from and under which licence: the site's dataset, else the registry (settings)."""
    dataset = site["provenance"]["dataset"]
    if dataset:
        return dataset
    source = site["provenance"]["source"]
    try:
        name = SiteSource(source).label
    except ValueError:
        name = source
    return {"name": name, "licence": settings.REGISTRY_DATA_LICENCE, "attribution": settings.REGISTRY_ATTRIBUTION,
            "url": ""}


def _field_provenance(site):
    """For imported sites: which fields still hold the dataset's values and which people edited."""
    provenance = site_provenance(site)
    if provenance["dataset"] is None:
        return None
    label = lambda name: str(Site._meta.get_field(name).verbose_name)  # noqa: E731
    return {"from_dataset": [label(n) for n in provenance["from_dataset"]],
            "from_people": [label(n) for n in provenance["from_people"]]}


def _map_config(site, children=()):
    return {
        "location": [site["lon"], site["lat"]],
        "outline": site["outline"],
        "title": site["title"],
        "status": site["status"],
        "basemap": {"url": settings.BASEMAP_TILE_URL, "attribution": settings.BASEMAP_ATTRIBUTION},
        "children": [{"title": c.title, "status": c.status, "url": reverse("mapping:site_detail", args=[c.pk]),
                      "location": [round(c.location.x, 6), round(c.location.y, 6)],
                      "outline": json.loads(c.outline.geojson) if c.outline else None} for c in children],
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


def _actions(user, site):
    """What this user may do on the page: follow, manage, propose (read from the model: permissions need it)."""
    subscription = Subscription.objects.filter(user=user, kind=SubscriptionKind.SITE, site=site).first() \
        if user.is_authenticated else None
    return {
        "subscription": subscription,
        "can_follow": can(user, "site.follow", site=site) if user.is_authenticated else False,
        "follow_url": reverse_or_none("workflow:follow_site", site.pk),
        "unfollow_url": reverse_or_none("workflow:unfollow", subscription.pk) if subscription else None,
        "manage_url": reverse_or_none("workflow:site_manage", site.pk) if can(user, "site.verify", site=site) else None,
        "proposing_cooperatives": _proposing_cooperatives(user, site),
        "confirm": _confirm_block(user, site),
    }


def _confirm_block(user, site):
    """"Is it still dormant?": whether this user may answer now (once a month), and the empty form."""
    allowed = (user.is_authenticated and site.status in CONFIRMABLE_STATUSES
               and can(user, "site.confirm", site=site))
    return {"allowed": allowed, "done": allowed and already_confirmed(user, site.pk), "form": ConfirmationForm(),
            "url": reverse("mapping:site_confirm", args=[site.pk]), "open": site.status in CONFIRMABLE_STATUSES}


def site_detail(request, pk):
    """The facts come from the read the API detail uses (mapping.read.geojson.site_detail); the timeline, field
    provenance, proposals, photos, parts and permissions are the page's own."""
    row = read_site_detail(pk, url_prefix=request.build_absolute_uri(reverse("api:site-list")), page=True)
    if row is None:
        raise Http404(_("This site is not public."))
    status, survivor, _version, photo_count, feature = row
    if status == SiteStatus.DUPLICATE and survivor:
        messages.info(request, _("The site you opened was merged into this one."))
        return redirect("mapping:site_detail", pk=survivor)
    site = _page_site(json.loads(feature))
    record = Site.objects.select_related("municipality").get(pk=pk)
    inner_area_class = site["inner_area_class"]
    children = list(record.children.visible().only("id", "title", "kind", "status", "location", "outline")[:50])
    context = {
        "site": site,
        "photos": record.photos.filter(hidden=False) if photo_count else [],
        "proposals": record.proposals.exclude(status=ProposalStatus.DRAFT).select_related("cooperative"),
        "timeline": site_timeline(record),
        "children": children,
        "pathways": Pathway.objects.fitting(record).prefetch_related("steps"),
        "nearby_cooperatives": cooperatives_for(record) if record.status == SiteStatus.VERIFIED else [],
        "may_invite": can(request.user, "cooperative.invite", site=record) if request.user.is_authenticated else False,
        "source": _source(site),
        "provenance": _field_provenance(record),
        "inner_area": inner_area_class in InnerAreaClass.inner(),
        "inner_area_label": InnerAreaClass(inner_area_class).label if inner_area_class else "",
        "map_config": _map_config(site, children),
        "consultation": consultation_summary(record.pk),
        **_actions(request.user, record),
    }
    return render(request, "mapping/site_detail.html", context)
