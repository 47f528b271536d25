"""The staff's service form and the citizens' search filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from condiviso.plugin_api import NO_CONTROL_CHARACTERS, NO_CONTROL_CHARACTERS_IN_TEXT, whole_number

PROVIDER_TYPES = [
    ("public", _l("Servizio pubblico del comune")),
    ("accredited", _l("Servizio accreditato")),
    ("private", _l("Servizio privato")),
    ("corporate_welfare", _l("Utilizzabile con il welfare aziendale")),
]
PRICE_KINDS = [
    ("free", _l("Gratuito")),
    ("fixed", _l("Prezzo fisso")),
    ("from", _l("A partire da")),
    ("income_based", _l("In base all'ISEE")),
]
DELIVERIES = [
    ("at_home", _l("A domicilio")),
    ("at_centre", _l("Presso un centro")),
    ("online", _l("Online o al telefono")),
]


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, str(label)) for value, label in pairs]


def _optional_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ServiceForm(FlaskForm):
    title = StringField(
        _l("Titolo"),
        validators=[
            DataRequired(_l("Scrivi il titolo del servizio.")),
            Length(max=120, message=_l("Al massimo 120 caratteri.")),
            NO_CONTROL_CHARACTERS,
        ],
    )
    description = TextAreaField(
        _l("Descrizione"),
        validators=[
            DataRequired(_l("Descrivi il servizio con parole semplici.")),
            Length(max=5000, message=_l("Al massimo 5.000 caratteri.")),
            NO_CONTROL_CHARACTERS_IN_TEXT,
        ],
        description=_l(
            "Che cos'è, che cosa succede, chi lo fa. Frasi brevi e parole di tutti i giorni."
        ),
    )
    audience = StringField(
        _l("Per chi è"),
        validators=[
            DataRequired(_l("Scrivi a chi si rivolge il servizio.")),
            Length(max=200, message=_l("Al massimo 200 caratteri.")),
            NO_CONTROL_CHARACTERS,
        ],
    )
    category_id = SelectField(_l("Categoria"), coerce=_optional_int, validate_choice=False)
    provider_type = SelectField(
        _l("Tipo di servizio"), choices=choices(PROVIDER_TYPES), validate_choice=False
    )
    cooperative_id = SelectField(
        _l("Cooperativa che lo eroga"), coerce=_optional_int, validate_choice=False
    )
    comune_id = SelectField(
        _l("Comune che lo eroga (servizi pubblici)"), coerce=_optional_int, validate_choice=False
    )
    comuni = SelectMultipleField(
        _l("Comuni in cui è disponibile"), coerce=_optional_int, validate_choice=False
    )
    price_kind = SelectField(_l("Costo"), choices=choices(PRICE_KINDS), validate_choice=False)
    price = DecimalField(
        _l("Prezzo in euro"),
        places=2,
        validators=[Optional()],
        description=_l("Solo per «Prezzo fisso» e «A partire da»."),
    )
    isee_note = StringField(
        _l("Nota sull'ISEE"),
        validators=[
            Optional(),
            Length(max=300, message=_l("Al massimo 300 caratteri.")),
            NO_CONTROL_CHARACTERS,
        ],
    )
    delivery = SelectMultipleField(
        _l("Come viene erogato"), choices=choices(DELIVERIES), validate_choice=False
    )
    contact = StringField(
        _l("Contatti per il servizio"),
        validators=[
            Optional(),
            Length(max=300, message=_l("Al massimo 300 caratteri.")),
            NO_CONTROL_CHARACTERS,
        ],
    )

    def service_data(self) -> dict:
        return {
            name: getattr(self, name).data
            for name in (
                "title",
                "description",
                "audience",
                "category_id",
                "provider_type",
                "cooperative_id",
                "comune_id",
                "comuni",
                "price_kind",
                "price",
                "isee_note",
                "delivery",
                "contact",
            )
        }


class PhotoForm(FlaskForm):
    """A new photo for a service, or `remove` to show it without one."""

    photo = FileField(_l("Nuova foto"))
    remove = BooleanField()

    def validate_photo(self, field: FileField) -> None:
        if not self.remove.data and not (field.data and field.data.filename):
            raise ValidationError(_l("Scegli il file della foto."))


def _choice(allowed: set[str]):
    """A filter keeping a value only when it is one of `allowed`."""
    return lambda value: value if value in allowed else None


class SearchForm(FlaskForm):
    """The catalog search, from the address (`?q=…&comune=…&categoria=…`): a value that is not
    one of a filter's is no filter, never an error."""

    class Meta:
        csrf = False

    q = StringField(filters=[lambda value: (value or "")[:200]])
    comune = StringField(filters=[whole_number])
    categoria = StringField(filters=[whole_number])
    tipo = StringField(filters=[_choice({value for value, _label in PROVIDER_TYPES})])
    gratuito = StringField(filters=[lambda value: value == "1"])
    modalita = StringField(filters=[_choice({value for value, _label in DELIVERIES})])
    pagina = StringField(filters=[lambda value: max(1, min(whole_number(value) or 1, 1000))])
