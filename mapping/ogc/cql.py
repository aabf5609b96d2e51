"""CQL2 filters (OGC API – Features Part 3) as a Q over the collection's model, so that the registry's own
visibility rules and indexes apply: the filter narrows `site_search(...).sites()`, it never replaces it.

Parsing is developmentseed's `cql2` (Rust, PyPI): text and JSON both become CQL2-JSON, which `to_q` walks. Measured
here (bench/cql2_parsers.py, bench/README.md "CQL2 parsers"): 25-75 µs per typical filter against pygeofilter's
900-2,500 µs (30-40× on the same run), the line:column where the expected token was missing, and the standard's
CQL2-JSON (pygeofilter 0.4 raises TypeError on a standard `between`). Its one weakness, a stack overflow on deep
nesting, is closed by _check_text_nesting. Every problem is a 400 `{field: "filter", code, message, position}`, never a 500; a filter
longer than MAX_LENGTH, deeper than MAX_DEPTH or with more than MAX_NODES nodes is refused before it is walked.
"""

import datetime as dt
import json
import re
from functools import reduce
from operator import and_, or_

import cql2
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Polygon
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from commons.geovalidation import json_depth
from mapping.read.crs import CRS84, STORAGE_SRID
from mapping.read.errors import RegistryErrors, error

MAX_LENGTH = 20_000  # characters of a filter (a drawn polygon of ~1,000 vertices fits)
MAX_DEPTH = 24  # nesting of the CQL2-JSON (an expression, its arguments, a polygon's rings and positions)
MAX_NODES = 2_000  # objects, arrays and values in the CQL2-JSON
MAX_VERTICES = 2_000  # of one geometry literal, as for a drawn outline (RELIABILITY.md G3)
MAX_IN_VALUES = 500
# cql2 0.6's parser recurses in Rust and crashes the whole process (SIGSEGV, not an exception) on ~2,000 nested
# parentheses, NOTs or signs (measured: 1,000 parse, 2,000 crash): the text is scanned for them before parsing.
MAX_TEXT_NESTING = 100  # parentheses deep, NOT keywords, arithmetic signs
MAX_MINUS_SIGNS = 1_000  # negative numbers of a projected polygon included
COMPARISONS = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
SPATIAL = {"s_intersects": "intersects", "s_within": "within", "s_contains": "contains", "s_touches": "touches",
           "s_crosses": "crosses", "s_overlaps": "overlaps", "s_equals": "equals", "s_disjoint": "disjoint"}
LANGUAGES = ("cql2-text", "cql2-json")
POSITION = re.compile(r"--> (\d+):(\d+)")


class FilterError(Exception):
    def __init__(self, code, message, position=None):
        super().__init__(message)
        self.code, self.message, self.position = code, message, position


def bad_filter(exc):
    """The 400 of a FilterError."""
    extra = {"position": exc.position} if exc.position is not None else {}
    message = exc.message if exc.position is None else _("%(reason)s (at %(position)s)") % {
        "reason": exc.message, "position": exc.position}
    return RegistryErrors([error("filter", exc.code, message, **extra)])


def parse(text, language):
    """CQL2-JSON (a dict) of a filter parameter, or FilterError."""
    if len(text) > MAX_LENGTH:
        raise FilterError("filter_too_long", _("A filter may be at most %(limit)d characters long.")
                          % {"limit": MAX_LENGTH})
    if language == "cql2-json":
        try:
            value = json.loads(text)
        except RecursionError:
            raise FilterError("filter_too_deep", _("The filter is nested too deeply.")) from None
        except ValueError as exc:
            raise FilterError("invalid_cql2_json", _("The filter is not JSON: %(reason)s.") % {"reason": exc.msg},
                              position=f"1:{exc.colno}" if exc.lineno == 1 else f"{exc.lineno}:{exc.colno}") from None
        _check_size(value)
        try:
            return cql2.parse_json(text).to_json()
        except (cql2.ValidationError, cql2.ParseError, ValueError) as exc:
            raise FilterError("invalid_cql2_json", _("The filter is not valid CQL2-JSON: %(reason)s.")
                              % {"reason": str(exc)[:200]}) from None
    _check_text_nesting(text)
    try:
        parsed = cql2.parse_text(text).to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as exc:
        message = str(exc)
        found = POSITION.search(message)
        expected = re.search(r"= (expected [^\n]*)", message)
        reason = expected.group(1) if expected else message.strip().splitlines()[-1][:200]
        raise FilterError("invalid_cql2_text", _("The filter is not valid CQL2 text: %(reason)s.") % {
            "reason": reason}, position=f"{found.group(1)}:{found.group(2)}" if found else None) from None
    _check_size(parsed)
    return parsed


def _check_text_nesting(text):
    """Refuse, before the parser sees it, text whose nesting could overflow the parser's stack."""
    outside = re.sub(r"'(?:[^']|'')*'", "''", text)  # string literals hold anything: not counted
    depth = deepest = 0
    for char in outside:
        depth += (char == "(") - (char == ")")
        deepest = max(deepest, depth)
    signs = sum(outside.count(char) for char in "+*/^")
    nots = len(re.findall(r"\bnot\b", outside, re.IGNORECASE))
    if max(deepest, signs, nots) > MAX_TEXT_NESTING or outside.count("-") > MAX_MINUS_SIGNS:
        raise FilterError("filter_too_deep", _("The filter is nested more than %(limit)d levels deep.")
                          % {"limit": MAX_TEXT_NESTING})


def _check_size(value):
    if json_depth(value) > MAX_DEPTH:
        raise FilterError("filter_too_deep", _("The filter is nested more than %(limit)d levels deep.")
                          % {"limit": MAX_DEPTH})
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise FilterError("filter_too_large", _("The filter has more than %(limit)d parts.")
                              % {"limit": MAX_NODES})
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class Translator:
    """CQL2-JSON → Q over one collection (its queryables), geometry literals read in `filter_crs`."""

    def __init__(self, collection, filter_crs=CRS84):
        self.collection, self.filter_crs = collection, filter_crs
        self.geometry_path = collection.geometry_column.split(".")[1]
        self.spatial = False  # a spatial function was translated: its index should lead

    def to_q(self, node, at="filter"):
        if isinstance(node, bool):  # FALSE as a condition that compiles (pk__in=[] would raise EmptyResultSet)
            return Q() if node else Q(pk__isnull=True)
        if not isinstance(node, dict) or "op" not in node:
            raise FilterError("not_a_predicate", _("Expected a predicate (a comparison, a function, AND/OR/NOT)."),
                              position=at)
        op, args = str(node["op"]).lower(), node.get("args") or []
        where = f"{at}/{op}"
        if op in ("and", "or"):
            return reduce(and_ if op == "and" else or_, [self.to_q(a, f"{where}[{i}]") for i, a in enumerate(args)])
        if op == "not":
            return ~self.to_q(self._one(args, where), where)
        if op in COMPARISONS or op == "<>":
            return self._compare(op, args, where)
        if op == "like":
            return self._like(args, where)
        if op == "between":
            name, queryable, _casei = self._property(args[0] if args else None, where)
            low, high = (self._literal(queryable, value, where) for value in self._args(args, 3, where)[1:])
            return Q(**{f"{queryable.path}__range": (low, high)})
        if op == "in":
            return self._in(args, where)
        if op == "isnull":
            _name, queryable, _casei = self._property(self._one(args, where), where)
            return Q(**{f"{queryable.path}__isnull": not queryable.negated})
        if op in SPATIAL:
            return self._spatial(op, args, where)
        raise FilterError("unsupported_operator", _("The operator or function %(op)s is not supported here.")
                          % {"op": op[:40]}, position=where)

    def _args(self, args, count, where):
        if len(args) != count:
            raise FilterError("wrong_arguments", _("%(count)d arguments expected.") % {"count": count}, position=where)
        return args

    def _one(self, args, where):
        return self._args(args, 1, where)[0]

    def _property(self, node, where):
        """(name, Queryable, case-insensitive) of a property argument, maybe wrapped in CASEI."""
        casei = isinstance(node, dict) and str(node.get("op", "")).lower() == "casei"
        if casei:
            node = self._one(node.get("args") or [], where)
        name = node.get("property") if isinstance(node, dict) else None
        queryable = self.collection.queryable(name) if isinstance(name, str) else None
        if queryable is None:
            known = ", ".join(q.name for q in self.collection.queryables)
            shown = name if isinstance(name, str) else json.dumps(node)[:40]
            raise FilterError("unknown_property", _("%(name)s is not a queryable of this collection (%(known)s).")
                              % {"name": str(shown)[:60], "known": known}, position=where)
        if queryable.type == "geometry":
            raise FilterError("geometry_in_comparison", _("The geometry is only compared with spatial functions "
                                                          "(S_INTERSECTS, ...)."), position=where)
        if casei and queryable.type != "string":
            raise FilterError("casei_not_text", _("CASEI applies to text properties only."), position=where)
        return name, queryable, casei

    def _split(self, args, where):
        """(queryable, casei, literal) of a binary predicate written either way round."""
        left, right = self._args(args, 2, where)
        if not _names_property(left):
            left, right = right, left
        if not _names_property(left):
            raise FilterError("no_property", _("One side of a comparison must be a queryable (arithmetic and "
                                               "functions other than CASEI are not supported)."), position=where)
        _name, queryable, casei = self._property(left, where)
        if isinstance(right, dict) and str(right.get("op", "")).lower() == "casei":
            right = self._one(right.get("args") or [], where)
            casei = True
        return queryable, casei, right

    def _compare(self, op, args, where):
        queryable, casei, literal = self._split(args, where)
        value = self._literal(queryable, literal, where)
        if queryable.negated:
            if op not in ("=", "<>"):
                raise FilterError("unsupported_operator", _("A boolean is compared with = or <> only."), position=where)
            equal = Q(**{queryable.path: not value})
            return equal if op == "=" else ~equal
        if casei:
            if op not in ("=", "<>"):
                raise FilterError("unsupported_operator", _("CASEI is supported with =, <>, LIKE and IN."),
                                  position=where)
            equal = Q(**{f"{queryable.path}__iexact": value})
        else:
            equal = Q(**{f"{queryable.path}__exact": value})
        if op == "<>":
            return ~equal & Q(**{f"{queryable.path}__isnull": False})
        if op == "=":
            return equal
        return Q(**{f"{queryable.path}__{COMPARISONS[op]}": value})

    def _like(self, args, where):
        queryable, casei, pattern = self._split(args, where)
        if queryable.type != "string" or not isinstance(pattern, str):
            raise FilterError("like_not_text", _("LIKE compares a text property with a text pattern."), position=where)
        return Q(**{f"{queryable.path}__{'iregex' if casei else 'regex'}": like_regex(pattern)})

    def _in(self, args, where):
        left, values = self._args(args, 2, where)
        _name, queryable, casei = self._property(left, where)
        if not isinstance(values, list) or not values or len(values) > MAX_IN_VALUES:
            raise FilterError("invalid_list", _("IN takes a list of 1 to %(limit)d values.")
                              % {"limit": MAX_IN_VALUES}, position=where)
        literals = [self._literal(queryable, value, where) for value in values]
        if casei:
            return reduce(or_, [Q(**{f"{queryable.path}__iexact": value}) for value in literals])
        return Q(**{f"{queryable.path}__in": literals})

    def _literal(self, queryable, value, where):
        """The Python value of a literal for this queryable: a type mismatch is a 400, never a database error."""
        kind = queryable.type
        if isinstance(value, dict) and str(value.get("op", "")).lower() == "casei" and kind == "string":
            value = self._one(value.get("args") or [], where)
        if kind == "date-time":
            text = value.get("timestamp") or value.get("date") if isinstance(value, dict) else value
            moment = moment_of(text) if isinstance(text, str) else None
            if moment is None:
                raise FilterError("invalid_datetime", _("%(name)s is compared with TIMESTAMP('…') or DATE('…').")
                                  % {"name": queryable.name}, position=where)
            return moment
        if kind in ("integer", "number"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1e15 < value < 1e15:
                raise FilterError("invalid_number", _("%(name)s is compared with a number.")
                                  % {"name": queryable.name}, position=where)
            return int(value) if kind == "integer" and float(value).is_integer() else value
        if kind == "boolean":
            if not isinstance(value, bool):
                raise FilterError("invalid_boolean", _("%(name)s is compared with true or false.")
                                  % {"name": queryable.name}, position=where)
            return value
        if not isinstance(value, str) or "\x00" in value:
            raise FilterError("invalid_text", _("%(name)s is compared with a text in single quotes.")
                              % {"name": queryable.name}, position=where)
        return value[:500]

    def _spatial(self, op, args, where):
        left, right = self._args(args, 2, where)
        if isinstance(right, dict) and right.get("property") == "geometry":
            left, right = right, left
        if not (isinstance(left, dict) and left.get("property") == "geometry"):
            raise FilterError("unknown_property", _("Spatial functions compare the property geometry with a "
                                                    "geometry or a BBOX."), position=where)
        geometry = self.geometry(right, where)
        if geometry.geom_type == "GeometryCollection" and op not in ("s_intersects", "s_disjoint"):
            # PostGIS's relate operations refuse collections ("Relate Operation called with a LWGEOMCOLLECTION")
            raise FilterError("unsupported_geometry", _("%(op)s does not take a GEOMETRYCOLLECTION: use "
                                                        "S_INTERSECTS, or one geometry.") % {"op": op.upper()},
                              position=where)
        self.spatial = self.spatial or op != "s_disjoint"  # no index finds what lies elsewhere
        if op == "s_disjoint":
            return ~Q(**{f"{self.geometry_path}__intersects": geometry})
        return Q(**{f"{self.geometry_path}__{SPATIAL[op]}": geometry})

    def geometry(self, node, where):
        """A GEOS geometry in the storage CRS from a GeoJSON or BBOX literal in filter-crs."""
        try:
            if isinstance(node, dict) and "bbox" in node:
                box = node["bbox"]
                if not (isinstance(box, list) and len(box) in (4, 6)
                        and all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in box)):
                    raise FilterError("invalid_bbox", _("BBOX takes 4 numbers."), position=where)
                low, high = (box[:2], box[2:4]) if len(box) == 4 else (box[:2], box[3:5])
                geometry = Polygon.from_bbox((*low, *high))
            elif isinstance(node, dict) and "type" in node and ("coordinates" in node or "geometries" in node):
                geometry = GEOSGeometry(json.dumps(node))
            else:
                raise FilterError("invalid_geometry", _("Expected a geometry literal (POINT, POLYGON, …) or BBOX."),
                                  position=where)
            if geometry.empty or not geometry.valid:
                raise FilterError("invalid_geometry", _("The geometry is empty or invalid (%(reason)s).")
                                  % {"reason": geometry.valid_reason[:80]}, position=where)
            if geometry.num_coords > MAX_VERTICES:
                raise FilterError("too_many_vertices", _("A geometry in a filter has at most %(limit)d vertices.")
                                  % {"limit": MAX_VERTICES}, position=where)
            return self._to_storage(geometry, where)
        except (GEOSException, GDALException, ValueError, TypeError):
            raise FilterError("invalid_geometry", _("The geometry literal could not be read."), position=where) from None

    def _to_storage(self, geometry, where):
        crs = self.filter_crs
        if crs.second_axis_first:
            geometry = GEOSGeometry(_swapped_axes(geometry))
        geometry.srid = crs.srid
        if crs.srid != STORAGE_SRID:
            geometry.transform(STORAGE_SRID)  # an integer of the allow-list (mapping/read/crs.py)
        minx, miny, maxx, maxy = geometry.extent
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise FilterError("out_of_bounds", _("The geometry lies outside longitude -180..180, latitude -90..90: "
                                                 "are the axes swapped for filter-crs?"), position=where)
        return geometry


def _names_property(node):
    """Whether a comparison's argument is a property, or CASEI of one."""
    if isinstance(node, dict) and str(node.get("op", "")).lower() == "casei":
        node = (node.get("args") or [None])[0]
    return isinstance(node, dict) and "property" in node


def _swapped_axes(geometry):
    """GeoJSON text of `geometry` with its first two axes swapped (a latitude-first CRS's literal)."""
    def swap(c):
        return [c[1], c[0], *c[2:]] if c and isinstance(c[0], (int, float)) else [swap(part) for part in c]

    def swapped(data):
        if "geometries" in data:
            return {**data, "geometries": [swapped(part) for part in data["geometries"]]}
        return {**data, "coordinates": swap(data["coordinates"])}
    return json.dumps(swapped(json.loads(geometry.json)))


def moment_of(text):
    """An aware datetime from RFC 3339 text or a date (midnight UTC), or None."""
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        return None
    if moment is None:
        return None
    return timezone.make_aware(moment, dt.timezone.utc) if timezone.is_naive(moment) else moment


def like_regex(pattern):
    """A CQL2 LIKE pattern (% any run, _ one character, \\ escapes) as an anchored PostgreSQL regex."""
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
    return "^" + "".join(out) + "$"
