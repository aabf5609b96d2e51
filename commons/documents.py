"""Upload safety for milestone documents: PDF only, sniffed from the bytes (never from the name or the declared
type), under settings.DOCUMENT_MAX_BYTES, stored under a random name in the `documents` storage.

`clean_pdf(upload)` returns a ContentFile to store or raises RegistryValidationError on field `file` with code
`too_large` (413) or `not_pdf`.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from commons.errors import RegistryValidationError
from commons.uploads import check_size, stored_copy

PDF_MAGIC = b"%PDF-"
# PDF readers accept a header within the first 1,024 bytes; we ask for it at the very start, which is what every
# producer writes and what leaves no room for another format's header in front (a polyglot).
EOF_WINDOW = 2048  # the %%EOF marker sits at the end, after at most a few bytes of trailing whitespace or junk


def clean_pdf(upload):
    check_size(upload, settings.DOCUMENT_MAX_BYTES, field="file", what=_("A document"))
    data = upload.read()
    if not data.startswith(PDF_MAGIC) or b"%%EOF" not in data[-EOF_WINDOW:]:
        raise RegistryValidationError(_("This file is not a PDF document."), code="not_pdf", field="file")
    return stored_copy(data, "pdf")
