"""Euro amounts at the edges: what people type ("1.234,50") read into integer cents, and cents
written back as people read them ("1.234,50 €"). Inside, money is only ever integer cents."""

from __future__ import annotations

import re

# The largest amount a form may carry: a hundred million euro, far above any district's budget.
MAX_CENTS = 100_000_000_00
# Only the digits 0-9: a digit of another script is no amount (`\d` would take them all).
_AMOUNT = re.compile(r"(?P<euros>[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,(?P<cents>[0-9]{1,2}))?")
_DOTTED = re.compile(r"(?P<euros>[0-9]+)\.(?P<cents>[0-9]{1,2})")
LONGEST_AMOUNT = 20  # characters: far more than MAX_CENTS needs


def parse_cents(text: str | None) -> int | None:
    """Cents of an amount in euro as Italians write it: "12", "12,5", "12,50", "1.234,50"
    (dots group thousands); "12.50" is also read as twelve euro fifty. None when it is not
    an amount (letters, a sign, three decimals, a float's exponent)."""
    if text is None:
        return None
    text = text.strip().removesuffix("€").strip().replace(" ", "")
    if len(text) > LONGEST_AMOUNT:
        return None
    match = _AMOUNT.fullmatch(text) or _DOTTED.fullmatch(text)
    if match is None:
        return None
    euros = int(match["euros"].replace(".", ""))
    cents = (match["cents"] or "0").ljust(2, "0")
    return euros * 100 + int(cents)


def format_cents(cents: int) -> str:
    """1250 as "12,50 €", 123450 as "1.234,50 €"."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d} €"


def plain_cents(cents: int) -> str:
    """1250 as "12,50", for exports a spreadsheet reads as a number in an Italian locale."""
    return format_cents(cents).removesuffix(" €").replace(".", "")


def format_minutes(minutes: int) -> str:
    """90 as "1 h 30 min", 120 as "2 h", -90 (a reversal) as "-1 h 30 min"."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if not rest:
        return f"{sign}{hours} h"
    return f"{sign}{hours} h {rest} min" if hours else f"{sign}{rest} min"
