"""The care-plans plugin's per-tenant settings; the schema is also the settings form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from condiviso.plugin_api import Schema

DEFAULT_REMINDER_DAYS = 7


class CarePlansSettings(Schema):
    reminder_days = fields.Integer(
        load_default=DEFAULT_REMINDER_DAYS,
        validate=validate.Range(min=0, max=60, error=_l("Da 0 a 60 giorni.")),
        metadata={
            "label": _l("Giorni di anticipo del promemoria di revisione"),
            "description": _l(
                "L'operatore riceve un'e-mail quando la revisione di un suo piano è entro "
                "questi giorni (0: il giorno stesso)."
            ),
        },
    )
