"""The vouchers' forms (WTForms), each checked here with its Italian messages and read into what
the services take. Forms that move money carry a token (`submission`): sent twice, they move it
once (the token, keyed and scoped to the sender, is the ledger's idempotency key)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import StopValidation

from condiviso.plugin_api import (
    DayField,
    EnumLabels,
    FreeText,
    User,
    db,
    find_by_username,
    select_choices,
    trimmed,
    whole_number,
)
from plugins.vouchers import access
from plugins.vouchers.issuing import VoucherInput
from plugins.vouchers.models import Resolution, VoucherStatus
from plugins.vouchers.redeeming import DeliveryInput
from plugins.wallet.money import MAX_CENTS, parse_cents

SUBMISSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
AMOUNT_INVALID = _l("Scrivi un importo in euro maggiore di zero, per esempio 12,50.")
HOURS_INVALID = _l("Scrivi le ore, per esempio 2 oppure 1,5 oppure 1:30.")
LONGEST_HOURS = 10_000

STATUSES = EnumLabels(
    {
        VoucherStatus.ACTIVE: _l("attivo"),
        VoucherStatus.CANCELLED: _l("annullato"),
        VoucherStatus.EXPIRED: _l("scaduto"),
    }
)
RESOLUTIONS = EnumLabels(
    {
        Resolution.UPHELD: _l("accolta: la prestazione viene stornata"),
        Resolution.DISMISSED: _l("respinta: la prestazione resta da pagare"),
    }
)


def parse_minutes(text: Any) -> int | None:
    """Hours as people write them ("2", "1,5", "1.5", "1:30") in whole minutes, or None."""
    if not isinstance(text, str):
        return None
    text = text.strip().lower().removesuffix("h").strip()
    if ":" in text:
        hours, _sep, minutes = text.partition(":")
        h, m = whole_number(hours), whole_number(minutes)
        if h is None or m is None or m >= 60 or len(minutes) != 2:
            return None
        total = h * 60 + m
    else:
        hundredths = parse_cents(text)
        if hundredths is None or hundredths * 60 % 100:
            return None
        total = hundredths * 60 // 100
    return total if 0 < total <= LONGEST_HOURS * 60 else None


class CentsField(StringField):
    """An amount in euro as people write it: `data` is integer cents, or None when it is not
    an amount above zero and within `MAX_CENTS`."""

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required = required

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            text = valuelist[0] if isinstance(valuelist[0], str) else ""
            cents = parse_cents(text) if "\x00" not in text else None
            self.data = cents if cents is not None and 0 < cents <= MAX_CENTS else None

    def pre_validate(self, form: FlaskForm) -> None:
        written = self.raw_data[0] if self.raw_data else ""
        if not self.required and not (isinstance(written, str) and written.strip()):
            self.data = None
            raise StopValidation()
        if self.data is None:
            raise StopValidation(str(AMOUNT_INVALID))

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        euros, cents = divmod(self.data, 100)
        return f"{euros},{cents:02d}"


class HoursField(StringField):
    """Hours as people write them: `data` is whole minutes, or None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.data = parse_minutes(valuelist[0])

    def _value(self) -> str:
        return str(self.raw_data[0]) if self.raw_data else ""


class RequiredDay:
    """A day was written and is one."""

    def __call__(self, form: FlaskForm, field: DayField) -> None:
        written = field.raw_data[0] if field.raw_data else ""
        if not isinstance(written, str) or not written.strip():
            raise StopValidation(_("Indica la data."))
        if field.data is None:
            raise StopValidation(_("Data non valida (usa il formato AAAA-MM-GG)."))


class OnceForm(FlaskForm):
    """A form whose token makes it take effect once, however many times it is sent."""

    submission = HiddenField()

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not SUBMISSION_TOKEN.fullmatch(self.submission.data or ""):
            self.form_errors.append(_("Il modulo non è valido: ricarica la pagina e riprova."))
            valid = False
        return valid

    @property
    def next_submission(self) -> str:
        return self.submission.data or secrets.token_urlsafe(24)

    def key(self, purpose: str, user) -> str:
        return access.operation_key(purpose, self.submission.data, user)


def _reason_field(label: Any, limit: int = 300) -> StringField:
    return StringField(label, filters=[trimmed], validators=[FreeText(limit, required=True)])


# -- funds and lines -------------------------------------------------------------------------------


class FundForm(FlaskForm):
    name = StringField(
        _l("Nome del fondo"), filters=[trimmed], validators=[FreeText(120, required=True)]
    )
    description = StringField(
        _l("Descrizione (facoltativa)"), filters=[trimmed], validators=[FreeText(300)]
    )
    active = BooleanField(_l("Aperto: si possono emettere voucher"), default=True)


class LineForm(OnceForm):
    comune_id = SelectField(_l("Chi finanzia"), invalid_choice_message=_l("Scegli dall'elenco."))
    year = StringField(_l("Anno"), filters=[trimmed])
    fund_id = SelectField(_l("Fondo"), invalid_choice_message=_l("Scegli un fondo dell'elenco."))
    amount = CentsField(_l("Stanziamento in euro"))
    notes = StringField(_l("Note (facoltative)"), filters=[trimmed], validators=[FreeText(300)])

    def __init__(self, *args: Any, funders=(), funds=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.comune_id.choices = select_choices(funders)
        self.fund_id.choices = select_choices(funds)

    def validate_year(self, field: StringField) -> None:
        if whole_number(field.data or "") is None:
            raise StopValidation(_("Scrivi l'anno con quattro cifre, per esempio 2026."))

    @property
    def values(self) -> dict[str, Any]:
        return {
            "comune_id": int(self.comune_id.data) if self.comune_id.data else None,
            "year": whole_number(self.year.data),
            "fund_id": int(self.fund_id.data),
            "amount_cents": self.amount.data,
            "notes": self.notes.data,
        }


class AllocationForm(OnceForm):
    direction = SelectField(
        _l("Movimento"),
        choices=lambda: select_choices(
            [("add", _("Aggiungi allo stanziamento")), ("take", _("Togli dal disponibile"))]
        ),
        invalid_choice_message=_l("Scegli dall'elenco."),
    )
    amount = CentsField(_l("Importo in euro"))
    reason = _reason_field(_l("Motivo (per esempio: variazione di bilancio n. 12)"))

    @property
    def cents(self) -> int:
        return self.amount.data if self.direction.data == "add" else -self.amount.data


# -- vouchers --------------------------------------------------------------------------------------


def find_beneficiary(text: str | None) -> User | None:
    """The account named by an e-mail address, a phone number or a codice fiscale."""
    if not text:
        return None
    found = find_by_username(text)
    if found is None and re.fullmatch(r"[A-Za-z0-9]{16}", text):
        import sqlalchemy as sa

        found = db.session.scalar(sa.select(User).where(User.codice_fiscale == text.upper()))
    return found


class VoucherForm(OnceForm):
    line_id = SelectField(
        _l("Voce di bilancio"), invalid_choice_message=_l("Scegli una delle tue voci di bilancio.")
    )
    beneficiary = StringField(
        _l("Beneficiario: e-mail, telefono o codice fiscale"),
        filters=[trimmed],
        validators=[FreeText(254, required=True)],
    )
    kind = SelectField(
        _l("Il voucher vale"),
        choices=lambda: select_choices(
            [("value", _("un importo in euro")), ("hours", _("un numero di ore"))]
        ),
        invalid_choice_message=_l("Scegli dall'elenco."),
    )
    value = CentsField(_l("Valore in euro"), required=False)
    hours = HoursField(_l("Ore"))
    hourly_rate = CentsField(_l("Tariffa oraria in euro"), required=False)
    category_ids = SelectMultipleField(_l("Categorie coperte"), coerce=str, validate_choice=False)
    service_ids = SelectMultipleField(_l("Servizi coperti"), coerce=str, validate_choice=False)
    valid_from = DayField(_l("Valido dal"), validators=[RequiredDay()])
    valid_to = DayField(_l("Valido fino al"), validators=[RequiredDay()])
    copay_percent = StringField(
        _l("Quota a carico della famiglia (%)"), filters=[trimmed], default="0"
    )
    reason = TextAreaField(
        _l("Motivo (riservato)"),
        filters=[trimmed],
        validators=[FreeText(2000)],
    )
    care_plan_item_id = HiddenField()

    def __init__(self, *args: Any, lines=(), categories=(), services=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line_id.choices = select_choices(lines)
        self.category_choices, self.service_choices = list(categories), list(services)
        self.person: User | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind.data == "hours":
            if self.hours.data is None:
                self.hours.errors = [str(HOURS_INVALID)]
                valid = False
            if self.hourly_rate.data is None:
                self.hourly_rate.errors = [str(AMOUNT_INVALID)]
                valid = False
        elif self.value.data is None:
            self.value.errors = [str(AMOUNT_INVALID)]
            valid = False
        offered_categories = {str(v) for v, _label in self.category_choices}
        offered_services = {str(v) for v, _label in self.service_choices}
        if not set(self.category_ids.data or ()) <= offered_categories:
            self.category_ids.errors = [_("Scegli le categorie dall'elenco.")]
            valid = False
        if not set(self.service_ids.data or ()) <= offered_services:
            self.service_ids.errors = [_("Scegli servizi accreditati dall'elenco.")]
            valid = False
        copay = whole_number(self.copay_percent.data or "0")
        if copay is None or copay > 99:
            self.copay_percent.errors = [_("La quota della famiglia va da 0 a 99 per cento.")]
            valid = False
        item = self.care_plan_item_id.data
        if item and whole_number(item) is None:
            self.form_errors.append(_("Il modulo non è valido: ricarica la pagina e riprova."))
            valid = False
        if not self.beneficiary.errors:
            self.person = find_beneficiary(self.beneficiary.data)
            if self.person is None:
                self.beneficiary.errors = [
                    _(
                        "Nessuna persona registrata con questi dati: registrala prima, "
                        "anche allo sportello."
                    )
                ]
                valid = False
        return valid

    def voucher_input(self) -> VoucherInput:
        hours = self.kind.data == "hours"
        return VoucherInput(
            line_id=int(self.line_id.data),
            beneficiary_id=self.person.id,
            category_ids=tuple(int(v) for v in self.category_ids.data or ()),
            service_ids=tuple(int(v) for v in self.service_ids.data or ()),
            valid_from=self.valid_from.data,
            valid_to=self.valid_to.data,
            value_cents=None if hours else self.value.data,
            minutes=self.hours.data if hours else None,
            hourly_rate_cents=self.hourly_rate.data if hours else None,
            copay_percent=whole_number(self.copay_percent.data or "0") or 0,
            reason=self.reason.data,
            care_plan_item_id=whole_number(self.care_plan_item_id.data or ""),
        )


class CancelForm(FlaskForm):
    reason = _reason_field(_l("Perché lo annulli"))


# -- the cooperative -------------------------------------------------------------------------------


class CodeForm(FlaskForm):
    code = StringField(
        _l("Codice del voucher"), filters=[trimmed], validators=[FreeText(40, required=True)]
    )


class DeliveryForm(OnceForm):
    delivered_on = DayField(_l("Data della prestazione"), validators=[RequiredDay()])
    service_id = SelectField(
        _l("Servizio"), invalid_choice_message=_l("Scegli un servizio che il voucher copre.")
    )
    hours = HoursField(_l("Ore erogate"))
    cost = CentsField(_l("Costo della prestazione in euro"), required=False)
    units = StringField(_l("Numero di prestazioni (facoltativo)"), filters=[trimmed])
    note = StringField(_l("Nota (facoltativa)"), filters=[trimmed], validators=[FreeText(300)])

    def __init__(self, *args: Any, services=(), hours: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service_id.choices = select_choices([("", _("Nessuno in particolare")), *services])
        self.by_hours = hours

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.by_hours and self.hours.data is None:
            self.hours.errors = [str(HOURS_INVALID)]
            valid = False
        if not self.by_hours and self.cost.data is None:
            self.cost.errors = [str(AMOUNT_INVALID)]
            valid = False
        if self.units.data and (whole_number(self.units.data) or 0) not in range(1, 10_000):
            self.units.errors = [_("Scrivi un numero intero da 1 a 9.999.")]
            valid = False
        return valid

    def delivery_input(self) -> DeliveryInput:
        return DeliveryInput(
            delivered_on=self.delivered_on.data,
            service_id=int(self.service_id.data) if self.service_id.data else None,
            minutes=self.hours.data if self.by_hours else None,
            units=whole_number(self.units.data or ""),
            cost_cents=None if self.by_hours else self.cost.data,
            note=self.note.data,
        )


class ReverseForm(FlaskForm):
    reason = _reason_field(_l("Perché la correggi"))


class DisputeForm(FlaskForm):
    reason = _reason_field(_l("Perché la contesti"), 500)


class ResolveForm(FlaskForm):
    outcome = SelectField(
        _l("Esito"),
        choices=lambda: select_choices([(r.value, RESOLUTIONS[r]) for r in Resolution]),
        invalid_choice_message=_l("Scegli l'esito dall'elenco."),
    )
    note = StringField(_l("Nota (facoltativa)"), filters=[trimmed], validators=[FreeText(500)])


class ChooseForm(FlaskForm):
    cooperative_id = SelectField(
        _l("Cooperativa"), invalid_choice_message=_l("Scegli una cooperativa dell'elenco.")
    )

    def __init__(self, *args: Any, cooperatives=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cooperative_id.choices = select_choices(cooperatives)
