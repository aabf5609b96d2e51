"""What every upload goes through before anything reads it (photos: commons.photos; PDFs: commons.documents):
the size limit from the upload's own size, a stored name the uploader does not choose."""

import uuid

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from commons.errors import RegistryValidationError


def check_size(upload, limit, *, field, what):
    """Refuse (code `too_large`, answered 413) an upload over `limit` bytes before reading it."""
    if upload.size > limit:
        raise RegistryValidationError(_("%(what)s may be at most %(limit)d MB.") % {
            "what": what, "limit": limit // (1024 * 1024)}, code="too_large", field=field)
    upload.seek(0)


def stored_copy(data, extension):
    """The bytes to store under a random name: nothing of the uploaded file name reaches the storage."""
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}")
