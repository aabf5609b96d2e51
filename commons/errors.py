"""Domain errors carry a field, a stable machine code and a sentence for people."""

from django.core.exceptions import ValidationError


class RegistryValidationError(ValidationError):
    """A ValidationError that remembers which field it is about."""

    def __init__(self, message, *, code, field="non_field_errors", params=None):
        super().__init__(message, code=code, params=params)
        self.field = field

    def as_dict(self):
        return {self.field: [{"code": self.code, "message": self.messages[0]}]}


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
