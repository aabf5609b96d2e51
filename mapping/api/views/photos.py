"""Photo upload for a site: multipart, size-checked before parsing, re-encoded before storing."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from commons.models import Site
from commons.services.photos import photo_add
from mapping.api.schema import IDEMPOTENCY_KEY, IDEMPOTENCY_RESPONSES
from mapping.read.idempotency import idempotent
from mapping.api.parsers import PhotoMultiPartParser
from mapping.api.schema import error_responses
from mapping.api.serializers import PhotoInputSerializer, PhotoSerializer
from mapping.api.views.base import AUTHENTICATION, can_edit_site


class SitePhotoCreate(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    parser_classes = [PhotoMultiPartParser]  # the size limit is checked before the body is read

    @extend_schema(operation_id="sites_photos_create", summary="Add a photo (re-encoded, metadata removed)",
                   parameters=[IDEMPOTENCY_KEY], request={"multipart/form-data": PhotoInputSerializer},
                   responses={201: PhotoSerializer, **error_responses(400, 401, 403, 404, 413, 415),
                              **IDEMPOTENCY_RESPONSES})
    @idempotent
    def post(self, request, pk):
        site = get_object_or_404(Site.objects.visible(), pk=pk)
        # Before the body is read (unless an Idempotency-Key's fingerprint needed it first); photo_add checks again.
        if not can_edit_site(request.user, site):
            raise PermissionDenied(_("Only the person who reported this site, or staff, can add photos."))
        serializer = PhotoInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        photo = photo_add(actor=request.user, site_id=site.pk, image=data["image"], caption=data.get("caption", ""),
                          author=data.get("author", ""))
        return Response(PhotoSerializer(photo, context={"request": request}).data, status=201)
