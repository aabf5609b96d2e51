"""Domain errors carry a field, a stable machine code and a sentence for people."""

from django.core.exceptions import PermissionDenied, ValidationError


class RegistryValidationError(ValidationError):
    """A ValidationError that remembers which field it is about."""

    def __init__(self, message, *, code, field="non_field_errors", params=None):
        super().__init__(message, code=code, params=params)
        self.field = field

    def as_dict(self):
        return {self.field: [{"code": self.code, "message": self.messages[0]}]}


class NotAllowed(PermissionDenied):
    """A refusal with its own field and code (HTTP 403), where the policy's generic one would not say why."""

    def __init__(self, message, *, code, field=None):
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


class ConflictError(Exception):
    """Two people raced for the same thing and this one lost (HTTP 409)."""

    def __init__(self, message, *, code="conflict"):
        super().__init__(message)
        self.code = code
        self.message = message


class StaleVersionError(Exception):
    """The write was based on an old version of the record (HTTP 412)."""

    def __init__(self, current_version):
        super().__init__(f"stale version; current is {current_version}")
        self.current_version = current_version


class IdempotencyKeyReused(Exception):
    """An Idempotency-Key sent again with another request (operation or body): HTTP 422, nothing done."""


class IdempotencyKeyBusy(Exception):
    """The first request with this Idempotency-Key is still running after the wait allowed: HTTP 409."""

    def __init__(self, retry_after):
        super().__init__(f"still in progress; retry after {retry_after} s")
        self.retry_after = retry_after


class TooManyRequests(Exception):
    """A person wrote more than a domain rule allows in a period (HTTP 429 with Retry-After)."""

    def __init__(self, message, *, code, field=None, retry_after=60):
        super().__init__(message)
        self.code, self.field, self.message, self.retry_after = code, field, message, max(1, int(retry_after))
