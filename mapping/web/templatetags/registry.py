"""Template helpers for the registry's pages."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()

# One colour per site status, shared with the map (static/js/layers.js) so a legend reads the same everywhere.
STATUS_CLASSES = {
    "reported": "status-reported",
    "verified": "status-verified",
    "assigned": "status-assigned",
    "in_reuse": "status-in-reuse",
    "rejected": "status-closed",
    "archived": "status-closed",
    "duplicate": "status-closed",
}


@register.filter
def status_class(value):
    return STATUS_CLASSES.get(str(value), "status-closed")


@register.simple_tag
def icon(name, extra_class=""):
    """An inline Bootstrap Italia sprite icon, hidden from screen readers (the text next to it says it)."""
    href = static("vendor/bootstrap-italia/svg/sprites.svg") + "#" + name
    return format_html('<svg class="icon {}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>',
                       extra_class, href)


@register.filter
def square_metres(value):
    if value in (None, ""):
        return ""
    return f"{int(value):,}".replace(",", ".") + " m²"


@register.simple_tag(takes_context=True)
def sort_link(context, field):
    """The query string that sorts the table by `field`, toggling direction when it is already the key."""
    request = context["request"]
    params = request.GET.copy()
    current = params.get("sort", "")
    params["sort"] = f"-{field}" if current == field else field
    params.pop("page", None)
    params.pop("partial", None)
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def sort_state(context, field):
    """aria-sort value for a column header."""
    current = context["request"].GET.get("sort", "") or context.get("default_sort", "")
    if current == field:
        return "ascending"
    if current == f"-{field}":
        return "descending"
    return "none"


@register.simple_tag(takes_context=True)
def page_link(context, number):
    params = context["request"].GET.copy()
    params["page"] = number
    params.pop("partial", None)
    return "?" + params.urlencode()


@register.filter
def sector_labels(values):
    """A cooperative's sectors (stored as codes in an array) in the reader's language."""
    from commons.models import Sector

    labels = []
    for value in values or []:
        try:
            labels.append(str(Sector(value).label))
        except ValueError:
            labels.append(value)
    return ", ".join(labels)


@register.simple_tag
def module_url(path):
    """URL of a native ES module, never the hashed copy: modules import each other by relative, unhashed
    names, so the entry point, the import map and modulepreload links must use the same names (one instance
    of each module). Cache busting for modules relies on short cache lifetimes instead."""
    from django.conf import settings

    return settings.STATIC_URL + path


@register.simple_tag
def pathway_text(obj, name):
    """A pathway's or step's bilingual text in the page's language (commons.models.pathways.Bilingual)."""
    return obj.text(name)


@register.filter
def pathway_field(obj, name):
    return obj.text(name)
