"""The console's forms (Flask-WTF: CSRF, Italian messages on their fields).

Formats (slug, plan, domain) are checked by the registry services, whose field errors land on
these fields through `condiviso.forms.attach_errors`; the forms only make sure something was
written.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectChoice,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from condiviso.tenancy.validation import PLANS

ADMIN_EMAIL = [
    DataRequired(_l("Scrivi l'indirizzo e-mail di chi amministrerà il distretto.")),
    Length(max=254, message=_l("Indirizzo troppo lungo.")),
    Email(message=_l("Indirizzo e-mail non valido, per esempio nome@esempio.it.")),
]
DISPLAY_NAME = [
    DataRequired(_l("Scrivi il nome del distretto.")),
    Length(max=200, message=_l("Al massimo 200 caratteri.")),
]


def _plan_choices() -> list[SelectChoice]:
    return [SelectChoice(plan, plan) for plan in PLANS]


class ProvisionForm(FlaskForm):
    slug = StringField(
        _l("Nome breve (slug)"),
        validators=[
            DataRequired(_l("Scrivi il nome breve del distretto.")),
            Length(max=40, message=_l("Al massimo 40 caratteri.")),
        ],
    )
    display_name = StringField(_l("Nome del distretto"), validators=DISPLAY_NAME)
    plan = SelectField(_l("Piano"), choices=_plan_choices(), default="base", validate_choice=False)
    admin_email = EmailField(_l("E-mail della prima amministrazione"), validators=ADMIN_EMAIL)


class DistrictForm(FlaskForm):
    display_name = StringField(_l("Nome del distretto"), validators=DISPLAY_NAME)
    plan = SelectField(_l("Piano"), choices=_plan_choices(), validate_choice=False)


class DomainForm(FlaskForm):
    hostname = StringField(
        _l("Dominio"),
        validators=[
            DataRequired(_l("Scrivi il nome del dominio.")),
            Length(max=253, message=_l("Al massimo 253 caratteri.")),
        ],
    )
    primary = BooleanField(_l("Dominio principale (usato nei collegamenti e nelle e-mail)"))
    verified = BooleanField(_l("Il DNS punta già alla piattaforma: segnalo come verificato"))


class InviteAdminForm(FlaskForm):
    admin_email = EmailField(_l("E-mail della persona da invitare"), validators=ADMIN_EMAIL)


class TypedConfirmationForm(FlaskForm):
    """A dangerous action goes ahead only when the operator types the district's slug."""

    confirmation = StringField(
        _l("Scrivi il nome breve del distretto per confermare"),
        validators=[DataRequired(_l("Scrivi il nome breve del distretto per confermare."))],
    )

    def __init__(self, expected: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected

    def validate_confirmation(self, field: StringField) -> None:
        if (field.data or "").strip() != self.expected:
            raise ValidationError(
                _("Non corrisponde al nome breve del distretto: nulla è cambiato.")
            )


class SuspendForm(TypedConfirmationForm):
    reason = StringField(
        _l("Motivo (facoltativo)"),
        validators=[Optional(), Length(max=500, message=_l("Al massimo 500 caratteri."))],
    )
