"""The map (home) and the table of the same results: one filter definition, one query string."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from django.db.models.expressions import RawSQL

from commons.freshness import freshness_sql
from commons.models import Freshness, Site, SiteKind, SiteStatus
from mapping.web.context_processors import reverse_or_none
from commons.search import FilterParamsError, site_search
from mapping.web.forms import FilterPanelForm

# Parameters the pages read on top of the filters; everything else must be a filter (or is refused).
PAGE_PARAMS = {"page", "sort", "partial"}
SORTS = {
    "title": ("title", "id"),
    "municipality": ("municipality__name", "id"),
    "kind": ("kind", "id"),
    "status": ("status", "id"),
    "updated": ("updated_at", "id"),
    "confirmed": ("last_confirmed_at", "id"),
}
DEFAULT_SORT = "-updated"
PAGE_SIZE = 25


def page_search(request):
    """(search, errors): the request's site search, or None and the errors."""
    try:
        return site_search(request.GET, extra=PAGE_PARAMS), []
    except FilterParamsError as exc:
        return None, exc.errors


def _ordering(sort):
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    prefix = "-" if sort.startswith("-") else ""
    return sort, [prefix + field for field in SORTS[key]]


def results_page(request, queryset, count=None):
    """The page of results the request asks for; `count`, when given, is the number of matches (the paginator
    would otherwise COUNT(*) them: ~260 ms for the unfiltered map at 1M sites, most of the home page's time)."""
    sort, ordering = _ordering(request.GET.get("sort", DEFAULT_SORT))
    rows = queryset.select_related("municipality", "province").only(
        "id", "title", "kind", "status", "ownership", "updated_at", "land_area_m2", "last_confirmed_at",
        "municipality__name", "province__acronym",
    ).annotate(freshness=RawSQL(freshness_sql('"commons_site"."last_confirmed_at"'), ())).order_by(*ordering)
    paginator = Paginator(rows, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # a cached_property: the paginator uses this rather than counting
    page = paginator.get_page(request.GET.get("page"))
    labels = dict(Freshness.choices)
    for site in page.object_list:
        site.freshness_label = labels[site.freshness]  # the map's lighter and hatched points, written out
    return page, sort


def map_config():
    """Everything the map's modules need, handed over through json_script."""
    return {
        "basemap": {"url": settings.BASEMAP_TILE_URL, "attribution": settings.BASEMAP_ATTRIBUTION},
        "attribution": settings.REGISTRY_ATTRIBUTION,
        "tilesUrl": "/tiles/sites/{z}/{x}/{y}.pbf",
        "boundariesUrl": {level: reverse("mapping:boundaries", args=[level]) for level in ("regioni", "province")},
        "areasUrl": reverse("mapping:areas"),
        "resultsUrl": reverse("mapping:site_list"),
        "siteUrl": reverse("mapping:site_detail", args=[0]).replace("/0/", "/{id}/"),
        "siteApiUrl": reverse("api:site-detail", args=[0]).replace("/0/", "/{id}/"),
        "exports": {fmt: f"/api/v1/exports/sites.{fmt}" for fmt in ("geojson", "csv", "gpkg")},
        "labels": {
            "kinds": {value: str(label) for value, label in SiteKind.choices},
            "statuses": {value: str(label) for value, label in SiteStatus.choices},
            "freshness": {value: str(label) for value, label in Freshness.choices},
            "openSite": _("Open the site's page"),
            "basemapOffline": _("The background map cannot be loaded: boundaries and sites are still shown."),
            "sitesError": _("Some sites could not be loaded. Try again in a moment."),
        },
    }


def _page_context(request):
    search, errors = page_search(request)
    # Search.count() sums the precomputed counts when they answer the filters (commons/models/aggregates.py).
    page, sort = (results_page(request, search.sites(), search.count()) if search
                  else results_page(request, Site.objects.none(), 0))
    return {
        "form": FilterPanelForm(request.GET),
        "errors": errors,
        "page": page,
        "count": page.paginator.count,
        "sort": sort,
        "default_sort": DEFAULT_SORT,
        "query": request.GET.urlencode(),
        "export_query": _filters_only(request.GET),
    }


def _filters_only(params):
    params = params.copy()
    for name in PAGE_PARAMS:
        params.pop(name, None)
    return params.urlencode()


def home(request):
    """Full-screen map with the filter panel; the table of the first results is rendered too (no-JS view)."""
    context = _page_context(request)
    context["map_config"] = map_config()
    context["follow_search_url"] = reverse_or_none("workflow:follow")
    return render(request, "mapping/home.html", context, status=400 if context["errors"] else 200)


def site_list(request):
    """The same results as a sortable, paginated table; ?partial=1 returns only the results block."""
    context = _page_context(request)
    status = 400 if context["errors"] else 200
    if request.GET.get("partial"):
        response = render(request, "mapping/_results.html", context, status=status)
        response["X-Result-Count"] = str(context["count"])
        return response
    return render(request, "mapping/site_list.html", context, status=status)
