"""The fields of the staff's forms that WTForms has no match for: a day as a date input sends
it, checked to fall between two days, and an amount in euro as people write it (money as a
Decimal with two decimals, never a float)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import StopValidation

from condiviso.plugin_api import CONTROL_CHARACTERS, DayField

COST_MAX = Decimal("99999.99")
DAY_MISSING = _l("Indica la data.")
DAY_INVALID = _l("Data non valida (usa il formato AAAA-MM-GG).")
COST_INVALID = _l("Indica il costo in euro, da 0 a 99.999,99 (per esempio 12,50).")


class DayBetween:
    """A day was written, is a day, and falls between `earliest(form)` and `latest(form)`."""

    def __init__(self, earliest: Callable[[Any], date], latest: Callable[[Any], date]) -> None:
        self.earliest = earliest
        self.latest = latest

    def __call__(self, form: FlaskForm, field: DayField) -> None:
        written = field.raw_data[0] if field.raw_data else ""
        if not isinstance(written, str) or not written.strip():
            raise StopValidation(str(DAY_MISSING))
        if field.data is None:
            raise StopValidation(str(DAY_INVALID))
        first, last = self.earliest(form), self.latest(form)
        if not first <= field.data <= last:
            raise StopValidation(
                _(
                    "La data deve essere tra il %(start)s e il %(end)s.",
                    start=first.strftime("%d/%m/%Y"),
                    end=last.strftime("%d/%m/%Y"),
                )
            )


def euro_amount(text: Any) -> Decimal | None:
    """An amount in euro written with a comma or a dot, with at most two decimals, from 0 to
    99.999,99, as a Decimal with two decimals; None for anything else."""
    text = text.strip().replace(",", ".") if isinstance(text, str) else ""
    try:
        amount = Decimal(text) if text and not CONTROL_CHARACTERS.search(text) else None
    except InvalidOperation:
        amount = None
    if (
        amount is None
        or not amount.is_finite()
        or amount < 0
        or amount > COST_MAX
        or amount != amount.quantize(Decimal("0.01"))
    ):
        return None
    return amount.quantize(Decimal("0.01"))


class EuroField(StringField):
    """An amount in euro as people write it (12,50 or 12.50): `data` is its Decimal
    (`euro_amount`), or None, refused, when what was written is not one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.data = euro_amount(valuelist[0])

    def pre_validate(self, form: FlaskForm) -> None:
        if self.data is None:
            raise StopValidation(str(COST_INVALID))

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)
