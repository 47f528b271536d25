"""The base of every marshmallow schema: field errors in the user's language, and errors
flattened to `field.sub.field -> [messages]` so forms, the CLI and JSON show them the same way;
and the patterns free text and phone numbers are checked against."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from marshmallow import fields, validate

from condiviso.errors import InvalidInput

# Control characters free text never carries (line breaks and tabs are text).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A phone number as people write it: digits, spaces, dots, slashes, dashes, a leading +.
PHONE_NUMBER = re.compile(r"^\+?[0-9 ./-]{6,20}$")


def _type_messages() -> list[tuple[type[fields.Field], str]]:
    # Most specific first: Email is a String, Integer is a Number.
    return [
        (fields.Email, _("Indirizzo e-mail non valido.")),
        (fields.URL, _("Indirizzo web non valido: deve iniziare con https:// o http://.")),
        (fields.Integer, _("Deve essere un numero intero.")),
        (fields.Number, _("Deve essere un numero.")),
        (fields.Boolean, _("Deve essere vero o falso.")),
        (fields.String, _("Deve essere un testo.")),
        (fields.List, _("Deve essere un elenco.")),
        (fields.Nested, _("Dati non validi.")),
        (fields.Mapping, _("Dati non validi.")),
        (fields.DateTime, _("Data e ora non valide.")),
        (fields.Date, _("Data non valida (usa il formato AAAA-MM-GG).")),
    ]


def _localize(field: fields.Field) -> None:
    messages = {
        "required": _("Campo obbligatorio."),
        "null": _("Il campo non può essere vuoto."),
        "validator_failed": _("Valore non valido."),
    }
    for field_type, message in _type_messages():
        if isinstance(field, field_type):
            messages["invalid"] = message
            break
    if isinstance(field, fields.String):
        messages["invalid_utf8"] = _("Il testo contiene caratteri non validi.")
    field.error_messages = {**field.error_messages, **messages}
    # Email and URL fields validate through validators built with the English message.
    if isinstance(field, fields.Email | fields.URL):
        for validator in getattr(field, "validators", ()):
            if isinstance(validator, validate.Email | validate.URL):
                validator.error = messages["invalid"]
    inner = getattr(field, "inner", None)
    if isinstance(inner, fields.Field):
        _localize(inner)


class Schema(ma.Schema):
    """A marshmallow schema whose default messages speak the user's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages = {
            **self.error_messages,
            "unknown": _("Campo non previsto."),
            "type": _("Dati non validi: è atteso un insieme di campi."),
        }
        for field in self.fields.values():
            _localize(field)


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict as `{"a.0.b": ["message", ...]}`."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = str(key) if key != "_schema" else ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name or "_schema")
            flat.update(flatten_errors(value, path))
        return flat
    if isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": [str(m) for m in messages]}
        flat = {}
        for item in messages:
            flat.update(flatten_errors(item, prefix))
        return flat
    return {prefix or "_schema": [str(messages)]}


def load_or_raise(schema: ma.Schema, data: Any) -> Any:
    """`schema.load(data)`, turning a ValidationError into `InvalidInput` with flat field errors."""
    try:
        return schema.load(data)
    except ma.ValidationError as error:
        raise InvalidInput(flatten_errors(error.messages)) from None


def deliverable_email(address: str) -> None:
    """The same e-mail check as the HTML forms (email-validator), for schemas: an address a
    form would refuse must not get into the database through another door."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise ma.ValidationError(_("Indirizzo e-mail non valido.")) from None


def clean_text(
    data: Mapping[str, Any], field: str, errors: dict, max_length: int, required: bool = False
) -> str | None:
    """`data[field]` as trimmed free text, or None when empty; a problem goes into
    `errors[field]` (a missing required value, too long, control characters)."""
    value = data.get(field)
    value = value.strip() if isinstance(value, str) else None
    if not value:
        if required:
            errors[field] = [_("Campo obbligatorio.")]
        return None
    if not is_free_text(value, max_length):
        errors[field] = [too_long_or_controlled(max_length)]
        return None
    return value


def is_free_text(value: str, max_length: int) -> bool:
    """Whether `value` is free text of at most `max_length` characters without control
    characters (line breaks and tabs are text)."""
    return len(value) <= max_length and not CONTROL_CHARACTERS.search(value)


def too_long_or_controlled(max_length: int) -> str:
    """The message for free text that is too long or carries control characters."""
    return _("Al massimo %(n)d caratteri, senza caratteri di controllo.", n=max_length)


def whole_number(text: Any, max_digits: int = 9) -> int | None:
    """`text` as a whole number when it is one written in ASCII digits (at most `max_digits`),
    else None: `"²".isdigit()` is true and `int("²")` fails, so `isdigit` never guards `int`."""
    if isinstance(text, str) and re.fullmatch(rf"[0-9]{{1,{max_digits}}}", text):
        return int(text)
    return None
