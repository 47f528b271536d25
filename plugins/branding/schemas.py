"""The branding plugin's per-tenant settings; the schema is also the settings form."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from condiviso.plugin_api import Schema
from plugins.branding.contrast import AA_NORMAL_TEXT, contrast_ratio

DEFAULT_PRIMARY_COLOR = "#0066cc"
_SAFE_LINK = r"^(https?://[^\s<>\"']+|/[^\s<>\"']*)$"
_PLAIN_TEXT = r"^[^\x00-\x1f\x7f<>]*$"


def _text(max_length: int, **metadata: Any) -> fields.String:
    return fields.String(
        load_default=None,
        metadata=metadata,
        validate=[
            validate.Length(max=max_length, error=_l("Al massimo {max} caratteri.")),
            validate.Regexp(_PLAIN_TEXT, error=_l("Caratteri non ammessi.")),
        ],
    )


class Link(Schema):
    label = fields.String(
        required=True,
        metadata={"label": _l("Testo del collegamento")},
        validate=[
            validate.Length(min=1, max=80, error=_l("Da 1 a 80 caratteri.")),
            validate.Regexp(_PLAIN_TEXT, error=_l("Caratteri non ammessi.")),
        ],
    )
    url = fields.String(
        required=True,
        metadata={"label": _l("Indirizzo"), "widget": "url"},
        validate=[
            validate.Length(max=500, error=_l("Al massimo 500 caratteri.")),
            validate.Regexp(
                _SAFE_LINK,
                error=_l("Indica un indirizzo che inizia con https://, http:// oppure /."),
            ),
        ],
    )


FooterLink = Link


class Contacts(Schema):
    email = fields.Email(load_default=None, metadata={"label": _l("E-mail")})
    pec = fields.Email(load_default=None, metadata={"label": _l("PEC")})
    phone = fields.String(
        load_default=None,
        metadata={"label": _l("Telefono")},
        validate=validate.Regexp(
            r"^\+?[0-9 ./-]{6,20}$",
            error=_l("Numero di telefono non valido (solo cifre, spazi e +)."),
        ),
    )
    address = _text(200, label=_l("Indirizzo"))
    hours = _text(200, label=_l("Orari di apertura"))


class BrandingSettings(Schema):
    display_name = fields.String(
        load_default=None,
        metadata={
            "label": _l("Nome del portale"),
            "description": _l("Se vuoto si usa il nome del distretto."),
        },
        validate=[
            validate.Length(min=1, max=120, error=_l("Da 1 a 120 caratteri.")),
            validate.Regexp(_PLAIN_TEXT, error=_l("Caratteri non ammessi.")),
        ],
    )
    primary_color = fields.String(
        load_default=DEFAULT_PRIMARY_COLOR,
        metadata={
            "label": _l("Colore principale"),
            "widget": "color",
            "description": _l(
                "Nel formato #RRGGBB. Deve essere abbastanza scuro da "
                "rendere leggibile il testo bianco (WCAG AA)."
            ),
        },
        validate=validate.Regexp(
            r"^#[0-9a-fA-F]{6}$",
            error=_l("Indica un colore nel formato #RRGGBB, per esempio #0066CC."),
        ),
    )
    sender_name = _text(
        120,
        label=_l("Mittente delle e-mail"),
        description=_l("Il nome che le persone vedono nelle e-mail del portale."),
    )
    reply_to = fields.Email(
        load_default=None,
        metadata={
            "label": _l("Indirizzo per le risposte"),
            "description": _l("Dove arrivano le risposte alle e-mail del portale."),
        },
    )
    header_links = fields.List(
        fields.Nested(Link),
        load_default=list,
        metadata={
            "label": _l("Collegamenti nel menu"),
            "row_label": _l("Collegamento"),
            "extra_rows": 1,
        },
        validate=validate.Length(max=6, error=_l("Al massimo 6 collegamenti.")),
    )
    footer_links = fields.List(
        fields.Nested(Link),
        load_default=list,
        metadata={"label": _l("Collegamenti a piè di pagina"), "row_label": _l("Collegamento")},
        validate=validate.Length(max=12, error=_l("Al massimo 12 collegamenti.")),
    )
    contacts = fields.Nested(Contacts, load_default=dict, metadata={"label": _l("Contatti")})
    # The SHA-256 of the current logo in the tenant's storage; set by uploading a logo.
    logo = fields.String(
        load_default=None,
        metadata={"form": False},
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
