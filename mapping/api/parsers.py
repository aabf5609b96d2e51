"""Request body parsers that answer 413 for oversize bodies and 400 for deeply nested JSON (never a 500)."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from commons.geovalidation import json_depth
from mapping.read.errors import PayloadTooLarge

# Room for the multipart envelope and the caption around a photo itself.
MULTIPART_SLACK = 64 * 1024
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


class LimitedMultiPartParser(parsers.MultiPartParser):
    """An upload refused from its Content-Length (413) before a byte of it is read; subclasses name the limit."""

    limit_setting = "PHOTO_MAX_BYTES"

    def message(self, limit):
        return _("A photo may be at most %(limit)d MB.") % {"limit": limit // (1024 * 1024)}

    def parse(self, stream, media_type=None, parser_context=None):
        limit = getattr(settings, self.limit_setting)
        declared = parser_context["request"].META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit() or int(declared) > limit + MULTIPART_SLACK:
            raise PayloadTooLarge(self.message(limit))
        return super().parse(stream, media_type, parser_context)


class PhotoMultiPartParser(LimitedMultiPartParser):
    """A photo upload (PHOTO_MAX_BYTES)."""


class DocumentMultiPartParser(LimitedMultiPartParser):
    """A milestone's PDF (DOCUMENT_MAX_BYTES)."""

    limit_setting = "DOCUMENT_MAX_BYTES"

    def message(self, limit):
        return _("A document may be at most %(limit)d MB.") % {"limit": limit // (1024 * 1024)}
