"""What every HTML form shares: a form that is only its CSRF token, the message for a form that
expired, free text checked as the services check it, acting on a submitted form (`run_form`,
`form_page`), service errors shown on their fields, a form's messages and values for the pages
that draw their fields from mappings, and the status code of a form sent back with errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice, SelectFieldBase
from wtforms.validators import Regexp, StopValidation
from wtforms.widgets import DateInput

from condiviso.errors import CondivisoError, InvalidInput
from condiviso.extensions import db
from condiviso.validation import is_free_text, too_long_or_controlled

# Free text never carries control characters (a multi-line text may carry line breaks and tabs).
NO_CONTROL_CHARACTERS = Regexp(
    r"^[^\x00-\x1f\x7f]*$", message=_l("Il testo contiene caratteri non ammessi.")
)
NO_CONTROL_CHARACTERS_IN_TEXT = Regexp(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$", message=_l("Il testo contiene caratteri non ammessi.")
)


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token (sign out, revoke, confirm)."""


# A form whose CSRF token expired or is missing: nothing was done.
FORM_EXPIRED = _l("Il modulo è scaduto: ricarica la pagina e riprova.")


REQUIRED = _l("Campo obbligatorio.")


def expired_form() -> dict[str, list[str]]:
    """`FORM_EXPIRED` as a form's errors, at the top of the form."""
    return {"_schema": [str(FORM_EXPIRED)]}


def trimmed(value: Any) -> str | None:
    """WTForms filter: a text without the spaces around it; None when nothing is left."""
    return (value.strip() or None) if isinstance(value, str) else None


class FreeText:
    """WTForms validator of a field filtered by `trimmed`: free text of at most `max_length`
    characters without control characters (line breaks and tabs are text), as `clean_text`
    checks it and with its messages. `message` says otherwise what is wrong with a long one;
    `missing`, when given, makes it required and says what is missing."""

    def __init__(
        self, max_length: int, required: bool = False, message: Any = None, missing: Any = None
    ) -> None:
        self.max_length = max_length
        self.required = required or missing is not None
        self.message = message
        self.missing = missing

    def __call__(self, form: FlaskForm, field: Any) -> None:
        if not field.data:
            raise StopValidation(str(self.missing or REQUIRED) if self.required else None)
        if not isinstance(field.data, str) or not is_free_text(field.data, self.max_length):
            message = self.message or too_long_or_controlled(self.max_length)
            raise StopValidation(str(message))


def attach_errors(form: FlaskForm, error: InvalidInput) -> None:
    """Put a service's field errors on the form's fields (the rest at the top of the form)."""
    for name, messages in error.errors.items():
        field = getattr(form, name.split(".")[0], None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), *messages]
        else:
            form.form_errors.extend(messages)


def _csrf_field_name(form: FlaskForm) -> str:
    return getattr(form.meta, "csrf_field_name", "csrf_token")


def shown_errors(form: FlaskForm) -> dict[str, list[str]]:
    """A form's messages as `partials/errors.html` and `partials/field.html` show them: by the
    name of the field, and under `_schema` those of the whole form (an expired token first)."""
    csrf = form._fields.get(_csrf_field_name(form))
    top = [str(FORM_EXPIRED)] if csrf is not None and csrf.errors else []
    top += [str(message) for message in form.form_errors]
    shown = {"_schema": top} if top else {}
    for key, field in form._fields.items():  # keyed as `form.errors` and `attach_errors` are
        if field.errors and field is not csrf:
            shown[key] = [str(message) for message in field.errors]
    return shown


def shown_values(form: FlaskForm) -> MultiDict:
    """What a form's inputs show again, by name: the text as it was sent or the field's initial
    value; a chosen option's value, each of several chosen ones; "y" for a ticked box."""
    values = MultiDict()
    for field in form:
        if field.name == _csrf_field_name(form):
            continue
        if isinstance(field, BooleanField):
            if field.data:
                values.add(field.name, "y")
        elif isinstance(field, SelectMultipleField):
            chosen = field.raw_data if field.raw_data else (field.data or [])
            for value in chosen:
                values.add(field.name, str(value))
        elif isinstance(field, SelectFieldBase):
            values.add(field.name, "" if field.data is None else str(field.data))
        else:  # what was sent, even when it is no value of the field (a number in words)
            values.add(field.name, field.raw_data[0] if field.raw_data else field._value())
    return values


class DayField(StringField):
    """A day as a date input sends it, AAAA-MM-GG: `data` is the date, or None when what was
    written is not one; what was written is shown again as it was."""

    widget = DateInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.data = _day(valuelist[0])

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.isoformat() if isinstance(self.data, date) else ""


def _day(text: Any) -> date | None:
    text = text.strip() if isinstance(text, str) else ""
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def invalid(form: FlaskForm) -> int:
    """400 for a submitted form with errors (nothing was saved), else 200."""
    submitted = request.method == "POST"
    has_errors = bool(form.errors) or bool(getattr(form, "form_errors", None))
    return 400 if submitted and has_errors else 200


def select_choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Options of a select field from (value, label) pairs."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


@dataclass(frozen=True)
class Outcome:
    """What became of a submitted form: `done` with the change's `result`, or not done with the
    `status` its page is answered with (200 when nothing valid was sent)."""

    done: bool
    result: Any = None
    status: int = 200


def run_form(form: FlaskForm, change: Callable[[], Any], error_field: str | None = None) -> Outcome:
    """Run `change` for a valid submission of `form` and commit what it did.

    A refusal rolls back what it started and is shown on the form: an `InvalidInput` on the
    fields it names, any other (`Conflict`, `NotFound`, …) on `error_field` or at the top. An
    error that is no refusal of the input (a 5xx, such as a suspended district) goes on to its
    own page."""
    if not form.validate_on_submit():
        return Outcome(False, status=invalid(form))
    try:
        result = change()
    except CondivisoError as error:
        if error.status >= 500:  # not a refusal of the input (a suspended district): its page
            raise
        db.session.rollback()
        if isinstance(error, InvalidInput):
            attach_errors(form, error)
        elif error_field is not None:
            field = getattr(form, error_field)
            field.errors = [*list(field.errors or []), error.message]
        else:
            form.form_errors.append(error.message)
        return Outcome(False, status=error.status)
    db.session.commit()
    return Outcome(True, result)


def form_page(
    form: FlaskForm,
    change: Callable[[], Any],
    template: str,
    saved: str,
    done: str,
    **context: Any,
):
    """The page that adds or changes one thing: on a valid submission `change()` runs, `saved`
    is flashed and the person goes to `done`; otherwise `template` shows the form (with why it
    was refused, and a 400)."""
    outcome = run_form(form, change)
    if outcome.done:
        flash(saved, "success")
        return redirect(done)
    return render_template(template, form=form, **context), outcome.status
