"""Reading cell values the way Italian offices write them: decimal commas, thousands dots, 'n.d.'."""

import math
import re

# Cells that mean "no value" in the inventories we have seen.
MISSING = {"", "null", "none", "nan", "na", "n/a", "n.a.", "nd", "n.d.", "-", "--", "?"}
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def is_missing(value):
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in MISSING


def text(value):
    """A cell as trimmed text ('' when missing); non-breaking and repeated spaces collapse to one."""
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())  # str.split() also splits on non-breaking spaces


def parse_number(value, *, decimal=None):
    """A float from 12.5, '12,5', '1.234,5', '1,234.5' or '1 234,5'; None when missing; ValueError when not a number.

    `decimal` forces the decimal separator ('.' or ','); otherwise the last of '.'/',' in the cell is the
    decimal separator when both appear, and a lone ',' is a decimal comma (a lone '.' a decimal point).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(value)
        return float(value)
    if is_missing(value):
        return None
    raw = str(value).strip().replace("\xa0", "").replace(" ", "").replace("'", "")
    separator = decimal or _guess_decimal(raw)
    thousands = "." if separator == "," else ","
    if not _grouped_by_thousands(raw.split(separator)[0], thousands) or raw.count(separator) > 1:
        raise ValueError(value)
    cleaned = raw.replace(thousands, "").replace(separator, ".")
    if not _NUMBER.match(cleaned):
        raise ValueError(value)
    number = float(cleaned)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _grouped_by_thousands(integer_part, thousands):
    """'1.234.567' is grouped by thousands, '12,5,6' is not (and is no number)."""
    groups = integer_part.lstrip("+-").split(thousands)
    return len(groups) == 1 or (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]))


def _guess_decimal(raw):
    if "," in raw and "." in raw:
        return "," if raw.rfind(",") > raw.rfind(".") else "."
    if raw.count(".") > 1:  # 1.234.567: dots group thousands
        return ","
    if raw.count(",") == 1:
        return ","
    return "."
