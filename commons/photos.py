"""Upload safety for photos: size and pixel limits checked from the header, then a clean re-encode without
metadata. Domain, not a face: `commons.services.photos.photo_add` runs it for every write path.

`clean_photo(upload)` returns a ContentFile holding a fresh JPEG (EXIF, GPS, comments and anything appended to
the original are gone) or raises RegistryValidationError with code `too_large` (bytes), `too_many_pixels`
(refused before a pixel is decoded) or `invalid_image`.
"""

import io
import warnings

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from commons.errors import RegistryValidationError
from commons.uploads import check_size, stored_copy

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 4096  # stored photos are at most this many pixels on their longer side
JPEG_QUALITY = 85


def _error(code, message, **params):
    return RegistryValidationError(message, code=code, field="image", params=params or None)


def clean_photo(upload):
    check_size(upload, settings.PHOTO_MAX_BYTES, field="image", what=_("A photo"))
    try:
        data = _reencode(upload)
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _error("invalid_image", _("This file is not a JPEG, PNG or WebP photo.")) from None
    return stored_copy(data, "jpg")


def _reencode(upload):
    with warnings.catch_warnings():
        # Our own pixel limit (in _check_header) is stricter than Pillow's warning threshold.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(upload) as image:  # reads the header only
            _check_header(image)
            image = ImageOps.exif_transpose(image)  # keep the visible orientation once EXIF is dropped
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            output = io.BytesIO()
            image.save(output, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return output.getvalue()


def _check_header(image):
    if image.format not in ACCEPTED_FORMATS:
        raise _error("invalid_image", _("This file is not a JPEG, PNG or WebP photo."))
    width, height = image.size
    if width * height > settings.PHOTO_MAX_PIXELS:
        raise _too_many_pixels()


def _too_many_pixels():
    return _error("too_many_pixels", _("A photo may have at most %(limit)d megapixels.") % {
        "limit": settings.PHOTO_MAX_PIXELS // 1_000_000})
