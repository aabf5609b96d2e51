"""Rate limits on writes: 429 with Retry-After once a client writes too fast (the API, and the web forms that
write through `write_wait`).

Listed in REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"], so they cover every API view that does not set its own
`throttle_classes`, without touching the views. Reads are never counted here (tiles and lists are public and
cached by the reverse proxy). A signed-in client is counted per user, an anonymous one per address; staff are
not counted (moderation bursts are legitimate and staff accounts are few and audited).

The counters live in Django's default cache. Production settings make it a table in PostgreSQL, shared by
every worker and host, so the limit holds however many processes serve the API. Rates are read from
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] on each request (a rate of None turns a limit off, as the test
settings do), set from the environment by API_WRITE_BURST_RATE and API_WRITE_SUSTAINED_RATE.

DRF reads a client's history, decides, then writes it back: concurrent requests of one client could all read
the same history and all pass (measured: 24 of 40 concurrent reports accepted under a limit of 20). Each
check therefore holds a PostgreSQL advisory lock on the client's key for its transaction, which serialises
one client's checks across every worker and host while other clients proceed in parallel.
"""

import hashlib
import math

from django.conf import settings
from django.db import connection, transaction
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

LOCK_CLASS = 0x6265636F  # "beco": the first half of the advisory lock id, so other locks never collide


def _lock_key(key):
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)


class WriteThrottle(SimpleRateThrottle):
    scope = None

    def __init__(self):
        # The rate is resolved per request (not at import, as DRF does) so settings overrides apply.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self):
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope)

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            return True
        if self.rate is None:
            return True
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                           [LOCK_CLASS, _lock_key(self.get_cache_key(request, view))])
            return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        user = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def wait(self):
        # Whole seconds, at least one: Retry-After is an integer and 0 would invite an immediate retry.
        remaining = super().wait()
        return None if remaining is None else max(1, math.ceil(remaining))


class WriteBurstThrottle(WriteThrottle):
    """Stops floods: a person reporting sites or adding photos rarely writes more than a few times a minute."""

    scope = "write_burst"


class WriteSustainedThrottle(WriteThrottle):
    """Caps what one account or address can write in an hour, however it paces itself."""

    scope = "write_sustained"


class _Acting:
    """A request seen as coming from `user` (a re-check link stands for its person, signed in or not)."""

    def __init__(self, request, user):
        self.method, self.META, self.headers, self.user = request.method, request.META, request.headers, user


def write_wait(request, user=None):
    """For a web form that writes: None when the request may go on, else the seconds to wait (Retry-After) —
    the API's limits and counters (the same cache keys), counted per person or per address."""
    acting = _Acting(request, user if user is not None else request.user)
    for throttle_class in (WriteBurstThrottle, WriteSustainedThrottle):
        throttle = throttle_class()
        if not throttle.allow_request(acting, None):
            return throttle.wait() or 1
    return None
