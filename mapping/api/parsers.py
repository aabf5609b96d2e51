"""Request body parsers of the API: JSON (mapping/read/parsers.py, shared with the OGC face) and photo uploads,
refused from their Content-Length (413) before a byte is read."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers

from mapping.read.errors import PayloadTooLarge
from mapping.read.parsers import FeatureJSONParser, SafeJSONParser, read_limited  # noqa: F401 - the API's names

# Room for the multipart envelope and the caption around a photo itself.
MULTIPART_SLACK = 64 * 1024


class PhotoMultiPartParser(parsers.MultiPartParser):
    """A photo upload, refused from its Content-Length (413) before a byte of it is read."""

    def parse(self, stream, media_type=None, parser_context=None):
        declared = parser_context["request"].META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit() or int(declared) > settings.PHOTO_MAX_BYTES + MULTIPART_SLACK:
            raise PayloadTooLarge(_("A photo may be at most %(limit)d MB.") % {
                "limit": settings.PHOTO_MAX_BYTES // (1024 * 1024)})
        return super().parse(stream, media_type, parser_context)
