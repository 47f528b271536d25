"""The Social Points' HTML forms: booking a time (for oneself, as a guest, or for someone at the
desk), confirming a move, the operator's walk-ins and marks, and the district admin's desk with
its opening hours, operators on duty and closures.

A form turns what was typed into what the services take, and refuses what needs none of the
district's data to refuse (a consent not given, a name too long, a telephone number or a time
that is not one) in the words the services use for the same problem. The services check again,
for every caller, and refuse what only the district's data can tell (a slot just taken, a
closed day, a citizen nobody registered): `run_form` puts those refusals on the fields too.
The pages list the problems from `shown_errors` and show what was typed from `shown_values`.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    NumberRange,
    StopValidation,
    ValidationError,
)

from condiviso.plugin_api import PHONE_NUMBER, DayField, FreeText, trimmed, whole_number
from plugins.social_point import desks, services
from plugins.social_point.models import Mode, SocialPoint
from plugins.social_point.notices import mode_label

OPENINGS_PER_DAY = 2  # a morning and an afternoon


# -- checks ----------------------------------------------------------------------------------------


class Telephone:
    """A telephone number as people write it (see `PHONE_NUMBER`), trimmed."""

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, form: FlaskForm, field: Any) -> None:
        value = field.data.strip() if isinstance(field.data, str) else ""
        if not PHONE_NUMBER.match(value):
            raise ValidationError(self.message)


class ForAGuest:
    """Skips a guest's name or telephone when staff named a registered citizen instead."""

    def __call__(self, form: FlaskForm, field: Any) -> None:
        contact = getattr(form, "citizen_contact", None)
        if contact is not None and contact.data:
            raise StopValidation()


# -- fields ----------------------------------------------------------------------------------------


class WholeNumberField(StringField):
    """A whole number typed or chosen; `data` is the number, or None for anything else (its
    validators then say what is wanted)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            text = valuelist[0].strip() if isinstance(valuelist[0], str) else None
            self.data = whole_number(text)


def _contact(value: Any) -> Any:
    """A citizen's e-mail or telephone as staff type it, trimmed to what an address can be."""
    return value.strip()[:254] if isinstance(value, str) else value


# -- booking ---------------------------------------------------------------------------------------

GUEST_NAME = _l("Scrivi nome e cognome (al massimo 120 caratteri).")
GUEST_PHONE = _l("Scrivi un numero di telefono valido: lo useremo per confermare l'appuntamento.")
MODE = _l("Scegli come vuoi parlare con l'operatore.")


class BookingForm(FlaskForm):
    """A signed-in citizen books a time for themselves: the slot (`orario`), how they want to
    talk to the operator (one of the desk's modes, set as the choices) and what about."""

    slot = HiddenField(name="orario")
    mode = RadioField(validate_choice=False)
    topic = TextAreaField(
        filters=[trimmed], validators=[FreeText(500, message=_l("Al massimo 500 caratteri."))]
    )

    def validate_mode(self, field: RadioField) -> None:
        if field.data not in {value for value, _label in field.choices or ()}:
            raise ValidationError(MODE)

    def who(self, user_id: int | None) -> services.Who:
        """Whom the appointment is for: the citizen signed in."""
        return services.Who(citizen_id=user_id)


def _guest_name() -> StringField:
    return StringField(
        filters=[trimmed],
        validators=[ForAGuest(), FreeText(120, message=GUEST_NAME, missing=GUEST_NAME)],
    )


def _guest_phone() -> TelField:
    return TelField(validators=[ForAGuest(), Telephone(GUEST_PHONE)])


class GuestBookingForm(BookingForm):
    """A guest books: their name and telephone, once they have read the privacy notice."""

    guest_name = _guest_name()
    guest_phone = _guest_phone()
    privacy = BooleanField(
        validators=[DataRequired(_l("Per prenotare devi aver letto l'informativa sulla privacy."))]
    )

    def who(self, user_id: int | None) -> services.Who:
        """Whom the appointment is for: the guest who wrote their name and telephone."""
        return services.Who(guest_name=self.guest_name.data, guest_phone=self.guest_phone.data)


class StaffBookingForm(BookingForm):
    """An operator books for someone: a registered citizen by e-mail or telephone, or else a
    person by name and telephone (the privacy notice is theirs to explain at the desk)."""

    citizen_contact = StringField(filters=[_contact])
    guest_name = _guest_name()
    guest_phone = _guest_phone()

    def who(self, user_id: int | None) -> services.Who:
        """Whom the appointment is for: the citizen named, else the person written down."""
        return services.Who(
            contact=self.citizen_contact.data or None,
            guest_name=self.guest_name.data,
            guest_phone=self.guest_phone.data,
        )


def booking_form(point: SocialPoint, staff: bool, signed_in: bool) -> BookingForm:
    """The booking form for who is asking, offering the desk's modes; opened from a slot of the
    desk's page (`?orario=`), with the desk's first mode chosen."""
    kind = StaffBookingForm if staff else BookingForm if signed_in else GuestBookingForm
    asked = None
    if request.method != "POST":
        asked = {"slot": request.args.get("orario", ""), "mode": point.modes[0]}
    form = kind(data=asked)
    form.mode.choices = [(mode, str(mode_label(mode))) for mode in point.modes]
    return form


class MoveForm(FlaskForm):
    """The citizen confirms the new time (`orario`) of an appointment they move."""

    slot = HiddenField(name="orario")


def move_form() -> MoveForm:
    """The move's form, for the time picked on the desk's page (`?orario=`), if any yet."""
    if request.method == "POST":
        return MoveForm()
    return MoveForm(data={"slot": request.args.get("orario")})


# -- the operator's day ----------------------------------------------------------------------------


class WalkInForm(FlaskForm):
    """Someone came to the desk without an appointment: their name, and if they like, a
    telephone and what they need."""

    name = StringField(filters=[trimmed], validators=[FreeText(120, required=True)])
    phone = TelField(
        filters=[trimmed],
        validators=[FreeText(30), Telephone(_l("Scrivi un numero di telefono valido."))],
    )
    topic = StringField(filters=[trimmed], validators=[FreeText(500)])


MARKS = ("attended", "no_show", "cancel")


class MarkForm(FlaskForm):
    """An operator's button on one of the day's appointments (`azione`): the person came, did
    not come, or the desk cancels it."""

    action = HiddenField(name="azione", validators=[AnyOf(MARKS)])


# -- the district admin's desk ---------------------------------------------------------------------


# The fields of a desk that are its own columns, named as its model and `desks.save_point` name
# them (the opening hours and the operators on duty are rows of their own).
DESK_FIELDS = (
    "name",
    "comune_id",
    "address",
    "phone",
    "email",
    "accessibility_notes",
    "step_free",
    "parking",
    "active",
    "slot_minutes",
    "notice_hours",
    "modes",
)


def _with_opening_hours(form_class: type[FlaskForm]) -> type[FlaskForm]:
    """Adds a field for each opening and closing time of each weekday (`h1_0_opens` is
    Tuesday's first opening)."""
    for weekday in range(7):
        for n in range(OPENINGS_PER_DAY):
            for part in ("opens", "closes"):
                setattr(form_class, f"h{weekday}_{n}_{part}", StringField())
    return form_class


@_with_opening_hours
class DeskForm(FlaskForm):
    """A desk as the district admin sets it up. The comuni and the operators it may name (on
    duty as `duty=operator:weekday`) are the district's, set on the form before it is
    validated; the opening hours are checked as the services check them (`desks.clean_hours`)."""

    name = StringField(filters=[trimmed], validators=[FreeText(120, required=True)])
    comune_id = WholeNumberField()
    address = StringField(filters=[trimmed], validators=[FreeText(200, required=True)])
    phone = TelField(
        filters=[trimmed],
        validators=[FreeText(30), Telephone(_l("Scrivi un numero di telefono valido."))],
    )
    email = EmailField(
        filters=[trimmed],
        validators=[FreeText(254), Email(_l("Indirizzo e-mail non valido."))],
    )
    accessibility_notes = TextAreaField(filters=[trimmed], validators=[FreeText(500)])
    step_free = BooleanField()
    parking = BooleanField()
    active = BooleanField()
    slot_minutes = WholeNumberField(
        validators=[AnyOf(desks.SLOT_LENGTHS, _l("Scegli una durata dall'elenco."))]
    )
    notice_hours = WholeNumberField(
        validators=[NumberRange(0, 168, _l("Un numero di ore da 0 a 168."))]
    )
    modes = SelectMultipleField(validate_choice=False)
    duties = SelectMultipleField(name="duty", validate_choice=False)

    comuni: list[tuple[int, str]] = []  # (id, name) of the district's comuni
    operators: list[Any] = []  # the people who may be put on duty

    def validate_comune_id(self, field: WholeNumberField) -> None:
        if field.data not in {comune_id for comune_id, _name in self.comuni}:
            raise ValidationError(_l("Scegli il comune dall'elenco."))

    def validate_modes(self, field: SelectMultipleField) -> None:
        if not field.data or not set(field.data) <= {mode.value for mode in Mode}:
            raise ValidationError(_l("Scegli almeno un modo di ricevere."))

    def validate_duties(self, field: SelectMultipleField) -> None:
        offered = {f"{person.id}:{weekday}" for person in self.operators for weekday in range(7)}
        if not set(field.data or ()) <= offered:
            raise ValidationError(_l("Scegli un operatore e un giorno dall'elenco."))

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then the opening hours as a whole (an opening before its closing, no two
        of a day overlapping), each problem on the time to fix."""
        valid = super().validate(extra_validators)
        rows, fields = self._openings()
        problems: dict[str, list[str]] = {}
        desks.clean_hours(rows, problems)
        for key, messages in problems.items():
            parts = key.split(".")
            if len(parts) == 3:  # hours.<row>.<opens|closes|weekday>
                name = f"{fields[int(parts[1])]}_{'closes' if parts[2] == 'closes' else 'opens'}"
            else:  # hours.<weekday>: two of the day's openings overlap
                name = f"h{parts[1]}_0_opens"
            field = self[name]
            field.errors = [*field.errors, *messages]
        return valid and not problems

    def _openings(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The opening hours filled in, as `desks.save_point` takes them, and the fields each
        row came from (`h1_0`)."""
        rows, fields = [], []
        for weekday in range(7):
            for n in range(OPENINGS_PER_DAY):
                opens = (self[f"h{weekday}_{n}_opens"].data or "").strip()
                closes = (self[f"h{weekday}_{n}_closes"].data or "").strip()
                if opens or closes:
                    rows.append({"weekday": weekday, "opens": opens, "closes": closes})
                    fields.append(f"h{weekday}_{n}")
        return rows, fields

    def point_data(self) -> dict[str, Any]:
        """The desk as `desks.save_point` takes it."""
        duties = []
        for value in self.duties.data or ():
            user_id, _sep, weekday = value.partition(":")
            duties.append({"user_id": int(user_id), "weekday": int(weekday)})
        values = {name: self[name].data for name in DESK_FIELDS}
        return {**values, "hours": self._openings()[0], "duties": duties}


def desk_form(
    point: SocialPoint | None,
    comuni: list[tuple[int, str]],
    operators: list[Any],
    submitted: bool = True,
) -> DeskForm:
    """The desk's form: what was sent, or (`submitted=False`, or a first look) the desk as it
    is, or a new desk's defaults; the comuni and operators are the ones it may name."""
    if submitted and request.method == "POST":
        form = DeskForm()
    else:
        form = DeskForm(formdata=None, data=_desk_data(point))
    form.comuni, form.operators = comuni, operators
    return form


def _desk_data(point: SocialPoint | None) -> dict[str, Any]:
    """A desk's values as its form shows them (a new one's defaults when None)."""
    if point is None:
        return {"slot_minutes": 30, "notice_hours": 24, "active": True, "modes": ["in_person"]}
    data: dict[str, Any] = {name: getattr(point, name) for name in DESK_FIELDS}
    count: dict[int, int] = {}
    for opening in point.hours:
        n = count.get(opening.weekday, 0)
        count[opening.weekday] = n + 1
        data[f"h{opening.weekday}_{n}_opens"] = _clock(opening.opens)
        data[f"h{opening.weekday}_{n}_closes"] = _clock(opening.closes)
    data["duties"] = [f"{duty.user_id}:{duty.weekday}" for duty in point.duties]
    return data


def _clock(moment: time) -> str:
    return moment.strftime("%H:%M")


REASON = _l("Scrivi il motivo (al massimo 200 caratteri).")


class ClosureForm(FlaskForm):
    """A day the desk stays closed, and why."""

    day = DayField(validators=[DataRequired(_l("Scegli un giorno valido."))])
    reason = StringField(
        filters=[trimmed], validators=[FreeText(200, message=REASON, missing=REASON)]
    )


def closure_form(submitted: bool = True) -> ClosureForm:
    """The closure's form: what was sent, or (`submitted=False`) an empty one."""
    return ClosureForm() if submitted else ClosureForm(formdata=None)
