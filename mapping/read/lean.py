"""The lean path: public, cookie-less, cacheable reads (vector tiles, the health check) skip the middleware they
do not need.

A tile is the same bytes for everyone: it reads no session, no user, no CSRF token and no message, and sets no
cookie. Yet through the whole MIDDLEWARE list a z14 tile spent more time in Django than in PostgreSQL
(bench/README.md, "What was built for the targets"). `LeanPathMiddleware`, right after the statement timeouts
(mapping/read/timeouts.py), hands GET and HEAD requests under REGISTRY_LEAN_PREFIXES to a second Django handler
built once per process from the rest of MIDDLEWARE less REGISTRY_LEAN_SKIPPED_MIDDLEWARE, with gzip added. That
handler is Django's own (BaseHandler: URL resolution, process_view / process_exception, handler404 / handler500),
so everything that stays applies exactly as on the full path: the security headers and the Content-Security-Policy,
the host check and Content-Length (CommonMiddleware), X-Frame-Options, the language of error messages
(LocaleMiddleware), the replica choice when there are replicas, and the 503 + Retry-After of a database fault
(DatabaseUnavailableMiddleware, still innermost). Any other request (a page, the API, a POST to a tile URL)
goes down the full list unchanged.

REGISTRY_LEAN_PATH=0 in the environment turns the lean path off (every request takes the full list), which is
also how bench/run.py measures the difference side by side.
"""

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils.cache import patch_vary_headers

LEAN_METHODS = frozenset({"GET", "HEAD"})
GZIP = "mapping.read.lean.PublicGZipMiddleware"


class PublicGZipMiddleware(GZipMiddleware):
    """Django's gzip for public answers: deterministic bytes, and a 304 names the variant the client holds.

    - No random bytes in the gzip header (Django adds up to 100 against BREACH, which recovers a secret from the
      size of compressed answers that also reflect the attacker's input): these answers hold no secret, and the
      same tile compressed twice is the same bytes, so caches and ETags stay stable.
    - The compressed variant carries a weak ETag (GZipMiddleware adds W/); a 304 (no body, never compressed) to a
      client that accepts gzip carries it weak too, as the 200 it confirms did (RFC 9110 §15.4.5).
    """

    max_random_bytes = 0

    def process_response(self, request, response):
        if response.status_code == 304:
            etag = response.get("ETag")
            if etag and etag.startswith('"') and self._accepts_gzip(request):
                response.headers["ETag"] = "W/" + etag
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        return super().process_response(request, response)

    @staticmethod
    def _accepts_gzip(request):
        return bool(re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def lean_middleware(full, dispatcher):
    """The lean handler's middleware: what follows `dispatcher` in `full`, less the skipped ones, gzip first."""
    rest = full[full.index(dispatcher) + 1:]
    skipped = set(settings.REGISTRY_LEAN_SKIPPED_MIDDLEWARE)
    return [GZIP, *(path for path in rest if path not in skipped)]


class LeanHandler(BaseHandler):
    """A Django request handler over another middleware list (BaseHandler reads settings.MIDDLEWARE)."""

    def __init__(self, middleware):
        self.middleware = list(middleware)
        full = settings.MIDDLEWARE
        # load_middleware() reads the setting once, at start-up, before any request is served.
        settings.MIDDLEWARE = self.middleware
        try:
            self.load_middleware()
        finally:
            settings.MIDDLEWARE = full


class LeanPathMiddleware:
    """Public reads under REGISTRY_LEAN_PREFIXES through `LeanHandler` (module docstring); the rest goes on."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(settings.REGISTRY_LEAN_PREFIXES) if settings.REGISTRY_LEAN_PATH else ()
        path = f"{type(self).__module__}.{type(self).__qualname__}"
        self.lean = LeanHandler(lean_middleware(list(settings.MIDDLEWARE), path)) if self.prefixes else None

    def __call__(self, request):
        if self.prefixes and request.method in LEAN_METHODS and request.path_info.startswith(self.prefixes):
            return self.lean.get_response(request)
        return self.get_response(request)
