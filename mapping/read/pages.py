"""Limit/offset pages, shared by the faces that page GeoJSON (the REST API's lists and the OGC face's items)."""

import re

from django.utils.translation import gettext as _
from rest_framework.utils.urls import remove_query_param, replace_query_param

from mapping.read.errors import error


def integer_param(request, name, default, *, minimum, maximum, errors, shown_maximum=None):
    """The whole number `name` of the query (`default` when absent); a bad one adds its error to `errors`.
    `maximum` None: no upper bound (the caller caps it); the message then names `shown_maximum`."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not re.fullmatch(r"\d{1,9}", raw.strip()):
        errors.append(error(name, "invalid_number", _("%(name)s must be a whole number.") % {"name": name}))
        return default
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        errors.append(error(name, "out_of_range", _("%(name)s must be between %(low)d and %(high)d.")
                            % {"name": name, "low": minimum, "high": shown_maximum if maximum is None else maximum}))
    return value


def neighbour_pages(url, *, offset, limit, has_next):
    """[(rel, href)] of the next page (when there is one) and the previous one (when not on the first)."""
    pages = []
    if has_next:
        following = replace_query_param(url, "offset", offset + limit)
        pages.append(("next", replace_query_param(following, "limit", limit)))
    if offset > 0:
        previous = max(offset - limit, 0)
        url_prev = replace_query_param(url, "offset", previous) if previous else remove_query_param(url, "offset")
        pages.append(("prev", replace_query_param(url_prev, "limit", limit)))
    return pages
