"""The installable web app: its manifest, its service worker (served from the site root, so that its scope is the
whole site) and the page shown offline where no copy of the page asked for was kept.

The worker's logic is a native ES module (static/js/offline/worker.js) that imports the same drafts store and
outbox as the report page; this view only hands it its configuration: what to keep for offline use, and a
version that changes whenever one of those files changes, so browsers install the new worker and drop the old
copies.
"""

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from mapping.web.context_processors import reverse_or_none
from mapping.web.templatetags.registry import module_url

THEME_COLOUR = "#0066cc"  # the header's blue (Bootstrap Italia's primary)
BACKGROUND_COLOUR = "#ffffff"
# Fingerprinted in production ({% static %}): the pages name them so, and so does the worker.
SHELL_STATIC = [
    "vendor/bootstrap-italia/css/bootstrap-italia.min.css", "css/fonts.css", "css/registry.css",
    "vendor/leaflet/leaflet.css", "vendor/leaflet-geoman/leaflet-geoman.css",
    "vendor/leaflet/leaflet.js", "vendor/leaflet-geoman/leaflet-geoman.min.js",
    "vendor/leaflet/images/marker-icon.png", "vendor/leaflet/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png", "vendor/leaflet/images/layers.png",
    "vendor/bootstrap-italia/svg/sprites.svg", "img/icons/icon-192.png",
] + [f"vendor/bootstrap-italia/fonts/{name}.woff2" for name in (
    "Titillium_Web/titillium-web-v10-latin-ext_latin-300", "Titillium_Web/titillium-web-v10-latin-ext_latin-regular",
    "Titillium_Web/titillium-web-v10-latin-ext_latin-italic", "Titillium_Web/titillium-web-v10-latin-ext_latin-600",
    "Titillium_Web/titillium-web-v10-latin-ext_latin-700", "Roboto_Mono/roboto-mono-v13-latin-ext_latin-regular",
    "Roboto_Mono/roboto-mono-v13-latin-ext_latin-700", "Lora/lora-v20-latin-ext_latin-regular",
    "Lora/lora-v20-latin-ext_latin-700",
)]
# Native ES modules, always by their plain names (see the module_url tag).
SHELL_VENDOR_MODULES = [
    "vendor/vector-tile/index.js", "vendor/point-geometry/index.js", "vendor/pbf/index.js",
] + [f"vendor/bootstrap-italia/plugins/{name}.js" for name in (
    "collapse", "base-component", "util/index", "util/config", "dom/data", "dom/event-handler", "dom/manipulator",
    "dom/selector-engine",
)]


def _own_modules():
    """Every module under static/js (a few dozen small files: the report page needs most of them)."""
    root = settings.BASE_DIR / "static"
    return sorted(str(path.relative_to(root)) for path in (root / "js").rglob("*.js"))


def _content(path):
    found = finders.find(path)
    if found:
        with open(found, "rb") as handle:
            return handle.read()
    if staticfiles_storage.exists(path):
        with staticfiles_storage.open(path) as handle:
            return handle.read()
    return b""


def kept_pages():
    """Signed-in pages kept for offline use once visited: the report flow and the list of one's reports."""
    names = ["mapping:report", "workflow:my_reports"]
    return [url for url in map(reverse_or_none, names) if url] + [reverse("mapping:offline")]


def _worker_config():
    paths = SHELL_STATIC + SHELL_VENDOR_MODULES + _own_modules()
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.encode() + b"\0" + _content(path))
    shell = [static(path) for path in SHELL_STATIC] + [module_url(path) for path in SHELL_VENDOR_MODULES + _own_modules()]
    shell += [reverse("mapping:offline"), reverse("mapping:manifest")]
    return {
        "version": digest.hexdigest()[:16],
        "shell": shell,
        "keptPages": kept_pages(),
        "offlinePage": reverse("mapping:offline"),
        "staticPrefix": settings.STATIC_URL,
        # Answers that are worth having without a signal: the municipality search, the boundaries last looked
        # at and the registry's own vector tiles. Never the base map's tiles (OpenStreetMap's tile usage policy).
        "searchPrefix": reverse("mapping:areas"),
        "boundariesPrefix": reverse("mapping:boundaries", args=["regioni"]).rsplit("/", 1)[0] + "/",
        "tilesPrefix": "/tiles/",
    }


_cached_worker_config = lru_cache(maxsize=1)(_worker_config)


@require_GET
@cache_control(no_cache=True)  # browsers check for a new worker at most once a day anyway
def service_worker(request):
    config = _worker_config() if settings.DEBUG else _cached_worker_config()
    source = (
        "// The registry's service worker: configuration from the server, logic in the imported module.\n"
        f"import {{ startWorker }} from {json.dumps(module_url('js/offline/worker.js'))};\n\n"
        f"startWorker({json.dumps(config, indent=1)});\n"
    )
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    data = {
        "id": "/",
        "name": _("BE.CO-OP · Registry of dormant commons"),
        "short_name": "BE.CO-OP",
        "description": _("The public registry of dormant commons in Italy and of the cooperatives that bring them back to life."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("mapping:home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(f"img/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
             "purpose": "any"} for size in (192, 512)
        ] + [
            {"src": static(f"img/icons/maskable-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
             "purpose": "maskable"} for size in (192, 512)
        ],
        "shortcuts": [{"name": _("Report a site"), "url": reverse("mapping:report"),
                       "icons": [{"src": static("img/icons/icon-192.png"), "sizes": "192x192"}]}],
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
def offline(request):
    return render(request, "mapping/offline.html")
