"""Photo uploads: re-encoded JPEG without EXIF (U3), pixel floods refused from the header (U1), non-images (U2)."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from commons.models import Photo
from tests.factories import SiteFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def jpeg_with_gps():
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (41.0, 53.0, 24.0), 1: "N", 4: (12.0, 29.0, 32.0), 3: "E"}  # GPSInfo
    exif[0x010F] = "SpyCam"  # Make
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue() + b"<script>alert(1)</script>"  # a polyglot tail


def png_header_only(width, height):
    """A tiny PNG claiming huge dimensions (a pixel flood: 12 KB on disk, hundreds of megapixels)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 12000)) + \
        chunk(b"IEND", b"")


def upload(client, site, content, name="photo.jpg", **extra):
    return client.post(f"/api/v1/sites/{site.pk}/photos/",
                       {"image": SimpleUploadedFile(name, content), **extra}, format="multipart")


def test_a_photo_is_re_encoded_without_exif_or_appended_bytes(reporter_client, reporter, media):
    site = SiteFactory(reporter=reporter)
    response = upload(reporter_client, site, jpeg_with_gps(), caption="Facciata", author="M. Rossi")
    assert response.status_code == 201, response.content
    photo = Photo.objects.get()
    stored = (media / photo.image.name).read_bytes()
    assert b"<script>" not in stored and b"SpyCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not image.getexif() and 0x8825 not in image.getexif()
    assert response.json()["width"] == 64 and response.json()["caption"] == "Facciata"
    detail = reporter_client.get(f"/api/v1/sites/{site.pk}/").json()
    assert detail["properties"]["photos"][0]["url"].endswith(photo.image.url)


@pytest.mark.parametrize("megapixels", [100, 400])
def test_pixel_floods_are_refused_before_decoding(reporter_client, reporter, megapixels):
    site = SiteFactory(reporter=reporter)
    side = int((megapixels * 1_000_000) ** 0.5)
    response = upload(reporter_client, site, png_header_only(side, side), name="flood.png")
    assert response.status_code == 413
    assert response.json()["errors"][0] | {"message": ""} == {"field": "image", "code": "too_many_pixels",
                                                              "message": ""}
    assert not Photo.objects.exists()


@pytest.mark.parametrize("content, name", [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "evil.jpg"),
    (b"just text", "notes.jpg"),
    (b"GIF89a" + b"\0" * 100, "anim.jpg"),
])
def test_files_that_are_not_photos_are_refused(reporter_client, reporter, content, name):
    site = SiteFactory(reporter=reporter)
    response = upload(reporter_client, site, content, name=name)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "invalid_image"
    assert not Photo.objects.exists()


def test_oversize_photos_get_413(reporter_client, reporter, settings):
    settings.PHOTO_MAX_BYTES = 50_000
    site = SiteFactory(reporter=reporter)
    response = upload(reporter_client, site, b"\xff\xd8" + b"0" * 200_000)
    assert response.status_code == 413 and response.json()["errors"][0]["code"] == "too_large"
    assert not Photo.objects.exists()


def test_only_the_reporter_or_staff_add_photos(reporter_client, api_client):
    site = SiteFactory(reporter=UserFactory())
    assert upload(reporter_client, site, jpeg_with_gps()).status_code == 403
    assert upload(api_client, site, jpeg_with_gps()).status_code == 401
    assert not Photo.objects.exists()
