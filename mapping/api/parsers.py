"""Request body parsers of the API: JSON (mapping/read/parsers.py, shared with the OGC face) and photo uploads,
refused from their Content-Length (413) before a byte is read."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers

from mapping.read.errors import PayloadTooLarge
from mapping.read.parsers import FeatureJSONParser, SafeJSONParser, read_limited  # noqa: F401 - the API's names

# Room for the multipart envelope and the caption around a photo itself.
MULTIPART_SLACK = 64 * 1024


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
