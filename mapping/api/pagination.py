"""Limit/offset pages for GeoJSON lists, with OGC-API-style `links` (next/prev) and a hard cap."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from mapping.read.errors import RegistryErrors, error

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000  # a larger `limit` is capped (the links lead on); bulk downloads are what exports are for
MAX_OFFSET = 1_000_000
PAGE_PARAMETERS = ("limit", "offset")


@dataclass
class Page:
    limit: int
    offset: int

    @classmethod
    def from_request(cls, request, default=DEFAULT_LIMIT):
        errors = []
        limit = _integer(request, "limit", default, minimum=1, maximum=None, errors=errors)
        offset = _integer(request, "offset", 0, minimum=0, maximum=MAX_OFFSET, errors=errors)
        if errors:
            raise RegistryErrors(errors)
        return cls(limit=min(limit, MAX_LIMIT), offset=offset)

    def links(self, request, has_next):
        url = request.build_absolute_uri()
        links = [{"rel": "self", "type": "application/geo+json", "href": url}]
        if has_next:
            next_url = replace_query_param(url, "offset", self.offset + self.limit)
            links.append({"rel": "next", "type": "application/geo+json",
                          "href": replace_query_param(next_url, "limit", self.limit)})
        if self.offset > 0:
            previous = max(self.offset - self.limit, 0)
            prev_url = replace_query_param(url, "offset", previous) if previous else remove_query_param(url, "offset")
            links.append({"rel": "prev", "type": "application/geo+json",
                          "href": replace_query_param(prev_url, "limit", self.limit)})
        return links


def _integer(request, name, default, *, minimum, maximum, errors):
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not re.fullmatch(r"\d{1,9}", raw.strip()):
        errors.append(error(name, "invalid_number", _("%(name)s must be a whole number.") % {"name": name}))
        return default
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        errors.append(error(name, "out_of_range", _("%(name)s must be between %(low)d and %(high)d.")
                            % {"name": name, "low": minimum, "high": maximum or MAX_LIMIT}))
    return value


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """For the plain JSON lists (areas, cooperatives, proposals)."""

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT
