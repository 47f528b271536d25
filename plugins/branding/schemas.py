"""The branding plugin's per-tenant settings."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from condiviso.validation import Schema
from plugins.branding.contrast import AA_NORMAL_TEXT, contrast_ratio

DEFAULT_PRIMARY_COLOR = "#0066cc"
_SAFE_LINK = r"^(https?://[^\s<>\"']+|/[^\s<>\"']*)$"
_PLAIN_TEXT = r"^[^\x00-\x1f\x7f<>]*$"


class FooterLink(Schema):
    label = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=80, error=_l("Da 1 a 80 caratteri.")),
            validate.Regexp(_PLAIN_TEXT, error=_l("Caratteri non ammessi.")),
        ],
    )
    url = fields.String(
        required=True,
        validate=[
            validate.Length(max=500, error=_l("Al massimo 500 caratteri.")),
            validate.Regexp(
                _SAFE_LINK,
                error=_l("Indica un indirizzo che inizia con https://, http:// oppure /."),
            ),
        ],
    )


class Contacts(Schema):
    email = fields.Email(load_default=None)
    pec = fields.Email(load_default=None)
    phone = fields.String(
        load_default=None,
        validate=validate.Regexp(
            r"^\+?[0-9 ./-]{6,20}$",
            error=_l("Numero di telefono non valido (solo cifre, spazi e +)."),
        ),
    )
    address = fields.String(
        load_default=None,
        validate=[
            validate.Length(max=200, error=_l("Al massimo 200 caratteri.")),
            validate.Regexp(_PLAIN_TEXT, error=_l("Caratteri non ammessi.")),
        ],
    )
    hours = fields.String(
        load_default=None,
        validate=[
            validate.Length(max=200, error=_l("Al massimo 200 caratteri.")),
            validate.Regexp(_PLAIN_TEXT, error=_l("Caratteri non ammessi.")),
        ],
    )


class BrandingSettings(Schema):
    display_name = fields.String(
        load_default=None,
        validate=[
            validate.Length(min=1, max=120, error=_l("Da 1 a 120 caratteri.")),
            validate.Regexp(_PLAIN_TEXT, error=_l("Caratteri non ammessi.")),
        ],
    )
    primary_color = fields.String(
        load_default=DEFAULT_PRIMARY_COLOR,
        validate=validate.Regexp(
            r"^#[0-9a-fA-F]{6}$",
            error=_l("Indica un colore nel formato #RRGGBB, per esempio #0066CC."),
        ),
    )
    footer_links = fields.List(
        fields.Nested(FooterLink),
        load_default=list,
        validate=validate.Length(max=12, error=_l("Al massimo 12 collegamenti.")),
    )
    contacts = fields.Nested(Contacts, load_default=dict)
    # The SHA-256 of the current logo in the tenant's storage; set by importing a logo.
    logo = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[0-9a-f]{64}$", error=_l("Riferimento al logo non valido.")),
    )

    @ma.validates("primary_color")
    def _readable_on_white(self, value: str, **_kwargs: Any) -> None:
        ratio = contrast_ratio(value, "#ffffff")
        if ratio < AA_NORMAL_TEXT:
            raise ma.ValidationError(
                _(
                    "Il colore %(color)s ha un contrasto di %(ratio)s:1 con il testo bianco; per "
                    "essere leggibile (WCAG AA) serve almeno 4,5:1. Scegli una tonalità più scura.",
                    color=value,
                    ratio=f"{ratio:.1f}".replace(".", ","),
                )
            )

    @ma.post_load
    def _normalise(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        data["primary_color"] = data["primary_color"].lower()
        data["contacts"] = {k: v for k, v in (data.get("contacts") or {}).items() if v}
        return data
