"""Conditional requests (RFC 9110 §13), once for every face: ETags of answers and If-None-Match → 304, and the
If-Match of site edits (428 without it, 412 when stale)."""

import hashlib
import re

from django.http import HttpResponseNotModified

from commons.errors import StaleVersionError
from mapping.read.errors import PreconditionRequired


def etag_of(body, prefix=""):
    """A strong ETag from the bytes (or text) of an answer."""
    data = body.encode() if isinstance(body, str) else body
    return f'"{prefix}{hashlib.blake2b(data, digest_size=12).hexdigest()}"'


def listed_tags(header):
    """The entity tags of an If-Match / If-None-Match header, as sent (If-Match compares them strongly)."""
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def none_match(request, etag):
    """Whether the client's If-None-Match names `etag` (or is `*`): it already holds this answer. The weak
    comparison of RFC 9110 §13.1.2: a compressed answer's tag comes back weakened (W/) by GZipMiddleware."""
    tags = [tag.removeprefix("W/") for tag in listed_tags(request.headers.get("If-None-Match", ""))]
    return "*" in tags or etag in tags


def conditional(request, etag, respond, headers=None):
    """304 Not Modified when the client holds `etag`, else `respond()`; both carry the ETag and `headers`."""
    response = HttpResponseNotModified() if none_match(request, etag) else respond()
    response["ETag"] = etag
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def site_etag(pk, version):
    """The ETag of one version of a site: every face that edits sites (REST v1, OGC API) names versions so."""
    return f'"site-{pk}-v{version}"'


def expected_version(request, site):
    """The version named by If-Match: 428 without one (lost updates are never allowed), 412 if stale."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        raise PreconditionRequired()
    versions = [int(m.group(1)) for tag in listed_tags(header)
                if (m := re.fullmatch(rf'"site-{site.pk}-v(\d{{1,9}})"', tag))]
    if site.version not in versions:
        raise StaleVersionError(site.version)
    return site.version
