"""The notices an Italian public service publishes: accessibility statement, privacy notice, cookie information.

Each is written whole in each language (legal prose reads better as a page than as sentences in a .po file):
templates/legal/<name>.<language>.html, Italian when a language has no page. The facts they state (addresses,
cookie names and lifetimes, retention periods, the map's tile server) come from the settings the code uses, so
the notices change when the behaviour does.
"""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.shortcuts import render
from django.utils.translation import get_language

# When the accessibility statement was last reviewed against the pages (a self-assessment; see the template).
ACCESSIBILITY_REVIEWED = dt.date(2026, 12, 1)


def _notice(request, name, context):
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return render(request, [f"legal/{name}.{language}.html", f"legal/{name}.it.html"], {
        "operator": settings.REGISTRY_OPERATOR, **context})


def _days(seconds):
    return None if seconds is None else seconds // 86400


def accessibility(request):
    return _notice(request, "accessibility", {
        "email": settings.REGISTRY_ACCESSIBILITY_EMAIL,
        "enforcement_url": settings.REGISTRY_ACCESSIBILITY_ENFORCEMENT_URL,
        "reviewed": ACCESSIBILITY_REVIEWED,
        "site_url": settings.SITE_URL,
    })


def privacy(request):
    return _notice(request, "privacy", {
        "email": settings.REGISTRY_PRIVACY_EMAIL,
        "session_days": _days(settings.SESSION_COOKIE_AGE),
        "idempotency_hours": settings.REGISTRY_IDEMPOTENCY_HOURS,
        "log_days": settings.REGISTRY_LOG_RETENTION_DAYS,
        "backup_days": settings.REGISTRY_BACKUP_RETENTION_DAYS,
        "tile_host": urlsplit(settings.BASEMAP_TILE_URL).hostname,
        "data_licence": settings.REGISTRY_DATA_LICENCE,
    })


def cookies(request):
    """The cookies are named from the settings that name them (tests check every cookie set is listed)."""
    return _notice(request, "cookies", {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session_days": _days(settings.SESSION_COOKIE_AGE),
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_days": _days(settings.CSRF_COOKIE_AGE),
        "language_cookie": settings.LANGUAGE_COOKIE_NAME,
        "language_days": _days(settings.LANGUAGE_COOKIE_AGE),
        "messages_cookie": CookieStorage.cookie_name,
        "tile_host": urlsplit(settings.BASEMAP_TILE_URL).hostname,
        "email": settings.REGISTRY_PRIVACY_EMAIL,
    })
