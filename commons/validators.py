"""Validators for Italian identifiers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ODD = {
    **dict(zip("0123456789", [1, 0, 5, 7, 9, 13, 15, 17, 19, 21])),
    **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23])),
}


def partita_iva_is_valid(value):
    """Check digit of an 11-digit partita IVA / numeric codice fiscale (Luhn variant)."""
    if not re.fullmatch(r"\d{11}", value):
        return False
    total = 0
    for index, char in enumerate(value[:10]):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == int(value[10])


def personal_codice_fiscale_is_valid(value):
    if not re.fullmatch(r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]", value):
        return False
    total = 0
    for index, char in enumerate(value[:15]):
        if index % 2 == 0:
            total += _ODD[char]
        else:
            total += int(char) if char.isdigit() else ord(char) - ord("A")
    return chr(ord("A") + total % 26) == value[15]


def validate_tax_code(value):
    """A cooperative's codice fiscale / partita IVA: 11 digits, or a 16-character personal code."""
    normalized = value.strip().upper()
    if partita_iva_is_valid(normalized) or personal_codice_fiscale_is_valid(normalized):
        return
    raise ValidationError(
        _("%(value)s is not a valid codice fiscale or partita IVA (check digit does not match)."),
        code="invalid_tax_code",
        params={"value": value},
    )
