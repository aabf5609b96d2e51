"""Content-Security-Policy for production (django-csp), and the pages that cannot live under the strict one.

The registry's own pages load scripts and styles only from the site itself; the one inline script (the import
map in templates/base.html) carries the per-response nonce `{{ request.csp_nonce }}`. Third-party pages that
ship inline scripts we do not control — Django's admin map widget (gis/openlayers.html) and drf-spectacular's
Swagger UI / ReDoc — get 'unsafe-inline' for scripts and styles on their own URL prefixes only.
"""

from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.conf import settings


def origin_of(url_template):
    """The CSP source for a URL template such as https://{s}.tile.example.org/{z}/{x}/{y}.png."""
    if not url_template:
        return None
    parts = urlsplit(url_template.replace("{s}", "SUBDOMAIN"))
    if not parts.scheme or not parts.netloc:
        return None  # a path on this site: covered by 'self'
    host = parts.netloc.replace("SUBDOMAIN", "*")
    return f"{parts.scheme}://{host}"


def content_security_policy(*, tile_url, media_url="", login_servers=()):
    """The CONTENT_SECURITY_POLICY setting: what the map, the report form and the dashboards need, no more."""
    images = [SELF, "data:", "blob:"]  # Leaflet and Geoman draw icons from data: and blob: URLs
    for url in (tile_url, media_url):
        source = origin_of(url)
        if source and source not in images:
            images.append(source)
    form_targets = [SELF] + [source for source in map(origin_of, login_servers) if source]
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF, NONCE],
            "style-src": [SELF],
            # Leaflet and Bootstrap Italia position elements through style attributes.
            "style-src-attr": [UNSAFE_INLINE],
            "img-src": images,
            "font-src": [SELF, "data:"],
            "connect-src": [SELF],
            "worker-src": [SELF, "blob:"],
            "object-src": [NONE],
            "base-uri": [SELF],
            "frame-ancestors": [NONE],
            # A login through an OpenID Connect gateway is a form post redirected to the gateway.
            "form-action": form_targets,
        },
    }


class RegistryCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with inline scripts/styles allowed only under CSP_RELAXED_URL_PREFIXES."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        prefixes = tuple(getattr(settings, "CSP_RELAXED_URL_PREFIXES", ()))
        if not report_only and prefixes and request.path_info.startswith(prefixes) and not parts.update:
            parts.update = {"script-src": [UNSAFE_INLINE], "style-src": [UNSAFE_INLINE], "img-src": ["https:"]}
        return parts
