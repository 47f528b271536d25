"""The account forms (Flask-WTF: CSRF, field errors tied to their fields)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional, Regexp

NAME = [
    DataRequired(_l("Scrivi il tuo nome e cognome.")),
    Length(max=120, message=_l("Al massimo 120 caratteri.")),
    Regexp(r"^[^\x00-\x1f\x7f<>]*$", message=_l("Il nome contiene caratteri non ammessi.")),
]
EMAIL = [
    DataRequired(_l("Scrivi il tuo indirizzo e-mail.")),
    Length(max=254, message=_l("Indirizzo troppo lungo.")),
    Email(message=_l("Indirizzo e-mail non valido, per esempio nome@esempio.it.")),
]
CODICE_FISCALE = [Optional(), Length(max=16, message=_l("Il codice fiscale ha 16 caratteri."))]


def _coerce_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class RegistrationForm(FlaskForm):
    full_name = StringField(_l("Nome e cognome"), validators=NAME)
    email = EmailField(_l("E-mail"), validators=EMAIL)
    comune_id = SelectField(
        _l("Comune di residenza"),
        coerce=_coerce_int,
        validators=[InputRequired(_l("Scegli il tuo comune dall'elenco."))],
    )
    codice_fiscale = StringField(_l("Codice fiscale (facoltativo)"), validators=CODICE_FISCALE)
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Scegli una password.")), Length(max=128)]
    )
    password_confirm = PasswordField(
        _l("Ripeti la password"),
        validators=[
            DataRequired(_l("Ripeti la password.")),
            EqualTo("password", message=_l("Le due password non coincidono.")),
        ],
    )
    privacy = BooleanField(_l("Ho letto l'informativa sulla privacy"))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=EMAIL)
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Scrivi la password.")), Length(max=128)]
    )


class EmailForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=EMAIL)


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nuova password"), validators=[DataRequired(_l("Scegli una password.")), Length(max=128)]
    )
    password_confirm = PasswordField(
        _l("Ripeti la nuova password"),
        validators=[
            DataRequired(_l("Ripeti la password.")),
            EqualTo("password", message=_l("Le due password non coincidono.")),
        ],
    )


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Nome e cognome"), validators=NAME)
    email = EmailField(_l("E-mail"), validators=EMAIL)
    comune_id = SelectField(_l("Comune di residenza"), coerce=_coerce_int, validators=[Optional()])
    codice_fiscale = StringField(_l("Codice fiscale (facoltativo)"), validators=CODICE_FISCALE)
    locale = SelectField(
        _l("Lingua"),
        choices=[SelectChoice("it", "Italiano"), SelectChoice("en", "English")],
        validators=[DataRequired()],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Password attuale"),
        validators=[DataRequired(_l("Scrivi la password attuale.")), Length(max=128)],
    )
    password = PasswordField(
        _l("Nuova password"), validators=[DataRequired(_l("Scegli una password.")), Length(max=128)]
    )
    password_confirm = PasswordField(
        _l("Ripeti la nuova password"),
        validators=[
            DataRequired(_l("Ripeti la password.")),
            EqualTo("password", message=_l("Le due password non coincidono.")),
        ],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("La tua password"),
        validators=[DataRequired(_l("Scrivi la password per confermare.")), Length(max=128)],
    )
    confirm = BooleanField(
        _l("Ho capito: i miei dati saranno cancellati e non potrò recuperare l'account."),
        validators=[DataRequired(_l("Spunta la casella per confermare."))],
    )


class InvitationForm(FlaskForm):
    email = EmailField(_l("E-mail della persona da invitare"), validators=EMAIL)
    role = SelectField(_l("Ruolo"), validators=[DataRequired(_l("Scegli un ruolo."))])
    comune_ids = SelectMultipleField(
        _l("Comuni (per il personale del comune)"), coerce=_coerce_int, validators=[Optional()]
    )
    cooperative_id = StringField(
        _l("Codice della cooperativa (per il personale della cooperativa)"),
        validators=[
            Optional(),
            Regexp(r"^\d{1,9}$", message=_l("Indica il numero della cooperativa.")),
        ],
    )


class AcceptInvitationForm(FlaskForm):
    full_name = StringField(_l("Nome e cognome"), validators=NAME)
    password = PasswordField(
        _l("Scegli una password"),
        validators=[DataRequired(_l("Scegli una password.")), Length(max=128)],
    )
    password_confirm = PasswordField(
        _l("Ripeti la password"),
        validators=[
            DataRequired(_l("Ripeti la password.")),
            EqualTo("password", message=_l("Le due password non coincidono.")),
        ],
    )


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token (sign out, revoke)."""
