"""Production: behind a TLS-terminating reverse proxy, on one or many stateless app hosts.

Everything comes from the environment (see deploy/README.md for the full list). `manage.py check --deploy`
with these settings prints no warning. The app keeps no state on its hosts: sessions, rate-limit counters and
cached payloads live in PostgreSQL, media on a shared disk or in S3-compatible storage, static files are
fingerprinted files served by WhiteNoise (and cached by the proxy).
"""

from django.core.exceptions import ImproperlyConfigured

from config.db_router import replica_databases
from config.logs import JSON_FORMATTER
from config.security import content_security_policy

from .base import *  # noqa: F401,F403
from .base import (
    BASEMAP_TILE_URL, DATABASES, DEFAULT_FROM_EMAIL, INSTALLED_APPS, MIDDLEWARE, REST_FRAMEWORK,
    SOCIALACCOUNT_PROVIDERS, STATIC_ROOT,
)
from .env import env_bool, env_int, env_list, env_str

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY")  # no default: refuse to start without a real key

# HTTPS. TLS ends at the reverse proxy, which always overwrites X-Forwarded-Proto (deploy/nginx.conf).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # probed over plain HTTP by load balancers and container runtimes
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# The basemap's tile servers (OpenStreetMap's usage policy) want to know which site asks: send the origin only.
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Cookies: HTTPS only; the session cookie is invisible to scripts. The CSRF cookie stays readable because the
# report form's script sends it back in X-CSRFToken (Django's documented AJAX pattern).
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# Client addresses (rate limits per address) come from X-Forwarded-For, counting this many proxies from the
# right. Default 1: gunicorn listens on loopback behind one reverse proxy. Never more than really exist, or
# clients could choose their own address.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": TRUSTED_PROXY_COUNT}

# Outgoing e-mail (notices, account verification) through an SMTP relay.
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# One cache shared by every worker and host, with no extra service: a table in PostgreSQL
# (`manage.py createcachetable` after migrate). It holds the API and login rate-limit counters.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": env_str("DJANGO_CACHE_TABLE", "beco_cache"),
        "TIMEOUT": 300,
        # Every write counts the table's rows, and past MAX_ENTRIES Django drops the expired entries, then a
        # quarter of the rest (rate counters included): small enough to count fast, large enough to cull rarely.
        "OPTIONS": {"MAX_ENTRIES": env_int("DJANGO_CACHE_MAX_ENTRIES", 20_000), "CULL_FREQUENCY": 4},
    }
}
# Sessions in the database (the default), written through and read from the primary (config/db_router.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Read replicas: DATABASE_REPLICA_URLS=postgis://user:pw@replica1/beco,postgis://...
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", [])
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
if DATABASE_REPLICA_URLS:
    DATABASES.update(replica_databases(DATABASE_REPLICA_URLS, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
                                       options=DATABASES["default"]["OPTIONS"]))
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
    MIDDLEWARE = list(MIDDLEWARE)
    MIDDLEWARE.insert(MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
                      "config.db_router.PrimaryPinMiddleware")

# Static files: fingerprinted and compressed at collectstatic, served by WhiteNoise with far-future caching.
STATIC_ROOT = env_str("DJANGO_STATIC_ROOT", str(STATIC_ROOT))


def _media_storage():
    kind = env_str("MEDIA_STORAGE", "local")
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}, ""
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'local' or 's3', got {kind!r}.")
    # Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or an instance role), read by boto3.
    endpoint = env_str("S3_ENDPOINT_URL", "") or None
    domain = env_str("S3_CUSTOM_DOMAIN", "") or None
    options = {
        "bucket_name": env_str("S3_BUCKET"),
        "endpoint_url": endpoint,
        "region_name": env_str("S3_REGION", "") or None,
        "custom_domain": domain,
        "location": env_str("S3_LOCATION", "media"),
        "default_acl": None,
        "file_overwrite": False,  # two uploads with one name never replace each other
        "querystring_auth": env_bool("S3_QUERYSTRING_AUTH", False),  # photos are public
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    public = f"https://{domain}" if domain else (endpoint or "https://*.amazonaws.com")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, public


_media, MEDIA_PUBLIC_ORIGIN = _media_storage()
STORAGES = {
    "default": _media,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Milestone PDFs: on S3 under their own prefix, private (signed reads by the app only), else on local disk.
    "documents": STORAGES["documents"] if _media["BACKEND"].endswith("FileSystemStorage") else {  # noqa: F405
        "BACKEND": _media["BACKEND"], "OPTIONS": {**_media["OPTIONS"], "location": env_str("S3_DOCUMENTS_LOCATION",
                                                                                          "documents"),
                                                 "querystring_auth": True, "object_parameters": {}}},
}

# Content-Security-Policy (django-csp): scripts and styles from this site only, the basemap host for images.
INSTALLED_APPS = [*INSTALLED_APPS, "csp"]
MIDDLEWARE = list(MIDDLEWARE)
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "config.security.RegistryCSPMiddleware")
_login_servers = [app["settings"]["server_url"] for app in SOCIALACCOUNT_PROVIDERS.get("openid_connect", {})
                  .get("APPS", [])]
CONTENT_SECURITY_POLICY = content_security_policy(
    tile_url=BASEMAP_TILE_URL, media_url=MEDIA_PUBLIC_ORIGIN, login_servers=_login_servers,
)
CSP_RELAXED_URL_PREFIXES = ["/admin/", "/api/v1/docs/", "/api/v1/redoc/"]

# Structured logs: one JSON object per line on stderr, for journald / docker logs / any collector.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": JSON_FORMATTER,
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
