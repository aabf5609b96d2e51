from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

# One URL module per face: the REST API, the vector tiles, OGC API – Features, the web pages
# (mapping/{api,tiles,ogc,web}/urls.py).
urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("health/", include("mapping.health")),
    path("api/v1/", include("mapping.api.urls")),
    path("tiles/", include("mapping.tiles.urls")),
    path("ogc/", include("mapping.ogc.urls")),
    path("", include("mapping.web.urls")),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "mapping.read.errors.not_found"
# A database fault raised by a middleware answers 503 + Retry-After (mapping/read/unavailable.py), never a 500.
handler500 = "mapping.read.unavailable.server_error"
