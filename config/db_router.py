"""Reads on PostgreSQL streaming replicas, writes on the primary, and read-your-writes for whoever just wrote.

Set DATABASE_REPLICA_URLS (comma-separated URLs of hot standbys) and the production settings add the aliases
``replica_0``, ``replica_1``… plus this router and its middleware. Nothing changes when it is unset.

Rules, all decided per request by `PrimaryPinMiddleware`:
- only safe requests (GET, HEAD, OPTIONS) may read from a replica, and one replica serves the whole request so
  its queries see one consistent snapshot;
- every unsafe request runs entirely on the primary (its reads see the rows it just wrote), and afterwards
  pins its client to the primary for REPLICA_PIN_SECONDS — through a cookie for browsers and through the
  cache (keyed by a hash of the Authorization header) for API clients that keep no cookies — so the writer's
  next pages show its own change even if the replicas lag;
- code running outside a request (management commands, cron jobs) and anything inside a transaction on the
  primary reads from the primary;
- sessions, API tokens and the cache table (rate-limit counters) are always read from the primary: a logout
  or a revoked token must take effect at once, and counters must not lag.
"""

import hashlib
import random
from contextvars import ContextVar

import dj_database_url
from django.conf import settings
from django.db import connections

PRIMARY = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PRIMARY_ONLY_APPS = frozenset({"sessions", "authtoken", "django_cache"})
PIN_COOKIE = "beco_primary"

# The alias reads go to in the current request; None means the primary.
_read_alias = ContextVar("beco_read_alias", default=None)


def replica_databases(urls, *, conn_max_age=60, options=None):
    """DATABASES entries for the replica URLs (PostGIS engine, the primary's connection options; tests mirror
    the primary)."""
    databases = {}
    for number, url in enumerate(urls):
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
        config["ENGINE"] = "django.contrib.gis.db.backends.postgis"
        config["OPTIONS"] = {**config.get("OPTIONS", {}), **(options or {})}
        config["TEST"] = {"MIRROR": PRIMARY}
        databases[f"replica_{number}"] = config
    return databases


def replica_aliases():
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        alias = _read_alias.get()
        if alias is None or model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:  # a transaction reads what it has written
            return PRIMARY
        return alias

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas are copies of the primary: every object lives in the same database

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def _token_pin_key(request):
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    return "dbpin:" + hashlib.sha256(header.encode()).hexdigest()[:40]


class PrimaryPinMiddleware:
    """Chooses the database the request reads from (see the module docstring); must come before any
    middleware that touches the database."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.replicas = replica_aliases()
        self.pin_seconds = settings.REPLICA_PIN_SECONDS

    def __call__(self, request):
        unsafe = request.method not in SAFE_METHODS
        alias = None if unsafe or not self.replicas or self._pinned(request) else random.choice(self.replicas)
        token = _read_alias.set(alias)
        try:
            response = self.get_response(request)
        finally:
            _read_alias.reset(token)
        if unsafe and self.replicas:
            self._pin(request, response)
        return response

    def _pinned(self, request):
        if request.COOKIES.get(PIN_COOKIE):
            return True
        key = _token_pin_key(request)
        if key is None:
            return False
        from django.core.cache import cache

        return bool(cache.get(key))

    def _pin(self, request, response):
        response.set_cookie(
            PIN_COOKIE, "1", max_age=self.pin_seconds, httponly=True, samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        key = _token_pin_key(request)
        if key is not None:
            from django.core.cache import cache

            cache.set(key, 1, timeout=self.pin_seconds)
