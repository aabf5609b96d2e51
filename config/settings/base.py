"""Settings shared by every environment. Everything configurable comes from the environment."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "commons",
    "mapping",
]

MIDDLEWARE = [
    # Statement timeouts of requests (mapping/read/timeouts.py): outermost, so they cover every query.
    "mapping.read.timeouts.StatementTimeoutMiddleware",
    # Tiles and the health check on from here through a shorter list (mapping/read/lean.py).
    "mapping.read.lean.LeanPathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Groups every change of a request under one audit context carrying the user and the URL.
    "pghistory.middleware.HistoryMiddleware",
    # A database that is down or a statement that timed out: 503 + Retry-After (innermost: sees views' errors first).
    "mapping.read.unavailable.DatabaseUnavailableMiddleware",
]
# The lean path (mapping/read/lean.py): public, cookie-less, cacheable reads under these prefixes skip the
# middleware below (they read no session, user, CSRF token or message and set no cookie) and are gzip-compressed
# for clients that accept it. REGISTRY_LEAN_PATH=0 sends them down the full list (for comparisons).
REGISTRY_LEAN_PATH = env_bool("REGISTRY_LEAN_PATH", True)
REGISTRY_LEAN_PREFIXES = ["/tiles/", "/health/"]
REGISTRY_LEAN_SKIPPED_MIDDLEWARE = [
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files only
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",  # GET and HEAD are never checked
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "pghistory.middleware.HistoryMiddleware",  # unsafe methods only (PGHISTORY_MIDDLEWARE_METHODS)
]
# The audit trail's context (who, which URL) is attached to requests that can change a site. Reads never do, and
# attaching it to every statement of a read (a UUID, a JSON document and two set_config calls each) cost 0.4-0.8 ms
# per read (in-process, 1M sites: a z14 tile 2.7 -> 2.0 ms, GET /health/ 1.3 -> 0.9 ms).
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mapping.web.context_processors.registry",
            ],
            # The web face's tags live with its pages (mapping/web/), not at the app's top level.
            "libraries": {"registry": "mapping.web.templatetags.registry"},
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgis://beco@127.0.0.1:54329/beco"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        # A persistent connection left broken by a database restart is replaced at its request's first query.
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# A stopped server on a reachable host refuses at once; a host that drops packets would hold a worker for
# libpq's default of forever. 2 s is libpq's minimum (mapping/read/unavailable.py answers 503 meanwhile).
DATABASES["default"]["OPTIONS"] = {"connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 2, minimum=2),
                                   **DATABASES["default"].get("OPTIONS", {})}  # what the URL's query string says wins

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italiano")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Front-end libraries come from npm (package.json); only their built files are exposed.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/leaflet-geoman", NODE_MODULES / "@geoman-io" / "leaflet-geoman-free" / "dist"),
    ("vendor/bootstrap-italia", NODE_MODULES / "bootstrap-italia" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/ol", NODE_MODULES / "ol"),  # OpenLayers for the admin's map widget (instead of Django's CDN copy)
    # Decoders for the sites' vector tiles, loaded as native ES modules through the page's import map.
    ("vendor/vector-tile", NODE_MODULES / "@mapbox" / "vector-tile"),
    ("vendor/point-geometry", NODE_MODULES / "@mapbox" / "point-geometry"),
    ("vendor/pbf", NODE_MODULES / "pbf"),
    ("vendor/kurkle-color", NODE_MODULES / "@kurkle" / "color" / "dist"),  # chart.js's ES module imports it
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

# Geometry is stored once, in WGS84; metres come from geography casts or metric transforms.
REGISTRY_SRID = 4326
# Coordinates are written out with this many decimals (about 11 cm).
REGISTRY_COORD_PRECISION = 6
# Outlines with more vertices are refused, as the OpenStreetMap API refuses long ways.
REGISTRY_MAX_VERTICES = env_int("REGISTRY_MAX_VERTICES", 2000)
# Outlines covering more are refused (outline_too_large). The largest real dormant assets are far smaller: the
# former Ilva steelworks in Taranto cover about 15 km², Porto Marghera's industrial zone about 20 km², the Salto
# di Quirra firing range about 120 km² of land. 500 km² keeps four times that margin and still refuses what is
# drawn at regional zoom (the smallest region, Valle d'Aosta, is 3,261 km²; Roma's municipality 1,287 km²).
REGISTRY_MAX_OUTLINE_KM2 = env_int("REGISTRY_MAX_OUTLINE_KM2", 500, minimum=1)
# A cooperative's drawn territory (Cooperative.territory_area) covering more is refused (area_too_large): the largest
# region, Sicily, covers 25,707 km² in the loaded ISTAT boundaries (Piemonte 25,396). A wider territory is declared
# with the region and province selectors, which also match faster than a huge polygon.
REGISTRY_MAX_TERRITORY_KM2 = env_int("REGISTRY_MAX_TERRITORY_KM2", 26_000, minimum=1)
# Only these EPSG codes ever reach GDAL/PROJ (GDAL < 3.9 cannot sandbox spatial references).
REGISTRY_ALLOWED_IMPORT_SRIDS = [4326, 4258, 3857, 3003, 3004, 32632, 32633, 32634, 25832, 25833, 25834, 6706, 6707, 6708, 7791, 7792]

REGISTRY_BOUNDARIES_DIR = env_str("REGISTRY_BOUNDARIES_DIR", "")
REGISTRY_SNAI_DIR = env_str("REGISTRY_SNAI_DIR", "")
REGISTRY_ANBSC_FILE = env_str("REGISTRY_ANBSC_FILE", "")
REGISTRY_DATA_LICENCE = "CC BY 4.0"
REGISTRY_ATTRIBUTION = (
    "BE.CO-OP registro dei beni comuni — CC BY 4.0; "
    "Confini amministrativi: ISTAT, elaborazione Openpolis — CC BY 4.0"
)
BASEMAP_TILE_URL = env_str("BASEMAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
BASEMAP_ATTRIBUTION = env_str(
    "BASEMAP_ATTRIBUTION", "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>"
)

# GDAL < 3.9 cannot block file/network access from spatial references (gis.W001). The registry never
# passes user-supplied spatial-reference text to GDAL: only integer EPSG codes from the allow-list above.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000)
# Milestone documents (PDF): their own storage, outside MEDIA_ROOT, so no web server ever serves them as files;
# a view sends them with Content-Type, Content-Disposition and nosniff (mapping.web.views.milestones).
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
REGISTRY_DOCUMENTS_ROOT = Path(env_str("REGISTRY_DOCUMENTS_ROOT", str(BASE_DIR / "var" / "documents")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "documents": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                  "OPTIONS": {"location": REGISTRY_DOCUMENTS_ROOT, "base_url": None}},
}

# Accounts (django-allauth): e-mail login, verified e-mail required, rate-limited attempts.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("LOGIN_FAILED_RATE_LIMIT", "5/5m/key,20/m/ip"),
    "signup": "10/h/ip",
    "reset_password": "5/h/ip,3/h/key",
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env_str("ACCOUNT_DEFAULT_HTTP_PROTOCOL", "http")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "BE.CO-OP registro <noreply@beco-op.example>")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# A generic OpenID Connect login (e.g. a SPID/CIE gateway) appears when OIDC_CLIENT_ID is set.
SOCIALACCOUNT_PROVIDERS = {}
if env_str("OIDC_CLIENT_ID", ""):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [{
            "provider_id": env_str("OIDC_PROVIDER_ID", "spid-cie"),
            "name": env_str("OIDC_PROVIDER_NAME", "SPID / CIE"),
            "client_id": env_str("OIDC_CLIENT_ID"),
            "secret": env_str("OIDC_CLIENT_SECRET", ""),
            "settings": {"server_url": env_str("OIDC_SERVER_URL")},
        }]
    }

# Idempotency-Key on creating API requests (mapping/read/idempotency.py): a key answers with its first result for
# this many hours (`manage.py expire_idempotency_keys` removes older keys); a retry arriving while the first
# request still runs waits for it at most this many seconds (below gunicorn's 30 s timeout), then gets 409.
REGISTRY_IDEMPOTENCY_HOURS = env_int("REGISTRY_IDEMPOTENCY_HOURS", 24, minimum=1)
REGISTRY_IDEMPOTENCY_WAIT_SECONDS = env_int("REGISTRY_IDEMPOTENCY_WAIT_SECONDS", 20, minimum=1)

# Statement timeouts of the web process (mapping/read/timeouts.py), in milliseconds; 0 turns one off. Public reads:
# the slowest legitimate read measured at 1M sites is ~0.3 s (a live text-search tile at z5, p95), so 5 s stops a
# runaway long before gunicorn's 30 s timeout kills its worker (a killed worker's query keeps running in
# PostgreSQL). Writes and exports get longer budgets, still below gunicorn's timeout; a write may wait for an
# Idempotency-Key's first request (REGISTRY_IDEMPOTENCY_WAIT_SECONDS), so its budget must be longer than that.
# Management commands (migrations, imports, rebuilds) run without a timeout.
REGISTRY_READ_STATEMENT_TIMEOUT_MS = env_int("REGISTRY_READ_STATEMENT_TIMEOUT_MS", 5000, minimum=0)
REGISTRY_WRITE_STATEMENT_TIMEOUT_MS = env_int("REGISTRY_WRITE_STATEMENT_TIMEOUT_MS", 25000, minimum=0)
REGISTRY_EXPORT_STATEMENT_TIMEOUT_MS = env_int("REGISTRY_EXPORT_STATEMENT_TIMEOUT_MS", 25000, minimum=0)
if 0 < REGISTRY_WRITE_STATEMENT_TIMEOUT_MS <= REGISTRY_IDEMPOTENCY_WAIT_SECONDS * 1000:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("REGISTRY_WRITE_STATEMENT_TIMEOUT_MS must be longer than REGISTRY_IDEMPOTENCY_WAIT_SECONDS.")
# Retry-After (seconds) of the 503 answered while the database is unavailable or a statement ran out of time.
REGISTRY_RETRY_AFTER_SECONDS = env_int("REGISTRY_RETRY_AFTER_SECONDS", 5, minimum=1)

# The public notices (mapping/web/views/legal.py): who runs the service, where people write about accessibility
# and personal data, AgID's enforcement procedure (replace it with this site's own link from form.agid.gov.it once
# the statement is published there), and how long the operator keeps server logs (set log rotation to match).
REGISTRY_OPERATOR = env_str("REGISTRY_OPERATOR", "Legacoop · BE.CO-OP")
REGISTRY_ACCESSIBILITY_EMAIL = env_str("REGISTRY_ACCESSIBILITY_EMAIL", "accessibilita@beco-op.example")
REGISTRY_PRIVACY_EMAIL = env_str("REGISTRY_PRIVACY_EMAIL", "privacy@beco-op.example")
REGISTRY_ACCESSIBILITY_ENFORCEMENT_URL = env_str(
    "REGISTRY_ACCESSIBILITY_ENFORCEMENT_URL",
    "https://www.agid.gov.it/it/design-servizi/accessibilita/segnalazione-casi-inaccessibilita",
)
REGISTRY_LOG_RETENTION_DAYS = env_int("REGISTRY_LOG_RETENTION_DAYS", 30, minimum=1)
# Days the nightly backups are kept (deploy/systemd/beco-backup.service, deploy/cron: `find -mtime +14 -delete`).
REGISTRY_BACKUP_RETENTION_DAYS = 14

# Days before a legal instrument ends when followers and the cooperative are warned.
REGISTRY_EXPIRY_WARNING_DAYS = [90, 30]

# Ground truth (commons/freshness.py): a site confirmed on the ground less than REGISTRY_FRESH_MONTHS ago is
# fresh, more than REGISTRY_STALE_MONTHS ago stale, in between ageing (whole UTC days, calendar months).
REGISTRY_FRESH_MONTHS = env_int("REGISTRY_FRESH_MONTHS", 12, minimum=1)
REGISTRY_STALE_MONTHS = env_int("REGISTRY_STALE_MONTHS", 24, minimum=2)
if REGISTRY_STALE_MONTHS <= REGISTRY_FRESH_MONTHS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("REGISTRY_STALE_MONTHS must be greater than REGISTRY_FRESH_MONTHS.")
# Re-check e-mails (manage.py send_rechecks): their one-click links expire after this many days.
REGISTRY_RECHECK_LINK_DAYS = env_int("REGISTRY_RECHECK_LINK_DAYS", 30, minimum=1)
# Sites listed with their one-click answers in one re-check e-mail (the rest: the work queue, the site pages).
REGISTRY_RECHECK_SITES_PER_EMAIL = env_int("REGISTRY_RECHECK_SITES_PER_EMAIL", 10, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "mapping.read.errors.exception_handler",
    # Writes (unsafe methods) only; see mapping/api/throttles.py. Production shares the counters in PostgreSQL.
    "DEFAULT_THROTTLE_CLASSES": [
        "mapping.api.throttles.WriteBurstThrottle",
        "mapping.api.throttles.WriteSustainedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "write_burst": env_str("API_WRITE_BURST_RATE", "20/min"),
        "write_sustained": env_str("API_WRITE_SUSTAINED_RATE", "200/hour"),
    },
    "COERCE_DECIMAL_TO_STRING": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "BE.CO-OP registry API",
    "DESCRIPTION": "Open data on Italy's dormant commons and the cooperatives regenerating them.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One enum per domain choice set, and distinct GeoJSON `type` enums (API work).
    "ENUM_NAME_OVERRIDES": {
        "SiteKindEnum": "commons.models.sites.SiteKind",
        "SiteStatusEnum": "commons.models.sites.SiteStatus",
        "OwnershipEnum": "commons.models.sites.Ownership",
        "ConditionEnum": "commons.models.sites.Condition",
        "LocationPrecisionEnum": "commons.models.sites.LocationPrecision",
        "ProposalStatusEnum": "commons.models.proposals.ProposalStatus",
        "LegalInstrumentEnum": "commons.models.proposals.LegalInstrument",
        "ReuseCategoryEnum": "commons.models.proposals.ReuseCategory",
        "CommentKindEnum": "commons.models.consultations.CommentKind",
        "ConsultationStateEnum": "commons.models.consultations.ConsultationState",
        "FeatureTypeEnum": ["Feature"],
        "FeatureCollectionTypeEnum": ["FeatureCollection"],
    },
    # The vector tiles are a plain Django view (speed): the API work documents them in the schema.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "mapping.api.schema.add_tile_paths"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
