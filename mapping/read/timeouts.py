"""Statement timeouts of the web process: a runaway query ends in PostgreSQL, never in a killed worker.

Three budgets (settings, milliseconds; 0 turns one off):
- REGISTRY_READ_STATEMENT_TIMEOUT_MS: every connection opened while a request runs starts under it. It is set
  once, when the connection opens (`connection_created`): with CONN_MAX_AGE a worker keeps its connection ~60 s,
  so the budget costs one round trip per connection rather than one per request (a SET per request would cost
  every tile one round trip; see bench/README.md for the figure).
- REGISTRY_WRITE_STATEMENT_TIMEOUT_MS: an unsafe request (POST, PUT, PATCH, DELETE) raises the budget of the
  primary just before its first statement and lowers it again when it ends. Nothing is sent for an unsafe
  request that never reaches the database (switching the language works while PostgreSQL is down). If the first
  statement runs inside a transaction that rolls back, PostgreSQL undoes the raise with it: the rest of that
  request runs under the read budget, stricter and never looser.
- REGISTRY_EXPORT_STATEMENT_TIMEOUT_MS: exports (mapping/read/exports.py) run under `statement_timeout(...)`.

Connections opened outside requests (management commands: migrations, imports, rebuilds; test code) get no
budget. In gunicorn's workers every connection is opened by a request.

When a budget runs out PostgreSQL cancels the statement (SQLSTATE 57014) and the connection stays usable;
mapping/read/unavailable.py answers 503 `query_timeout`.
"""

import contextlib
from contextvars import ContextVar

from django.conf import settings
from django.db import Error, connections
from django.db.backends.signals import connection_created

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SET_TIMEOUT = "SELECT set_config('statement_timeout', %s, false)"
_in_request = ContextVar("registry_in_request", default=False)


class QueryTimeout(Exception):
    """Work done for a request outside PostgreSQL's own timeout (ogr2ogr writing a GeoPackage) ran out of time."""


def _value(milliseconds):
    return f"{int(milliseconds)}ms"


def read_budget_sql():
    """(sql, params) that put a connection back under the read budget."""
    read = settings.REGISTRY_READ_STATEMENT_TIMEOUT_MS
    return (SET_TIMEOUT, [_value(read)]) if read else ("RESET statement_timeout", None)


def _start_under_read_budget(sender, connection, **kwargs):
    if _in_request.get() and settings.REGISTRY_READ_STATEMENT_TIMEOUT_MS:
        # On the psycopg connection itself: an unsafe request's wrapper must not take this for its first statement.
        connection.connection.execute(*read_budget_sql())


def _back_to_read_budget(connection):
    if connection.connection is None:
        return  # closed meanwhile: the next connection starts under the read budget anyway
    try:
        with connection.cursor() as cursor:
            cursor.execute(*read_budget_sql())
    except Error:  # DatabaseError or InterfaceError (a connection already closed)
        connection.close()  # never hand a connection with a longer budget to the next request


@contextlib.contextmanager
def statement_timeout(using, milliseconds):
    """Run the block's statements on `using` under `milliseconds` (0: no timeout), then the read budget again."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(SET_TIMEOUT, [_value(milliseconds)])
    try:
        yield
    finally:
        _back_to_read_budget(connection)


class _RaiseBeforeFirstStatement:
    """An execute wrapper (Django's hook around every statement) that raises the budget once, just in time."""

    def __init__(self, milliseconds):
        self.milliseconds, self.raised = milliseconds, False

    def __call__(self, execute, sql, params, many, context):
        if not self.raised:
            self.raised = True
            context["cursor"].execute(SET_TIMEOUT, [_value(self.milliseconds)])
        return execute(sql, params, many, context)


class StatementTimeoutMiddleware:
    """Reads under the read budget on every connection; unsafe requests under the write budget (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response
        connection_created.connect(_start_under_read_budget, dispatch_uid="registry-read-statement-timeout")

    def __call__(self, request):
        token = _in_request.set(True)
        try:
            if request.method in SAFE_METHODS:
                return self.get_response(request)
            return self._unsafe(request)
        finally:
            _in_request.reset(token)

    def _unsafe(self, request):
        connection = connections["default"]  # unsafe requests run on the primary (config/db_router.py)
        budget = _RaiseBeforeFirstStatement(settings.REGISTRY_WRITE_STATEMENT_TIMEOUT_MS)
        try:
            with connection.execute_wrapper(budget):
                return self.get_response(request)
        finally:
            if budget.raised:
                _back_to_read_budget(connection)
