"""Idempotency-Key on the creating requests of every face (REST v1, OGC API), so a phone on a weak signal can send a report again safely.

Semantics (IETF draft-ietf-httpapi-idempotency-key-header), per signed-in user:
- the same key with the same request within REGISTRY_IDEMPOTENCY_HOURS answers the first result again (status,
  body, Content-Type, Location, ETag) with `Idempotent-Replayed: true`, and does nothing again;
- the same key with another operation or body: 422 `idempotency_key_reused`, nothing done;
- a malformed or over-long key: 400; no key: the request runs as before;
- a retry arriving while the first request runs waits for it and gets its answer (409 with Retry-After only
  after REGISTRY_IDEMPOTENCY_WAIT_SECONDS);
- successes and client errors (4xx but 429) are kept and replayed; server errors and 429 are not: the transaction that holds
  the effect and the key rolls back, and a retry runs the request again.
Requests refused before the view runs (not signed in, throttled, a body that cannot be parsed) keep nothing.

How exactly-once holds is in commons/services/idempotency.py: the key's row is claimed and locked in the
transaction that runs the view and stores its answer.
"""

import functools
import hashlib
import json
import re

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _

from commons.services.idempotency import idempotency_claim, idempotency_record
from mapping.read.errors import RegistryErrors, error

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_LENGTH = 255
# Letters, digits and -._~:+/= (UUIDs, ULIDs, base64): as a Structured Field string (quoted, as the draft
# writes it) or bare (as most clients send it). Both spellings name the same key.
KEY_CHARACTERS = r"[A-Za-z0-9._~:+/=-]"
KEY_FORMAT = re.compile(rf'"({KEY_CHARACTERS}+)"|({KEY_CHARACTERS}+)')
# The answer's headers a replay repeats; the others (Allow, Vary, cookies) are written afresh by each response.
KEPT_HEADERS = ("Content-Type", "Location", "ETag")



def idempotency_key(request):
    """The request's key, None when it sends none; 400 when it is malformed or too long."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    match = KEY_FORMAT.fullmatch(raw.strip())
    if not match:
        raise RegistryErrors([error(HEADER, "invalid_idempotency_key", _(
            "Idempotency-Key must be one key of letters, digits and -._~:+/= characters, bare or in double quotes "
            "(a random UUID is best)."))])
    key = match.group(1) or match.group(2)
    if len(key) > MAX_LENGTH:
        raise RegistryErrors([error(HEADER, "idempotency_key_too_long", _(
            "Idempotency-Key may be at most %(limit)d characters long.") % {"limit": MAX_LENGTH})])
    return key


def body_sha256(request):
    """A digest of what the body says, not of its bytes: JSON canonically (member order and spacing do not
    matter), a multipart form part by part (a browser sending a form again picks a new boundary)."""
    data = request.data
    if hasattr(data, "lists"):
        parts = [[name, "file", _file_sha256(value), value.size] if isinstance(value, UploadedFile)
                 else [name, "text", value] for name, values in sorted(data.lists()) for value in values]
        canonical = ["form", parts]
    else:
        canonical = ["json", data]
    # ensure_ascii: a lone surrogate in a JSON string is escaped rather than failing to encode.
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _file_sha256(upload):
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def idempotent(post):
    """Decorate an APIView's `post` that creates something: see the module docstring."""

    @functools.wraps(post)
    def wrapper(view, request, *args, **kwargs):
        key = idempotency_key(request)
        if key is None or not request.user.is_authenticated:
            return post(view, request, *args, **kwargs)
        fingerprint = {"method": request.method, "path": request.path, "body_sha256": body_sha256(request)}
        with transaction.atomic():
            claim = idempotency_claim(actor=request.user, key=key, **fingerprint)
            if claim.status is not None:
                return replay(claim)
            response = _first_answer(view, request, post, args, kwargs)
            if 200 <= response.status_code < 500 and response.status_code != 429:
                idempotency_record(claim=claim, status=response.status_code, body=response.content,
                                   headers={name: response[name] for name in KEPT_HEADERS if response.has_header(name)})
            else:
                # A server error keeps nothing, its effect included; nor does a 429: replaying "too many, try
                # later" after the wait would turn it into "never".
                transaction.set_rollback(True)
        return response

    return wrapper


def _first_answer(view, request, post, args, kwargs):
    """Run the view and render its answer, errors included, inside the caller's transaction."""
    try:
        with transaction.atomic():  # a failing view's writes are undone; its error answer is still kept
            response = post(view, request, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - DRF's own handling: our error format, or re-raised (a 500)
        response = view.handle_exception(exc)
    response = view.finalize_response(request, response, *args, **kwargs)
    if hasattr(response, "render"):
        response.render()
    return response


def replay(claim):
    response = HttpResponse(bytes(claim.body), status=claim.status)
    for name, value in claim.headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response
