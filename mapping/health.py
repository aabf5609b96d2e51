"""GET /health/: 200 {"status": "ok", "database": "ok"} when the primary database answers, else 503.

For load balancers, container health checks and monitoring. It runs one trivial query with a short statement
timeout on the primary, and the same on each read replica when there are some (a failed replica is reported
but does not fail the check: the primary can still serve reads). Never cached; no details of errors leak out.
"""

import logging

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)
TIMEOUT_MS = 2000


def _probe(alias):
    try:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = %s", [TIMEOUT_MS])
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except DatabaseError as exc:
        logger.error("health check: database %s unavailable: %s", alias, exc.__class__.__name__)
        connections[alias].close_if_unusable_or_obsolete()
        return "unavailable"


@never_cache
@require_safe
def health(request):
    database = _probe("default")
    body = {"status": "ok" if database == "ok" else "error", "database": database}
    replicas = {alias: _probe(alias) for alias in connections.settings if alias.startswith("replica_")}
    if replicas:
        body["replicas"] = replicas
    if database == "ok":
        return JsonResponse(body)
    response = JsonResponse(body, status=503)
    response["Retry-After"] = str(settings.REGISTRY_RETRY_AFTER_SECONDS)  # as every answer during an outage
    return response


# Included by config/urls.py at /health/.
urlpatterns = [path("", health, name="health")]
