"""The district admin's form for a comune."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from condiviso.forms import NO_CONTROL_CHARACTERS, NO_CONTROL_CHARACTERS_IN_TEXT


class ComuneForm(FlaskForm):
    name = StringField(
        _l("Nome del comune"),
        validators=[
            DataRequired(_l("Scrivi il nome del comune.")),
            Length(max=120, message=_l("Al massimo 120 caratteri.")),
            NO_CONTROL_CHARACTERS,
        ],
    )
    istat_code = StringField(
        _l("Codice ISTAT"),
        validators=[
            DataRequired(_l("Scrivi il codice ISTAT.")),
            Regexp(r"^\d{6}$", message=_l("Il codice ISTAT è di 6 cifre.")),
        ],
    )
    contact_email = EmailField(
        _l("E-mail del comune"),
        validators=[Optional(), Length(max=254), Email(message=_l("Indirizzo e-mail non valido."))],
    )
    contact_phone = StringField(
        _l("Telefono del comune"),
        validators=[
            Optional(),
            Regexp(
                r"^\+?[0-9 ./-]{6,20}$",
                message=_l("Numero di telefono non valido (solo cifre, spazi e +)."),
            ),
        ],
    )
    social_office = TextAreaField(
        _l("Ufficio dei servizi sociali"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Al massimo 500 caratteri.")),
            NO_CONTROL_CHARACTERS_IN_TEXT,
        ],
        description=_l("Indirizzo, giorni e orari in cui l'ufficio riceve."),
    )
