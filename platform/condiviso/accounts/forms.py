"""The account forms (Flask-WTF: CSRF, field errors tied to their fields)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from condiviso.accounts.phones import normalize_phone
from condiviso.forms import NO_CONTROL_CHARACTERS
from condiviso.validation import PHONE_NUMBER

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
    privacy = BooleanField(_l("Ho letto l'informativa sulla privacy"))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=EMAIL)
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Scrivi la password.")), Length(max=128)]
    )


class EmailForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=EMAIL)


def _email_or_phone(_form, field) -> None:
    """An e-mail address, or a phone number for people registered at a desk without one."""
    value = (field.data or "").strip()
    if "@" in value:
        Email(message=_l("Indirizzo e-mail non valido, per esempio nome@esempio.it."))(_form, field)
    elif not PHONE_NUMBER.match(value):
        raise ValidationError(
            _l("Scrivi un indirizzo e-mail (nome@esempio.it) o un numero di telefono (solo cifre).")
        )


USERNAME = [
    DataRequired(_l("Scrivi il tuo indirizzo e-mail o il tuo numero di telefono.")),
    Length(max=254, message=_l("Al massimo 254 caratteri.")),
    _email_or_phone,
]


class DistrictLoginForm(LoginForm):
    """Signing in on a district: with the e-mail address, or with the phone number."""

    # The field keeps the name `email`: password managers and older links know it so.
    email = StringField(_l("E-mail o numero di telefono"), validators=USERNAME)


class UsernameForm(FlaskForm):
    email = StringField(_l("E-mail o numero di telefono"), validators=USERNAME)


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
    # Optional for people registered at a desk with a phone number only; the service refuses
    # to empty an address that is there.
    email = EmailField(_l("E-mail"), validators=[Optional(), *EMAIL[1:]])
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
    cooperative_id = SelectField(
        _l("Cooperativa (per il personale della cooperativa)"),
        coerce=_coerce_int,
        # Checked by the service, with the district's own list and an Italian message.
        validate_choice=False,
        validators=[Optional()],
    )


def new_password_field() -> PasswordField:
    return PasswordField(
        _l("Scegli una password"),
        validators=[DataRequired(_l("Scegli una password.")), Length(max=128)],
    )


def password_confirm_field() -> PasswordField:
    return PasswordField(
        _l("Ripeti la password"),
        validators=[
            DataRequired(_l("Ripeti la password.")),
            EqualTo("password", message=_l("Le due password non coincidono.")),
        ],
    )


class AcceptInvitationForm(FlaskForm):
    full_name = StringField(_l("Nome e cognome"), validators=NAME)
    password = new_password_field()
    password_confirm = password_confirm_field()


# -- assisted registration at a desk ---------------------------------------------------------------


def _phone_number(form: FlaskForm, field: Field) -> None:
    if normalize_phone(field.data) is None:
        raise ValidationError(
            _l("Numero di telefono non valido: scrivi solo cifre, per esempio 333 123 4567.")
        )


PERSON_NAME = [
    DataRequired(_l("Scrivi nome e cognome della persona.")),
    Length(max=120, message=_l("Al massimo 120 caratteri.")),
    Regexp(r"^[^\x00-\x1f\x7f<>]*$", message=_l("Il nome contiene caratteri non ammessi.")),
]


class AssistedRegistrationForm(FlaskForm):
    """An operator registers a citizen: who they are and how they consented. The service then
    checks what only it can (the comune, the codice fiscale and who holds it, the notice's
    current version)."""

    full_name = StringField(_l("Nome e cognome"), validators=PERSON_NAME)
    comune_id = SelectField(
        _l("Comune di residenza"),
        coerce=_coerce_int,
        validators=[InputRequired(_l("Scegli il comune dall'elenco."))],
    )
    phone = TelField(
        _l("Numero di telefono"),
        validators=[
            Optional(),
            Length(max=30, message=_l("Al massimo 30 caratteri.")),
            NO_CONTROL_CHARACTERS,
            _phone_number,
        ],
    )
    email = EmailField(
        _l("E-mail (facoltativa)"),
        validators=[
            Optional(),
            Length(max=254, message=_l("Indirizzo troppo lungo.")),
            Email(message=_l("Indirizzo e-mail non valido, per esempio nome@esempio.it.")),
        ],
    )
    codice_fiscale = StringField(_l("Codice fiscale (facoltativo)"), validators=CODICE_FISCALE)
    privacy_version = HiddenField()
    consent_method = RadioField(
        _l("Come ha ricevuto l'informativa"),
        choices=[
            SelectChoice("read_aloud", _l("Letta ad alta voce dall'operatore")),
            SelectChoice("paper", _l("Letta e firmata su carta")),
        ],
        # Checked here with an Italian message (WTForms' own is English).
        validate_choice=False,
        validators=[
            AnyOf(
                ["read_aloud", "paper"],
                message=_l("Indica come la persona ha ricevuto l'informativa."),
            )
        ],
    )
    consent_given = BooleanField(
        _l("La persona ha ricevuto l'informativa e acconsente al trattamento dei suoi dati"),
        validators=[
            DataRequired(
                _l("Senza il consenso della persona non si può registrare: spunta la casella.")
            )
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        """A person is reached by phone or by e-mail: one of the two is needed."""
        valid = super().validate(extra_validators)
        reachable = self.phone.data or self.email.data or self.phone.errors or self.email.errors
        if not reachable:
            self.phone.errors = [
                _l("Scrivi il numero di telefono della persona (o il suo indirizzo e-mail).")
            ]
            return False
        return valid


class ActivationForm(FlaskForm):
    """A citizen registered at a desk chooses their password with the code on their sheet."""

    username = StringField(_l("Numero di telefono o e-mail"), validators=USERNAME)
    code = StringField(
        _l("Codice di attivazione"),
        validators=[
            DataRequired(_l("Scrivi il codice che trovi sul foglio.")),
            Length(max=32, message=_l("Il codice ha 8 caratteri.")),
        ],
    )
    password = new_password_field()
    password_confirm = password_confirm_field()
