from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("health/", include("mapping.health")),
    path("api/v1/", include("mapping.api.urls")),
    path("api/v1/", include("mapping.api.workflow_urls")),
    path("tiles/", include("mapping.tile_urls")),
    path("", include("mapping.workflow_urls")),
    path("", include("mapping.opendata_urls")),
    path("", include("mapping.urls")),
] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "mapping.api.errors.not_found"
