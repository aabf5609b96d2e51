"""The query parameters of OGC API items requests, checked once: every bad one is a 400 naming it, together.

Parameters (documented in the OpenAPI document, mapping/ogc/openapi.py): limit (DEFAULT_LIMIT, at most MAX_LIMIT:
a larger one is capped, the links lead on), offset, bbox (4 numbers) and bbox-crs, datetime (an instant or an
interval over `updated_at`, `..` or empty for an open end), crs, filter, filter-lang, filter-crs, f (json or
html), and every queryable of the collection as an equality parameter (`kind=building`).
"""

import math
import re
from dataclasses import dataclass

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, Polygon
from django.db.models import Q
from django.utils.translation import gettext as _

from commons.search import FilterParamsError, SiteFilterSet, site_search
from mapping.ogc.cql import LANGUAGES, FilterError, Translator, bad_filter, moment_of, parse
from mapping.read.pages import integer_param
from mapping.read.crs import CRS84, CRS84_URI, STORAGE_SRID, SUPPORTED
from mapping.read.errors import RegistryErrors, error

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000
COMMON = {"f"}
ITEMS = {"limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "filter", "filter-lang", "filter-crs", *COMMON}
ITEM = {"crs", *COMMON}
# Equality parameters that commons.search reads itself (the same validation and the same query as /api/v1/).
SEARCH_EQUALITIES = {"region", "province", "municipality", "kind", "status", "ownership"}


@dataclass
class ItemsQuery:
    limit: int
    offset: int
    crs: object
    queryset: object
    search: object = None  # the commons.search Search of a sites collection
    narrowed: bool = False  # a CQL2 filter, datetime or equality beyond the search narrows the queryset
    spatial: bool = False  # a spatial filter: collect matches through the geometry index first


def crs_of(request, name, errors, default=CRS84):
    """The Crs a parameter names (an OGC URI of the allow-list, or its [EPSG:n] / EPSG:n short form)."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    uri = raw.strip()
    short = re.fullmatch(r"\[?EPSG:(\d{1,6})\]?", uri)
    if short:
        uri = f"http://www.opengis.net/def/crs/EPSG/0/{short.group(1)}"
    if uri in ("[OGC:CRS84]", "OGC:CRS84"):
        uri = CRS84_URI
    crs = SUPPORTED.get(uri.replace("https://", "http://"))
    if crs is None:
        errors.append(error(name, "crs_not_supported", _("%(value)s is not one of the supported CRS: %(list)s.")
                            % {"value": raw[:80], "list": ", ".join(SUPPORTED)}))
    return crs or default


def unknown_parameters(request, allowed, errors):
    for name in request.query_params:
        if name not in allowed:
            errors.append(error(name[:60], "unknown_parameter", _("Unknown parameter %(name)s.") % {"name": name[:60]}))
        elif any("\x00" in value for value in request.query_params.getlist(name)):
            errors.append(error(name[:60], "invalid_character", _("Parameters must not contain NUL characters.")))


def bbox_of(request, errors):
    """The bbox as a 4326 Polygon (bbox-crs applied), or None."""
    raw = request.query_params.get("bbox")
    if raw in (None, ""):
        return None
    bbox_crs = crs_of(request, "bbox-crs", errors)
    try:
        numbers = [float(part) for part in raw.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(abs(n) < 1e8 for n in numbers):
        errors.append(error("bbox", "invalid_bbox", _("bbox must be four numbers: lower left, upper right corner.")))
        return None
    if bbox_crs.second_axis_first:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    if numbers[0] >= numbers[2] or numbers[1] >= numbers[3]:
        errors.append(error("bbox", "bbox_inverted", _("bbox must give the lower corner first (min < max).")))
        return None
    box = Polygon.from_bbox(numbers)
    box.srid = bbox_crs.srid
    try:
        if bbox_crs.srid != STORAGE_SRID:
            box.transform(STORAGE_SRID)  # an integer code of the allow-list
        minx, miny, maxx, maxy = box.extent
    except (GDALException, GEOSException):  # outside the projection's domain
        minx = miny = maxx = maxy = math.inf
    if not (-180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90):
        errors.append(error("bbox", "out_of_bounds", _("bbox lies outside longitude -180..180, latitude -90..90: "
                                                       "are the axes swapped for bbox-crs?")))
        return None
    return box


def datetime_q(request, field, errors):
    """A Q over `field` for `datetime` (an instant, or start/end with `..` or empty for an open end), or None."""
    raw = request.query_params.get("datetime")
    if raw in (None, ""):
        return None
    parts = raw.split("/")
    if len(parts) > 2 or (len(parts) == 2 and all(p in ("", "..") for p in parts)):
        errors.append(error("datetime", "invalid_datetime", _(
            "datetime is an instant or an interval start/end (RFC 3339), with .. for an open end.")))
        return None
    moments = [None if p in ("", "..") else moment_of(p) for p in parts]
    if any(m is None and p not in ("", "..") for m, p in zip(moments, parts)):
        errors.append(error("datetime", "invalid_datetime", _(
            "datetime must be RFC 3339 (e.g. 2024-05-31T12:00:00Z) or an interval of them.")))
        return None
    if len(moments) == 1:
        return Q(**{field: moments[0]})
    start, end = moments
    if start and end and start > end:
        errors.append(error("datetime", "range_inverted", _("The interval's start is after its end.")))
        return None
    q = Q()
    if start:
        q &= Q(**{f"{field}__gte": start})
    if end:
        q &= Q(**{f"{field}__lte": end})
    return q


def _equality(queryable, raw):
    """The CQL2-JSON literal of an equality parameter's text."""
    kind = queryable.type
    if kind in ("integer", "number"):
        return float(raw) if re.fullmatch(r"-?\d{1,15}(\.\d+)?", raw) else raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw.lower(), raw)
    if kind == "date-time":
        return {"timestamp": raw}
    return raw


def items_query(request, collection):
    """The ItemsQuery of an items request, or RegistryErrors naming every bad parameter."""
    errors = []
    queryables = {q.name for q in collection.queryables if q.type != "geometry"}
    unknown_parameters(request, ITEMS | queryables, errors)
    limit = min(integer_param(request, "limit", DEFAULT_LIMIT, minimum=1, maximum=10**9, errors=errors), MAX_LIMIT)
    offset = integer_param(request, "offset", 0, minimum=0, maximum=MAX_OFFSET, errors=errors)
    crs = crs_of(request, "crs", errors)
    bbox = bbox_of(request, errors)
    translator = Translator(collection, crs_of(request, "filter-crs", errors))
    q, search_params = _conditions(request, collection, translator, queryables, errors)
    search = None
    if collection.sites:
        if bbox is not None and collection.id == "sites":  # the search's own bbox: its tile-by-tile pages
            search_params["bbox"] = ",".join(f"{n:.7f}" for n in bbox.extent)
        try:
            search = site_search(search_params)
        except FilterParamsError as exc:
            errors += exc.errors
    if errors:
        raise RegistryErrors(errors)
    queryset = search.sites() if collection.id == "sites" else collection.base_queryset()
    if search is not None and collection.id != "sites":
        queryset = search.sites().filter(outline__isnull=False)
    if bbox is not None and collection.id != "sites":
        queryset = queryset.filter(**{f"{translator.geometry_path}__bboverlaps": bbox})
    return ItemsQuery(limit=limit, offset=offset, crs=crs, queryset=queryset.filter(q) if q else queryset,
                      search=search, narrowed=bool(q),
                      spatial=translator.spatial or (bbox is not None and collection.id != "sites"))


def _conditions(request, collection, translator, queryables, errors):
    """(Q, search parameters): the Q of datetime, of the equality parameters commons.search does not read and of
    the CQL2 filter; and the equality parameters it reads itself (the same validation as /api/v1/)."""
    q, search_params = Q(), {}
    if collection.temporal:
        q &= datetime_q(request, collection.temporal, errors) or Q()
    elif request.query_params.get("datetime"):
        errors.append(error("datetime", "not_temporal", _("This collection has no time: datetime does not apply.")))
    for name in sorted(queryables & set(request.query_params)):
        value = request.query_params.get(name)
        if collection.sites and name in SEARCH_EQUALITIES and name in SiteFilterSet.base_filters:
            search_params[name] = value
            continue
        try:
            q &= translator.to_q({"op": "=", "args": [{"property": name}, _equality(collection.queryable(name), value)]})
        except FilterError as exc:
            errors.append(error(name, exc.code, exc.message))
    return q & _filter_q(request, translator, errors), search_params


def _filter_q(request, translator, errors):
    text = request.query_params.get("filter")
    if text in (None, ""):
        return Q()
    language = request.query_params.get("filter-lang") or "cql2-text"
    if language not in LANGUAGES:
        errors.append(error("filter-lang", "invalid_choice", _("filter-lang is cql2-text or cql2-json.")))
        return Q()
    try:
        return translator.to_q(parse(text, language))
    except FilterError as exc:
        errors.append(bad_filter(exc).errors[0])
        return Q()
