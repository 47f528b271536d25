"""The district admin's forms for the service network.

They carry the labels, hints and the CSRF token; the rules live in the services (schemas.py), so
that a page, the tenant definition import and other plugins are held to the same ones. A field
the services find wrong gets its message through `condiviso.forms.attach_errors`.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    URLField,
)
from wtforms.widgets import DateInput

SLUG_HINT = _l(
    "Lettere minuscole senza accenti, cifre e trattini, per esempio famiglia-e-minori; "
    "compare negli indirizzi delle pagine."
)


def _id_or_none(value: Any) -> int | None:
    """A chosen option's id; None for anything else (the services then say what is wrong)."""
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _select(label: Any) -> SelectField:
    return SelectField(label, coerce=_id_or_none, validate_choice=False)


def form_values(form: FlaskForm) -> dict[str, Any]:
    """What the person submitted, by field name, as the services take it."""
    return {name: field.data for name, field in form._fields.items() if name != "csrf_token"}


class CategoryForm(FlaskForm):
    name = StringField(_l("Nome"))
    name_en = StringField(
        _l("Nome in inglese"), description=_l("Mostrato a chi usa il portale in inglese.")
    )
    slug = StringField(_l("Identificativo"), description=SLUG_HINT)
    description = TextAreaField(_l("Descrizione"), description=_l("Al massimo 300 caratteri."))
    icon = StringField(
        _l("Icona"),
        description=_l("Il nome di un'icona di Bootstrap Italia, per esempio it-user."),
    )
    position = StringField(
        _l("Posizione nell'elenco"),
        default=0,
        description=_l(
            "Un numero da 0 a 9999: le categorie con il numero più basso vengono prima."
        ),
    )


class CooperativeForm(FlaskForm):
    legal_name = StringField(_l("Ragione sociale"))
    short_name = StringField(
        _l("Nome breve"), description=_l("Il nome con cui le persone la conoscono, se diverso.")
    )
    slug = StringField(_l("Identificativo"), description=SLUG_HINT)
    tax_code = StringField(
        _l("Partita IVA o codice fiscale"),
        description=_l("La partita IVA (11 cifre) o il codice fiscale (16 caratteri)."),
    )
    email = EmailField(_l("E-mail"))
    phone = TelField(_l("Telefono"))
    website = URLField(_l("Sito web"), description=_l("Per esempio https://www.esempio.it."))
    address = StringField(_l("Indirizzo della sede"))
    description = TextAreaField(_l("Presentazione"))
    comuni = SelectMultipleField(
        _l("Comuni in cui opera"),
        coerce=_id_or_none,
        validate_choice=False,
        description=_l("Tieni premuto Ctrl (o Cmd) per sceglierne più di uno."),
    )
    active = BooleanField(
        _l("Cooperativa attiva"),
        default=True,
        description=_l("Una cooperativa non attiva resta nell'elenco ma non offre servizi."),
    )


class AccreditationForm(FlaskForm):
    cooperative_id = _select(_l("Cooperativa"))
    category_id = _select(_l("Categoria di servizio"))
    comune_id = _select(_l("Comune che accredita"))
    valid_from = StringField(_l("Valido dal"), widget=DateInput())
    valid_to = StringField(
        _l("Valido fino al"),
        widget=DateInput(),
        description=_l("Lascialo vuoto se l'accreditamento non ha una scadenza."),
    )
    notes = StringField(
        _l("Note"),
        description=_l("Per esempio il numero della determina. Al massimo 300 caratteri."),
    )
