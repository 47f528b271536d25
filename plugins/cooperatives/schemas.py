"""What the service network accepts: the fields of a category, a cooperative and an
accreditation, each with the rule it must follow and the Italian message it breaks with.

The services load every change through these schemas, whether it comes from an admin page or
from a tenant definition; checks that need the database (a slug already taken, a comune that
does not exist) live in the services.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from stdnum.it import codicefiscale, iva

from condiviso.plugin_api import Schema, category_icons, deliverable_email

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
_MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_SEPARATORS = re.compile(r"[\s.\-/]")


class InputSchema(Schema):
    """Blank text counts as missing, and a field's `message` (metadata) replaces the generic
    required / empty / wrong-type messages, so that each field says what it expects."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            message = field.metadata.get("message")
            if message is not None:
                text = str(message)
                field.error_messages = {
                    **field.error_messages,
                    "required": text,
                    "null": text,
                    "invalid": text,
                }

    @ma.pre_load
    def _blank_is_missing(self, data: Any, **_kwargs: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        cleaned = {
            key: value.strip() if isinstance(value, str) else value for key, value in data.items()
        }
        return {key: value for key, value in cleaned.items() if value not in ("", None)}


def text(max_length: int, required: str | None = None, multiline: bool = False) -> fields.String:
    """A text field of at most `max_length` characters; `required` is the message for a
    missing value (None: optional)."""
    rules = [
        validate.Length(max=max_length, error=_l("Al massimo {max} caratteri.")),
        validate.Regexp(
            _MULTI_LINE if multiline else _ONE_LINE,
            error=_l("Il testo contiene caratteri non ammessi."),
        ),
    ]
    if required is not None:
        return fields.String(required=True, validate=rules, metadata={"message": required})
    return fields.String(load_default=None, validate=rules)


class Slug(fields.String):
    """A short identifier for addresses and imports: lower-case letters, digits and hyphens."""

    def __init__(self, max_length: int, **kwargs: Any) -> None:
        super().__init__(
            required=True,
            metadata={"message": _l("Scrivi l'identificativo.")},
            validate=[
                validate.Length(max=max_length, error=_l("Al massimo {max} caratteri.")),
                validate.Regexp(
                    SLUG,
                    error=_l(
                        "Usa solo lettere minuscole senza accenti, cifre e trattini, "
                        "per esempio famiglia-e-minori."
                    ),
                ),
            ],
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).lower()


def clean_tax_code(value: str) -> str:
    """An Italian partita IVA (11 digits) or codice fiscale (16 characters), compact and
    upper-case; `ma.ValidationError` with the reason otherwise."""
    number = _SEPARATORS.sub("", value).upper()
    if len(number) == 13 and number.startswith("IT"):
        number = number[2:]
    if len(number) == 11 and number.isdigit():
        if not iva.is_valid(number):
            raise ma.ValidationError(_("La partita IVA non è valida: controlla le 11 cifre."))
        return number
    if len(number) == 16:
        if not codicefiscale.is_valid(number):
            raise ma.ValidationError(_("Il codice fiscale non è valido: controlla i 16 caratteri."))
        return number
    raise ma.ValidationError(
        _("Scrivi la partita IVA (11 cifre) o il codice fiscale (16 caratteri).")
    )


_WEB_ADDRESS = validate.URL(schemes={"http", "https"}, require_tld=True)


def web_address(value: str) -> None:
    """An http or https address. (A function, not `validate.URL` itself: the base schema gives
    URL validators on text fields the generic wrong-type message.)"""
    try:
        _WEB_ADDRESS(value)
    except ma.ValidationError:
        raise ma.ValidationError(
            _("Indica un indirizzo web che inizia con https:// o http://.")
        ) from None


class TaxCode(fields.String):
    """A partita IVA or codice fiscale, stored compact (see `clean_tax_code`)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return clean_tax_code(super()._deserialize(value, attr, data, **kwargs))


class CategoryInput(InputSchema):
    slug = Slug(60)
    name = text(120, required=_l("Scrivi il nome della categoria."))
    name_en = text(120)
    description = text(300)
    # Only icons of the served sprite sheet (docs/decisions/0015): another would show nothing.
    icon = fields.String(
        load_default=None,
        validate=validate.OneOf(
            category_icons(),
            error=_l("Scegli una di queste icone di Bootstrap Italia: {choices}."),
        ),
    )
    position = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=9999, error=_l("Indica un numero da 0 a 9999.")),
        metadata={"message": _l("Indica un numero da 0 a 9999.")},
    )


class CooperativeFields(InputSchema):
    """A cooperative's own fields; where it works is added by the forms that load it."""

    slug = Slug(80)
    legal_name = text(200, required=_l("Scrivi la ragione sociale."))
    short_name = text(80)
    tax_code = TaxCode(
        required=True,
        metadata={
            "message": _l("Scrivi la partita IVA (11 cifre) o il codice fiscale (16 caratteri).")
        },
    )
    email = fields.String(
        load_default=None,
        validate=[
            validate.Length(max=254, error=_l("Indirizzo troppo lungo.")),
            deliverable_email,
        ],
    )
    phone = fields.String(
        load_default=None,
        validate=validate.Regexp(
            r"^\+?[0-9 ./-]{6,20}$",
            error=_l("Numero di telefono non valido (solo cifre, spazi e +)."),
        ),
    )
    website = fields.String(
        load_default=None,
        validate=[
            validate.Length(max=300, error=_l("Al massimo {max} caratteri.")),
            web_address,
        ],
    )
    address = text(300)
    description = text(5000, multiline=True)
    active = fields.Boolean(
        load_default=True, metadata={"message": _l("Deve essere vero o falso.")}
    )

    @ma.post_load
    def _normalise(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if data.get("email"):
            data["email"] = data["email"].lower()
        return data


class CooperativeInput(CooperativeFields):
    # Ids of the comuni served; the services check that each one exists.
    comuni = fields.List(fields.Raw(), load_default=list)


class AccreditationFields(InputSchema):
    """The period and notes of an accreditation; who, where and what are added by the forms."""

    valid_from = fields.Date(
        required=True,
        metadata={"message": _l("Indica la data di inizio nel formato AAAA-MM-GG.")},
    )
    valid_to = fields.Date(
        load_default=None,
        metadata={"message": _l("Indica la data di fine nel formato AAAA-MM-GG.")},
    )
    notes = text(300)

    @ma.validates_schema(skip_on_field_errors=False)
    def _ends_after_it_starts(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        start, end = data.get("valid_from"), data.get("valid_to")
        if start is not None and end is not None and end < start:
            raise ma.ValidationError(
                _("La fine della validità non può precedere l'inizio."), "valid_to"
            )


def _choice(message: str) -> fields.Integer:
    return fields.Integer(required=True, strict=True, metadata={"message": message})


class AccreditationInput(AccreditationFields):
    cooperative_id = _choice(_l("Scegli la cooperativa dall'elenco."))
    comune_id = _choice(_l("Scegli il comune dall'elenco."))
    category_id = _choice(_l("Scegli la categoria dall'elenco."))
