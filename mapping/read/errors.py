"""One error format for the whole API, tiles and exports.

Every error answers ``{"errors": [{"field": ..., "code": ..., "message": ..., ...}]}`` with HTTP 4xx: `field`
names the parameter or body member (``null`` when the error is about the request as a whole), `code` is stable
and machine-readable, `message` is a sentence in the request's language. Some errors add members: ``hint``
(e.g. swapped latitude/longitude), ``location`` ([lon, lat] of a self-intersection), ``current_version``.
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from commons.errors import (
    ConflictError, IdempotencyKeyBusy, IdempotencyKeyReused, NotAllowed, RegistryValidationError, StaleVersionError,
    TooManyRequests,
)
from commons.search import FilterParamsError

EXTRA_MEMBERS = ("hint", "location")
SIZE_CODES = {"too_large", "too_many_pixels"}  # answered with 413


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "too_large"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy("Send If-Match with the ETag of the version you edited.")
    default_code = "if_match_required"


class RegistryErrors(exceptions.APIException):
    """Already-formatted errors (list of dicts) with a status."""

    def __init__(self, errors, status_code=status.HTTP_400_BAD_REQUEST):
        super().__init__(errors[0]["message"], errors[0]["code"])
        self.errors, self.status_code = errors, status_code


def error(field, code, message, **extra):
    return {"field": field, "code": code, "message": str(message), **extra}


def error_response(errors, status_code=400, headers=None):
    """A JSON error response for plain Django views (tiles)."""
    response = JsonResponse({"errors": errors}, status=status_code, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def registry_error_item(exc):
    extra = {key: value for key, value in (exc.params or {}).items() if key in EXTRA_MEMBERS and value}
    return error(exc.field, exc.code or "invalid", exc.messages[0], **extra)


def _django_validation_items(exc):
    if hasattr(exc, "error_dict"):
        return [error(field, e.code or "invalid", e.messages[0]) for field, items in exc.error_dict.items()
                for e in items]
    return [error(None, e.code or "invalid", e.messages[0]) for e in exc.error_list]


def flatten_detail(detail, field=None):
    """DRF error details (nested dicts/lists of ErrorDetail) as a flat list of error items."""
    if isinstance(detail, dict):
        if "code" in detail and "message" in detail:  # a geometry error raised by GeoJSONField
            extra = {key: _extra_value(key, detail[key]) for key in EXTRA_MEMBERS if key in detail}
            return [error(field, str(detail["code"]), detail["message"], **extra)]
        items = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "detail") else (f"{field}.{key}" if field else str(key))
            items.extend(flatten_detail(value, name if name is not None else field))
        return items
    if isinstance(detail, list):
        return [item for value in detail for item in flatten_detail(value, field)]
    return [error(field, getattr(detail, "code", None) or "invalid", detail)]


def _extra_value(key, value):
    if key == "location":
        return [float(part) for part in str(value).split()]
    return str(value)


def _api_exception_response(exc):
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, RegistryErrors):
        return exc.errors, exc.status_code, headers
    field = "body" if isinstance(exc, (exceptions.ParseError, PayloadTooLarge)) else None
    return flatten_detail(exc.detail, field), exc.status_code, headers


def describe_exception(exc):
    """(errors, status, headers) for a known exception, or None to let it surface as a server error."""
    if isinstance(exc, FilterParamsError):
        return exc.errors, 400, {}
    if isinstance(exc, RegistryValidationError):
        return [registry_error_item(exc)], 413 if exc.code in SIZE_CODES else 400, {}
    if isinstance(exc, DjangoValidationError):
        return _django_validation_items(exc), 400, {}
    if isinstance(exc, StaleVersionError):
        return [error(None, "stale_version", _("This site changed since you loaded it: reload and edit again."),
                      current_version=exc.current_version)], 412, {}
    if isinstance(exc, ConflictError):
        return [error(None, exc.code, exc.message)], 409, {}
    if isinstance(exc, TooManyRequests):
        return [error(exc.field, exc.code, exc.message)], 429, {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, IdempotencyKeyReused):
        return [error("Idempotency-Key", "idempotency_key_reused", _(
            "This Idempotency-Key was already used for another request: send a new key with each new request "
            "(the same key only to retry the very same request)."))], 422, {}
    if isinstance(exc, IdempotencyKeyBusy):
        return [error("Idempotency-Key", "idempotency_key_in_progress", _(
            "The first request with this Idempotency-Key is still being processed: retry in a moment."))], 409, {
            "Retry-After": str(exc.retry_after)}
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return [error(None, "not_found", _("Not found."))], 404, {}
    if isinstance(exc, NotAllowed):
        return [error(exc.field, exc.code, exc.message)], 403, {}
    if isinstance(exc, PermissionDenied):
        return [error(None, "permission_denied", _("You do not have permission to do this."))], 403, {}
    if isinstance(exc, RequestDataTooBig):
        return [error("body", "too_large", _("The request body is too large."))], 413, {}
    if isinstance(exc, TooManyFieldsSent):
        return [error(None, "too_many_fields", _("Too many parameters."))], 400, {}
    if isinstance(exc, IntegrityError):
        return [error(None, "conflict", _("This change conflicts with the current data; reload and retry."))], 409, {}
    if isinstance(exc, exceptions.APIException):
        return _api_exception_response(exc)
    return None


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every known error becomes {"errors": [...]} with its status."""
    described = describe_exception(exc)
    if described is None:
        return None
    errors, status_code, headers = described
    set_rollback()
    headers = {name: value for name, value in headers.items() if value is not None}
    return Response({"errors": errors}, status=status_code, headers=headers)


def not_found(request, exception=None):
    """handler404: JSON for the API and tiles (machines read it), the normal page for people."""
    if request.path.startswith(("/api/", "/tiles/", "/ogc/")):
        return error_response([error(None, "not_found", _("Not found."))], 404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
