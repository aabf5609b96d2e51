"""Photos of a site: added by whoever may edit the site, always re-encoded without metadata."""

from commons.models import Photo, Site
from commons.photos import clean_photo
from commons.policy import require


def photo_add(*, actor, site_id, image, caption="", author=""):
    """Store a cleaned copy of `image` for a visible site that `actor` may edit (site.edit)."""
    site = Site.objects.visible().get(pk=site_id)
    require(actor, "site.edit", site=site)
    # Decoded before any row is written and outside a transaction: one INSERT follows, atomic by itself, and no
    # lock is held while Pillow works on a photo of up to PHOTO_MAX_BYTES. An upload with an Idempotency-Key runs
    # inside its request's transaction (commons.services.idempotency): the only lock held is that key's own row.
    cleaned = clean_photo(image)
    return Photo.objects.create(site=site, image=cleaned, caption=caption, author=author, uploaded_by=actor)


def photo_for_review(*, actor, site, cleaned, caption=""):
    """Store an already cleaned photo (clean_photo) sent with a confirmation: hidden until the municipality accepts
    the change it shows (commons.services.confirmations)."""
    return Photo.objects.create(site=site, image=cleaned, caption=caption[:200], uploaded_by=actor, hidden=True)
