"""The two ways an import goes wrong: the whole run cannot start, or one row is refused."""


class ImportFailure(Exception):
    """The run cannot go on (unreadable file, unknown CRS, bad mapping): nothing is written."""

    def __init__(self, message, *, code="import_failed"):
        super().__init__(message)
        self.code = code
        self.message = message


class RowRejected(Exception):
    """One row is refused with a stable code and a sentence; it goes to the rejected-rows file."""

    def __init__(self, code, message, *, field=""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
