"""Photo upload for a site: multipart, size-checked before parsing, re-encoded before storing."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from commons.models import Site
from commons.services.photos import photo_add
from mapping.read.errors import PayloadTooLarge
from mapping.api.schema import error_responses
from mapping.api.serializers import PhotoInputSerializer, PhotoSerializer
from mapping.api.views.base import AUTHENTICATION, can_edit_site

# Room for the multipart envelope and the caption around the photo itself.
MULTIPART_SLACK = 64 * 1024


class SitePhotoCreate(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="sites_photos_create", summary="Add a photo (re-encoded, metadata removed)",
                   request={"multipart/form-data": PhotoInputSerializer},
                   responses={201: PhotoSerializer, **error_responses(400, 401, 403, 404, 413, 415)})
    def post(self, request, pk):
        site = get_object_or_404(Site.objects.visible(), pk=pk)
        if not can_edit_site(request.user, site):  # before the body is read; photo_add checks again
            raise PermissionDenied(_("Only the person who reported this site, or staff, can add photos."))
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit() or int(declared) > settings.PHOTO_MAX_BYTES + MULTIPART_SLACK:
            raise PayloadTooLarge(_("A photo may be at most %(limit)d MB.") % {
                "limit": settings.PHOTO_MAX_BYTES // (1024 * 1024)})
        serializer = PhotoInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        photo = photo_add(actor=request.user, site_id=site.pk, image=data["image"], caption=data.get("caption", ""),
                          author=data.get("author", ""))
        return Response(PhotoSerializer(photo, context={"request": request}).data, status=201)
