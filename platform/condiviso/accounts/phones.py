"""Phone numbers as usernames (phonenumbers, Google's libphonenumber): read as Italian unless
they carry a country code, stored in E.164 so "333 123 4567" and "+39 3331234567" are one
person."""

from __future__ import annotations

import phonenumbers

from condiviso.validation import PHONE_NUMBER

REGION = "IT"


def normalize_phone(value: str | None) -> str | None:
    """`value` in E.164 (`+393331234567`), or None when it is not a valid phone number."""
    value = (value or "").strip()
    if not PHONE_NUMBER.match(value):
        return None
    try:
        number = phonenumbers.parse(value, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """How people write the number: `333 123 4567` at home, `+41 21 123 45 67` abroad."""
    number = phonenumbers.parse(e164, REGION)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def is_email(username: str) -> bool:
    """Whether a username was written as an e-mail address (a phone number has no @)."""
    return "@" in username
