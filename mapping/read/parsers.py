"""Request body parsers for every face: 413 for oversize bodies, 400 for deeply nested JSON (never a 500), and
a GeoJSON Feature read as the flat site input GIS tools mean by it (REST v1 and OGC API take both)."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from commons.geovalidation import json_depth
from mapping.read.errors import PayloadTooLarge

GEOJSON = "application/geo+json"
POLYGONAL_TYPES = ("Polygon", "MultiPolygon")

# A site body nests at most ~6 levels (object → outline → coordinates ×4); leave room, refuse the rest.
MAX_BODY_DEPTH = 32


def read_limited(stream, request, limit):
    """Read at most `limit` bytes; refuse larger bodies from their Content-Length before reading them."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise PayloadTooLarge(_("The request body is larger than %(limit)d bytes.") % {"limit": limit})
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(_("The request body is larger than %(limit)d bytes.") % {"limit": limit})
    return data


class SafeJSONParser(parsers.JSONParser):
    """JSON with a size cap and a nesting cap. NaN/Infinity tokens are decoded so that geometry validation
    can name them (nan_or_inf) instead of a generic parse error."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context["request"]
        data = read_limited(stream, request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            value = json.loads(data.decode(encoding))
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply."), code="too_deep") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("The body is not valid JSON: %(reason)s") % {"reason": str(exc)[:120]},
                             code="invalid_json") from None
        if json_depth(value) > MAX_BODY_DEPTH:
            raise ParseError(_("The JSON body is nested too deeply."), code="too_deep")
        return value


def site_input_from_feature(data):
    """A GeoJSON Feature as the members of a site: its properties, its geometry as `location` (a Point) or
    `outline` (a Polygon or MultiPolygon; the registry then places the point inside it). Anything else is returned
    as it is, so the serializer names what is wrong. The Feature's `id` and read-only properties the registry
    wrote (a Feature read from a list and sent back) are the serializer's to refuse."""
    if not isinstance(data, dict) or data.get("type") != "Feature":
        return data
    unknown = set(data) - {"type", "id", "geometry", "properties", "bbox", "links"}
    properties = data.get("properties")
    if unknown or not isinstance(properties, (dict, type(None))):
        raise ParseError(_("A GeoJSON Feature has only type, id, geometry and properties (an object)."),
                         code="invalid_feature")
    values = dict(properties or {})
    for name in ("id", "url"):  # written by the registry in every Feature it serves
        values.pop(name, None)
    geometry = data.get("geometry")
    if isinstance(geometry, dict) and geometry.get("type") in POLYGONAL_TYPES:
        values["outline"] = geometry
    elif geometry is not None:
        values["location"] = geometry
    return values


class FeatureJSONParser(SafeJSONParser):
    """JSON or GeoJSON: a site as flat members or as a Feature (site_input_from_feature)."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return site_input_from_feature(super().parse(stream, media_type, parser_context))


class GeoJSONFeatureParser(FeatureJSONParser):
    media_type = GEOJSON
