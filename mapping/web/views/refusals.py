"""How a page answers a domain refusal (commons.errors): one status per kind of refusal, shared by the web face's
forms. The API's JSON answers are described by mapping.read.errors."""

from django.core.exceptions import PermissionDenied

from commons.errors import ConflictError, TooManyRequests

STATUS_BY_CODE = {"not_found": 404, "link_expired": 410, "too_large": 413, "too_many_pixels": 413}


def refusal_status(exc):
    if isinstance(exc, TooManyRequests):
        return 429
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, ConflictError):
        return 409
    return STATUS_BY_CODE.get(exc.code, 400)
