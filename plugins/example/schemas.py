"""The example plugin's settings, as the district admin (or `tenant.toml`) gives them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from condiviso.plugin_api import Schema


class ExampleSettings(Schema):
    greeting = fields.String(
        load_default="Benvenuti nel distretto",
        validate=validate.Length(min=1, max=200, error=_l("Da 1 a 200 caratteri.")),
    )
