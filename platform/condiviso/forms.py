"""What every HTML form shares: a form that is only its CSRF token, the message for a form that
expired, service errors shown on their fields, and the status code of a form sent back with
errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Regexp

from condiviso.errors import InvalidInput

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


def expired_form() -> dict[str, list[str]]:
    """`FORM_EXPIRED` as a form's errors, at the top of the form."""
    return {"_schema": [str(FORM_EXPIRED)]}


def attach_errors(form: FlaskForm, error: InvalidInput) -> None:
    """Put a service's field errors on the form's fields (the rest at the top of the form)."""
    for name, messages in error.errors.items():
        field = getattr(form, name.split(".")[0], None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or []), *messages]
        else:
            form.form_errors.extend(messages)


def invalid(form: FlaskForm) -> int:
    """400 for a submitted form with errors (nothing was saved), else 200."""
    submitted = request.method == "POST"
    has_errors = bool(form.errors) or bool(getattr(form, "form_errors", None))
    return 400 if submitted and has_errors else 200


def select_choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Options of a select field from (value, label) pairs."""
    return [SelectChoice(value, str(label)) for value, label in pairs]
