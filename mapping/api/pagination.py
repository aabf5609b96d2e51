"""Limit/offset pages for GeoJSON lists, with OGC-API-style `links` (next/prev) and a hard cap."""

from dataclasses import dataclass

from rest_framework.pagination import LimitOffsetPagination

from mapping.read.errors import RegistryErrors
from mapping.read.pages import integer_param, neighbour_pages

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
        limit = integer_param(request, "limit", default, minimum=1, maximum=None, errors=errors,
                              shown_maximum=MAX_LIMIT)
        offset = integer_param(request, "offset", 0, minimum=0, maximum=MAX_OFFSET, errors=errors)
        if errors:
            raise RegistryErrors(errors)
        return cls(limit=min(limit, MAX_LIMIT), offset=offset)

    def links(self, request, has_next):
        url = request.build_absolute_uri()
        return [{"rel": rel, "type": "application/geo+json", "href": href} for rel, href in
                [("self", url), *neighbour_pages(url, offset=self.offset, limit=self.limit, has_next=has_next)]]


class CappedLimitOffsetPagination(LimitOffsetPagination):
    """For the plain JSON lists (areas, cooperatives, proposals)."""

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT
