"""photo_add called directly: the policy decides (site.edit) and every stored photo is the cleaned copy."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from commons.errors import RegistryValidationError
from commons.models import Photo
from commons.services.photos import photo_add
from tests.factories import SiteFactory, UserFactory, staff_user, verified_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def jpeg():
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    Image.new("RGB", (32, 24), "blue").save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue())


@pytest.mark.parametrize("actor", [lambda: None, UserFactory, verified_user, lambda: staff_user("015146")],
                         ids=["none", "unverified_e_mail", "another_citizen", "staff_outside"])
def test_photo_add_refuses_an_actor_who_may_not_edit_the_site(actor):
    site = SiteFactory(reporter=verified_user())
    with pytest.raises(PermissionDenied):
        photo_add(actor=actor(), site_id=site.pk, image=jpeg())
    assert not Photo.objects.exists()


def test_the_reporter_adds_a_re_encoded_photo_without_metadata(media):
    reporter = verified_user()
    site = SiteFactory(reporter=reporter)
    photo = photo_add(actor=reporter, site_id=site.pk, image=jpeg(), caption="Facciata")
    stored = (media / photo.image.name).read_bytes()
    assert b"SpyCam" not in stored and photo.image.name.endswith(".jpg") and "IMG_0001" not in photo.image.name
    assert (photo.width, photo.height, photo.caption, photo.uploaded_by) == (32, 24, "Facciata", reporter)


def test_a_file_that_is_not_a_photo_is_refused_by_the_service():
    reporter = verified_user()
    site = SiteFactory(reporter=reporter)
    with pytest.raises(RegistryValidationError) as error:
        photo_add(actor=reporter, site_id=site.pk, image=SimpleUploadedFile("x.jpg", b"<html>"))
    assert error.value.code == "invalid_image" and not Photo.objects.exists()
