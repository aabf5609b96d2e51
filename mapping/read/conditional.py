"""Conditional requests (RFC 9110 §13), once for every face: ETags of answers and If-None-Match → 304."""

import hashlib

from django.http import HttpResponseNotModified


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
