"""What goes into a spreadsheet's cell from the vouchers' exports (statements, movements): text
a spreadsheet never reads as a formula and an XLSX can hold, euro as exact numbers."""

from __future__ import annotations

import re
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EURO_FORMAT = "#,##0.00 €"
DAY_FORMAT = "DD/MM/YYYY"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutral(text: str | None) -> str:
    """Text for a cell, never read as a formula (an apostrophe before = + - @ tab return)."""
    text = text or ""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def cell_text(text: str | None) -> str:
    """Neutral text without the control characters an XLSX cannot hold."""
    return _ILLEGAL.sub("", neutral(text))


def euro(cents: int) -> Decimal:
    """Cents as a number of euro for a spreadsheet cell, exactly."""
    return Decimal(cents) / 100
