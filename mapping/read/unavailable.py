"""503 + Retry-After while the database cannot answer: PostgreSQL down or restarting, or a statement past its budget.

Django wraps psycopg's errors: a refused or broken connection, a server shutting down or starting up, too many
connections, a deadlock all arrive as django.db.utils.OperationalError (or InterfaceError for a connection already
closed); a statement cancelled by its timeout is an OperationalError caused by psycopg's QueryCanceled. Every such
error is transient, so the answer is 503 with Retry-After, never a 500:
- raised by a view, its template or DRF's authentication and throttles inside it: this module's middleware
  (`process_exception`), the last in MIDDLEWARE so it sees views' errors first;
- raised by a middleware, before the view (pghistory looking up the user of an unsafe request) or after it (a
  session being saved): Django turns every error of a middleware into the answer of `handler500`, which is
  `server_error` below;
- raised by a streamed export after its first bytes: the status line is gone; the connection closes without the
  last chunk, and the client sees a truncated transfer (exports run their statement before the first byte).

Machines (the API, tiles, health, anything not asking for HTML) get the one error format, code
`database_unavailable` or `query_timeout`; browsers a page in the site's design and the request's language. Neither
touches the database: no session, no user, no navigation (every page needs the database).
"""

import logging
import sys

import psycopg
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from mapping.read.errors import error, error_response
from mapping.read.timeouts import SAFE_METHODS, QueryTimeout

logger = logging.getLogger(__name__)
UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
MACHINE_PATHS = ("/api/", "/tiles/", "/health/")
TEMPLATE = "errors/unavailable.html"


def fault_code(exc):
    """`query_timeout`, `database_unavailable`, or None for an error that is not the database's."""
    if isinstance(exc, (QueryTimeout, psycopg.errors.QueryCanceled)) or isinstance(
            getattr(exc, "__cause__", None), psycopg.errors.QueryCanceled):
        return "query_timeout"
    if isinstance(exc, UNAVAILABLE):
        return "database_unavailable"
    return None


def _message(code):
    if code == "query_timeout":
        return _("This request took longer than the registry allows and was stopped: retry in a few seconds, or "
                 "narrow the filters.")
    return _("The registry's database cannot answer at the moment: retry in a few seconds.")


def _wants_html(request):
    return not request.path.startswith(MACHINE_PATHS) and "text/html" in request.headers.get("Accept", "")


def _page(request, code):
    safe = request.method in SAFE_METHODS
    context = {
        "request": request, "csrf_token": get_token(request), "user": AnonymousUser(), "main_nav": [],
        "registry_attribution": settings.REGISTRY_ATTRIBUTION, "registry_session": {"user": None, "worker": None},
        "code": code, "retry_url": request.get_full_path() if safe else None, "unsaved": not safe,
    }
    return render_to_string(TEMPLATE, context)


def unavailable_response(request, code):
    """The 503 answer for a request the database could not serve."""
    response = None
    if _wants_html(request):
        try:
            response = HttpResponse(_page(request, code), status=503, content_type="text/html; charset=utf-8")
        except Exception:  # noqa: BLE001 - the page is a courtesy: the JSON answer below never fails
            logger.exception("the 503 page could not be rendered")
    if response is None:
        response = error_response([error(None, code, _message(code))], 503)
        if request.path.startswith("/tiles/"):
            response["Access-Control-Allow-Origin"] = "*"  # as the tiles themselves: a map elsewhere reads the 503
    response["Retry-After"] = str(settings.REGISTRY_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"  # a proxy caching tiles must not keep the outage
    return response


def _log(request, code, exc):
    cause = exc.__cause__ if isinstance(exc.__cause__, psycopg.Error) else exc
    logger.warning("%s %s answered 503 %s (%s %s)", request.method, request.path, code, cause.__class__.__name__,
                   getattr(cause, "sqlstate", None) or "")


class DatabaseUnavailableMiddleware:
    """A view's database fault becomes the 503 answer (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        code = fault_code(exception)
        if code is None:
            return None
        _log(request, code, exception)
        return unavailable_response(request, code)


def server_error(request):
    """handler500: a database fault raised by a middleware gets the 503 too; any other error stays a 500."""
    exc = sys.exc_info()[1]
    code = fault_code(exc) if exc is not None else None
    if code is None:
        return defaults.server_error(request)
    _log(request, code, exc)
    return unavailable_response(request, code)
