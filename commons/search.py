"""The one site search: the filter definition every face takes (API lists, stats, exports, tiles, feeds, web
pages, the dashboard and saved-search matching).

A face calls, once per request::

    from commons.search import FilterParamsError, site_search

    try:
        search = site_search(request.GET, extra={"page"})   # extra: other parameters the face itself reads
    except FilterParamsError as exc:
        exc.errors   # [{"field": "bbox", "code": "bbox_inverted", "message": "..."}], show them, answer 400
    search.sites()       # the matching visible sites (a fresh QuerySet each call)
    search.selection     # the filters as a Selection when the precomputed counts answer them now, else None
    search.count()       # how many match, from the precomputed counts when they answer
    search.counts()      # [(region, kind, status, count)], from the precomputed counts when they answer

`site_search` accepts a QueryDict (repeated keys allowed) or a plain dict (values may be lists). Multi-valued
parameters take several values comma-separated or repeated (`kind=land,building` or `kind=land&kind=building`).
Unknown parameters, bad values and bad combinations raise FilterParamsError naming each parameter. A valid search
is parsed once per worker and kept per canonical query string (the filter parameters only, extras removed): a
map asks for many tiles with the same few filter sets, and parsing costs ~1.5 ms (see bench/README.md).

The HTML widgets of the filter panel (mapping/web/forms.py) and the OpenAPI description of the parameters
(mapping/api/schema.py) are the faces' own; both read SiteFilterSet.base_filters.
"""

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass, field
from types import MappingProxyType

import django_filters
from django import forms
from django.contrib.gis.geos import Point, Polygon
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Count
from django.db.models.expressions import RawSQL
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commons.errors import RegistryValidationError
from commons.freshness import freshness_q, freshness_sql
from commons.geovalidation import POLYGONAL, WORLD_BBOX, parse_geometry
from commons.models import (
    Freshness, InnerAreaClass, Municipality, Ownership, Province, Region, Site, SiteAggregate, SiteKind, SiteStatus,
)
from commons.models.aggregates import Selection, bands_current

MAX_VALUES = 100  # codes per multi-valued parameter
MAX_RADIUS_M = 50_000
MAX_QUERY_LENGTH = 200
INNER_AREAS_ALIAS = "aree_interne"
# The lexeme of a text query that PostgreSQL reads as one plain lexeme (no operator, weight or prefix), else NULL;
# a one-lexeme tsquery's text ('mulin', quotes doubled) is also the text of a one-lexeme tsvector.
ONE_LEXEME_SQL = ("SELECT CASE WHEN numnode(q) = 1 AND q::text ~ '^''.*''$' THEN (tsvector_to_array(q::text::tsvector))[1] "
                  "END FROM websearch_to_tsquery('italian'::regconfig, %s) q")
# The expression of the GIN index `site_text_search` on Site: keep identical so PostgreSQL uses the index.
SEARCH_VECTOR = SearchVector("title", "description", "address", config="italian")


class FilterParamsError(RegistryValidationError):
    """One or more bad filter parameters; `errors` lists them all as {field, code, message}."""

    def __init__(self, errors):
        first = errors[0]
        super().__init__(first["message"], code=first["code"], field=first["field"])
        self.errors = errors


def _invalid(message, code, **params):
    return ValidationError(message, code=code, params=params or None)


class ListWidget(forms.Widget):
    """Reads `a,b` and `x=a&x=b` alike from a QueryDict or a plain dict."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            raw = data.getlist(name)
        else:
            value = data.get(name)
            raw = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
        items = [part.strip() for value in raw for part in str(value).split(",")]
        return [item for item in items if item] or None


class LastValueWidget(forms.Widget):
    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return value[-1] if isinstance(value, (list, tuple)) and value else value


class ParamField(forms.Field):
    widget = LastValueWidget

    def __init__(self, **kwargs):
        kwargs["required"] = False
        super().__init__(**kwargs)

    def clean(self, value):
        if value in (None, ""):
            return None
        return self.parse(str(value).strip())


class ValuesField(ParamField):
    """Several values, each checked against a fixed set (aliases expand to several)."""

    widget = ListWidget

    def __init__(self, *, values, aliases=None, **kwargs):
        super().__init__(**kwargs)
        self.values, self.aliases = [str(v) for v in values], aliases or {}

    def clean(self, value):
        if not value:
            return None
        if len(value) > MAX_VALUES:
            raise _invalid(_("At most %(limit)d values are accepted."), "too_many_values", limit=MAX_VALUES)
        result = []
        for item in value:
            if item in self.aliases:
                result.extend(self.aliases[item])
            elif item in self.values:
                result.append(item)
            else:
                raise _invalid(_("%(value)s is not one of: %(choices)s."), "invalid_choice",
                               value=item[:40], choices=", ".join([*self.values, *self.aliases]))
        return sorted(set(result))


class IstatCodesField(ValuesField):
    """ISTAT codes of one level (2 digits region, 3 province, 6 municipality); leading zeros optional."""

    def __init__(self, *, digits, model, **kwargs):
        super().__init__(values=(), **kwargs)
        self.digits, self.model = digits, model

    def clean(self, value):
        if not value:
            return None
        if len(value) > MAX_VALUES:
            raise _invalid(_("At most %(limit)d values are accepted."), "too_many_values", limit=MAX_VALUES)
        bad = [item for item in value if not re.fullmatch(rf"\d{{1,{self.digits}}}", item)]
        if bad:
            raise _invalid(_("%(value)s is not an ISTAT code of %(digits)d digits."), "invalid_code",
                           value=bad[0][:40], digits=self.digits)
        codes = sorted({item.zfill(self.digits) for item in value})
        known = set(self.model.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise _invalid(_("Unknown ISTAT code: %(value)s."), "unknown_code", value=", ".join(unknown[:5]))
        return codes


class BooleanParamField(ParamField):
    TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}

    def parse(self, value):
        if value.lower() in self.TRUE:
            return True
        if value.lower() in self.FALSE:
            return False
        raise _invalid(_("Use true or false."), "invalid_boolean")


class TextQueryField(ParamField):
    def parse(self, value):
        if len(value) > MAX_QUERY_LENGTH:
            raise _invalid(_("The search text may be at most %(limit)d characters."), "too_long",
                           limit=MAX_QUERY_LENGTH)
        return value


def _numbers(value, count, code, message):
    parts = value.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise _invalid(message, code) from None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        raise _invalid(message, code)
    return numbers


class BBoxField(ParamField):
    def parse(self, value):
        minlon, minlat, maxlon, maxlat = _numbers(
            value, 4, "invalid_bbox", _("bbox must be four numbers: minlon,minlat,maxlon,maxlat."))
        if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180 and -90 <= minlat <= 90 and -90 <= maxlat <= 90):
            raise _invalid(_("bbox must be longitude -180..180 and latitude -90..90."), "out_of_bounds")
        if minlon >= maxlon or minlat >= maxlat:
            raise _invalid(_("bbox must be ordered minlon,minlat,maxlon,maxlat with min < max."), "bbox_inverted")
        return Polygon.from_bbox((minlon, minlat, maxlon, maxlat))


class LonLatField(ParamField):
    def parse(self, value):
        lon, lat = _numbers(value, 2, "invalid_point", _("near must be two numbers: lon,lat."))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _invalid(_("near must be longitude -180..180 and latitude -90..90."), "out_of_bounds")
        return Point(lon, lat, srid=4326)


class NumberParamField(ParamField):
    def __init__(self, *, maximum, integer=False, **kwargs):
        super().__init__(**kwargs)
        self.maximum, self.integer = maximum, integer

    def parse(self, value):
        pattern = r"\d{1,12}" if self.integer else r"\d{1,12}(\.\d{1,6})?"
        if not re.fullmatch(pattern, value):
            raise _invalid(_("Expected a non-negative number."), "invalid_number")
        number = int(value) if self.integer else float(value)
        if number > self.maximum:
            raise _invalid(_("At most %(limit)s."), "too_large", limit=self.maximum)
        return number


class PolygonParamField(ParamField):
    def parse(self, value):
        try:
            return parse_geometry(value, field="within", allowed=POLYGONAL, bounds=WORLD_BBOX)
        except RegistryValidationError as exc:
            raise _invalid(exc.messages[0], exc.code) from None


class SinceField(ParamField):
    def parse(self, value):
        try:
            moment = parse_datetime(value)
            if moment is None and (day := parse_date(value)) is not None:
                moment = dt.datetime.combine(day, dt.time.min)
        except ValueError:
            moment = None
        if moment is None:
            raise _invalid(_("Use an ISO 8601 date or date-time, e.g. 2024-05-31 or 2024-05-31T12:00:00Z."),
                           "invalid_datetime")
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class SiteFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        if data.get("radius") is not None and data.get("near") is None and "near" not in self.errors:
            self.add_error("radius", _invalid(_("radius needs near=lon,lat."), "requires_near"))
        if data.get("near") is not None and data.get("radius") is None and "radius" not in self.errors:
            self.add_error("radius", _invalid(_("near needs a radius in metres."), "required"))
        low, high = data.get("area_min"), data.get("area_max")
        if low is not None and high is not None and low > high:
            self.add_error("area_max", _invalid(_("area_max must not be below area_min."), "range_inverted"))
        return data


class ParamFilter(django_filters.Filter):
    """A filter whose form field is one of ours and whose query is a plain function of (queryset, value)."""

    def __init__(self, field_class, apply, **kwargs):
        self.field_class, self.apply = field_class, apply
        super().__init__(**kwargs)

    def filter(self, qs, value):
        return qs if value is None else self.apply(qs, value)


def _text_search(qs, text):
    return qs.alias(text_search=SEARCH_VECTOR).filter(
        text_search=SearchQuery(text, config="italian", search_type="websearch")
    )


def _codes(field, digits, model, text):
    return ParamFilter(IstatCodesField, lambda qs, v: qs.filter(**{f"{field}__in": v}),
                       digits=digits, model=model, help_text=text)


def _choices(field, choices, text):
    return ParamFilter(ValuesField, lambda qs, v: qs.filter(**{f"{field}__in": v}), values=choices, help_text=text)


def _choices_q(to_q, choices, text):
    return ParamFilter(ValuesField, lambda qs, v: qs.filter(to_q(v)), values=choices, help_text=text)


class SiteFilterSet(django_filters.FilterSet):
    region = _codes("region_id", 2, Region, gettext_lazy("ISTAT region codes, e.g. 12 (Lazio)."))
    province = _codes("province_id", 3, Province, gettext_lazy("ISTAT province codes, e.g. 058 (Roma)."))
    municipality = _codes("municipality_id", 6, Municipality, gettext_lazy("ISTAT municipality codes, e.g. 058091."))
    inner = ParamFilter(
        ValuesField, lambda qs, v: qs.filter(municipality__inner_area_class__in=v),
        values=InnerAreaClass.values, aliases={INNER_AREAS_ALIAS: InnerAreaClass.inner()},
        help_text=gettext_lazy("SNAI inner-areas classes A-F of the municipality; aree_interne = D,E,F."),
    )
    kind = _choices("kind", SiteKind.values, gettext_lazy("Kinds of site."))
    status = _choices("status", SiteStatus.values, gettext_lazy("Statuses."))
    ownership = _choices("ownership", Ownership.values, gettext_lazy("Ownerships."))
    claimed = ParamFilter(BooleanParamField, lambda qs, v: qs.claimed(v),
                          help_text=gettext_lazy("true: verified sites with at least one submitted proposal."))
    top_level = ParamFilter(BooleanParamField, lambda qs, v: qs.filter(parent__isnull=v),
                            help_text=gettext_lazy("true: only sites that are not part of another (a borgo, not its "
                                                   "buildings); false: only the parts."))
    q = ParamFilter(TextQueryField, _text_search,
                    help_text=gettext_lazy("Italian full-text search over title, description and address."))
    bbox = ParamFilter(BBoxField, lambda qs, v: qs.filter(location__bboverlaps=v),
                       help_text=gettext_lazy("minlon,minlat,maxlon,maxlat (WGS84)."))
    within = ParamFilter(PolygonParamField, lambda qs, v: qs.filter(location__intersects=v),
                         help_text=gettext_lazy("A GeoJSON Polygon or MultiPolygon (WGS84) the site's point lies in."))
    near = ParamFilter(LonLatField, lambda qs, v: qs, help_text=gettext_lazy("lon,lat; needs radius."))
    radius = ParamFilter(NumberParamField, lambda qs, v: qs, maximum=MAX_RADIUS_M,
                         help_text=gettext_lazy("Metres around near (at most 50000)."))
    area_min = ParamFilter(NumberParamField, lambda qs, v: qs.filter(land_area_m2__gte=v), maximum=10**12,
                           integer=True, help_text=gettext_lazy("Minimum land area in m² (sites with an outline)."))
    area_max = ParamFilter(NumberParamField, lambda qs, v: qs.filter(land_area_m2__lte=v), maximum=10**12,
                           integer=True, help_text=gettext_lazy("Maximum land area in m²."))
    updated_since = ParamFilter(SinceField, lambda qs, v: qs.filter(updated_at__gte=v),
                                help_text=gettext_lazy("ISO 8601 date or date-time."))
    confirmed_since = ParamFilter(SinceField, lambda qs, v: qs.filter(last_confirmed_at__gte=v),
                                  help_text=gettext_lazy("Sites last confirmed on the ground on or after this ISO 8601 "
                                                         "date or date-time."))
    missing_from_source = ParamFilter(
        BooleanParamField, lambda qs, v: qs.filter(missing_from_source_at__isnull=not v),
        help_text=gettext_lazy("true: sites a full re-import of their dataset no longer holds (kept in the registry); "
                               "false: the others."))
    freshness = _choices_q(freshness_q, Freshness.values, gettext_lazy(
        "How recently the site was confirmed on the ground: fresh (under REGISTRY_FRESH_MONTHS, 12 by default), "
        "ageing, stale (over REGISTRY_STALE_MONTHS, 24 by default)."))

    class Meta:
        model = Site
        fields = []
        form = SiteFilterForm

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset if queryset is not None else Site.objects.visible(), **kwargs)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        near, radius = self.form.cleaned_data.get("near"), self.form.cleaned_data.get("radius")
        if near is not None and radius is not None:
            queryset = queryset.near(near, radius)
        return queryset

    def error_list(self):
        """The form's errors as [{field, code, message}], in parameter order."""
        errors = []
        for name, problems in self.form.errors.as_data().items():
            field = "non_field_errors" if name == "__all__" else name
            errors.extend({"field": field, "code": p.code or "invalid", "message": p.messages[0]} for p in problems)
        return errors


# Filters whose own index finds the matches faster than walking the primary key newest-first and testing
# each row (for `q` the walk would compute to_tsvector on every row it passes).
INDEX_LED_FILTERS = ("bbox", "within", "near", "q")


def unknown_parameter_errors(params, allowed):
    errors = []
    for name in params:
        if name not in allowed:
            errors.append({"field": name[:60], "code": "unknown_parameter",
                           "message": _("Unknown parameter %(name)s.") % {"name": name[:60]}})
    for name in params:
        values = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        if any("\x00" in str(value) for value in values):
            errors.append({"field": name[:60], "code": "invalid_character",
                           "message": _("Parameters must not contain NUL characters.")})
    return errors


CACHED_SEARCHES = 256  # distinct filter query strings kept per worker


@dataclass(frozen=True, eq=False)
class Search:
    """A validated site search. Immutable: `sites()` hands out a fresh QuerySet, never the kept one, so no
    caller can evaluate (and fill the result cache of) the instance kept per worker."""

    key: str  # the canonical query string of the filter parameters
    values: MappingProxyType  # cleaned value per filter parameter (None when not given)
    _queryset: object = field(repr=False)
    _selection: Selection = None  # set when the precomputed counts (commons.models.aggregates) can answer it

    def sites(self):
        return self._queryset.all()

    @property
    def selection(self):
        """The Selection when the precomputed counts answer the search now: a freshness filter only while their
        bands are today's (commons.models.aggregates.bands_current), else None (counted live)."""
        if self._selection is not None and self._selection.freshness is not None and not bands_current():
            return None
        return self._selection

    @functools.cached_property
    def term(self):
        """The lexeme when `q` is the only filter and PostgreSQL reads it as one lexeme (`mulino` -> `mulin`), else
        None: then the precomputed counts per term and cell (commons.models.aggregates.SiteTermCount) answer the
        low-zoom tiles. Several words, a phrase, a negation or only stop words are searched live."""
        if self.values.get("q") is None or any(
                value not in (None, "", [], ()) for name, value in self.values.items() if name != "q"):
            return None
        with connections[router.db_for_read(Site)].cursor() as cursor:
            cursor.execute(ONE_LEXEME_SQL, [self.values["q"]])
            return cursor.fetchone()[0]

    @property
    def index_led(self):
        """Whether a filter with its own index (bbox, within, near, q) narrows the search."""
        return any(self.values.get(name) is not None for name in INDEX_LED_FILTERS)

    @property
    def only_bbox(self):
        """(minlon, minlat, maxlon, maxlat) when `bbox` is the only index-led filter, else None."""
        if self.values.get("bbox") is None or any(
                self.values.get(name) is not None for name in INDEX_LED_FILTERS if name != "bbox"):
            return None
        return self.values["bbox"].extent

    def count(self):
        """How many visible sites match: summed in SQL from the precomputed counts when they answer, else counted."""
        selection = self.selection
        if selection is not None:
            return SiteAggregate.objects.count_matching(selection)
        return self.sites().count()

    def counts(self, *, inner_only=False):
        """[(region, kind, status, count)] sorted, count > 0: from the precomputed counts when they answer the
        search, else by a GROUP BY over the matching sites. `inner_only` narrows to the aree interne (D-F)."""
        if self.selection is not None:
            selection = self.selection
            if inner_only:
                inner = set(InnerAreaClass.inner()) & set(selection.inner_classes or InnerAreaClass.inner())
                selection = Selection(**{**selection.__dict__, "inner_classes": tuple(sorted(inner))})
            return SiteAggregate.objects.region_kind_status_counts(selection)
        sites = self.sites()
        if inner_only:
            sites = sites.filter(municipality__inner_area_class__in=InnerAreaClass.inner())
        rows = sites.order_by().values_list("region_id", "kind", "status").annotate(count=Count("id"))
        return list(rows.order_by("region_id", "kind", "status"))


    def freshness_counts(self):
        """[(region, freshness, count)] sorted, count > 0: from the precomputed counts when they answer the
        search with today's bands, else by a GROUP BY over the matching sites (the same SQL as the filter)."""
        selection = self._selection
        if selection is not None and bands_current():
            return SiteAggregate.objects.region_freshness_counts(selection)
        freshness = RawSQL(freshness_sql('"commons_site"."last_confirmed_at"'), ())
        rows = (self.sites().order_by().annotate(freshness=freshness).values_list("region_id", "freshness")
                .annotate(count=Count("id")))
        return sorted((region, name, count) for region, name, count in rows)


def _canonical(params, extra):
    """The filter parameters of `params` (extras removed) as a QueryDict and its query string."""
    filters = QueryDict(mutable=True)
    for name in params:
        if name in extra:
            continue
        values = params.getlist(name) if hasattr(params, "getlist") else params[name]
        filters.setlist(name, [str(v) for v in values] if isinstance(values, (list, tuple)) else [str(values)])
    return filters, filters.urlencode()


def site_search(params, *, extra=()):
    """The search `params` describe; raise FilterParamsError naming every bad or unknown parameter."""
    extra = set(extra)
    errors = unknown_parameter_errors(params, set(SiteFilterSet.base_filters) | extra)
    if any(error["code"] == "invalid_character" for error in errors):
        raise FilterParamsError(errors)
    known = {name for name in params if name in SiteFilterSet.base_filters}
    _filters, key = _canonical(params, set(params) - known)
    try:
        search = cached_search(key)
    except FilterParamsError as exc:
        errors += exc.errors
    if errors:
        raise FilterParamsError(errors)
    return search


@functools.lru_cache(maxsize=CACHED_SEARCHES)
def cached_search(key):
    """The Search of a canonical filter query string (bad filters raise FilterParamsError, never cached)."""
    params = QueryDict(key)
    errors = unknown_parameter_errors(params, set(SiteFilterSet.base_filters))
    filterset = SiteFilterSet(params)
    if not errors and not filterset.is_valid():
        errors = filterset.error_list()
    if errors:
        raise FilterParamsError(errors)
    values = {name: filterset.form.cleaned_data.get(name) for name in SiteFilterSet.base_filters}
    return Search(key=key, values=MappingProxyType(values), _queryset=filterset.qs,
                  _selection=Selection.from_filters(values))
