"""Atom feeds of site notices: per area (region, province, municipality) and per saved search."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from commons.models import Municipality, Province, Region, SiteNotice, Subscription, SubscriptionKind
from commons.search import FilterParamsError, site_search

# URL kind -> (model, notice lookup, map filter parameter)
AREAS = {"regione": (Region, "site__region", "region"), "provincia": (Province, "site__province", "province"),
         "comune": (Municipality, "site__municipality", "municipality")}
FEED_SIZE = 50


class NoticeFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, notice):
        return notice.title

    def item_description(self, notice):
        return notice.body

    def item_link(self, notice):
        return reverse("mapping:site_detail", args=[notice.site_id])

    def item_pubdate(self, notice):
        return notice.created_at

    def item_guid(self, notice):
        return f"{settings.SITE_URL}/notices/{notice.pk}"

    def feed_copyright(self):
        return settings.REGISTRY_ATTRIBUTION

    def _public(self):
        return SiteNotice.objects.filter(site__hidden=False).exclude(site__status="duplicate").order_by("-created_at")


class AreaFeed(NoticeFeed):
    def get_object(self, request, kind, code):
        if kind not in AREAS:
            raise Http404
        return kind, get_object_or_404(AREAS[kind][0], pk=code)

    def title(self, obj):
        return _("BE.CO-OP — dormant commons in %(area)s") % {"area": obj[1].name}

    def link(self, obj):
        return reverse("mapping:home") + f"?{AREAS[obj[0]][2]}={obj[1].pk}"

    def items(self, obj):
        return self._public().filter(**{AREAS[obj[0]][1]: obj[1]})[:FEED_SIZE]


class SearchFeed(NoticeFeed):
    def get_object(self, request, token):
        return get_object_or_404(Subscription, feed_token=token, kind=SubscriptionKind.SEARCH)

    def title(self, subscription):
        return _("BE.CO-OP — saved search: %(name)s") % {"name": subscription.name or subscription.query}

    def link(self, subscription):
        return reverse("mapping:home") + "?" + subscription.query

    def items(self, subscription):
        try:
            sites = site_search(QueryDict(subscription.query)).sites().values("pk")
        except FilterParamsError:
            return []
        return self._public().filter(site__in=sites)[:FEED_SIZE]
