"""What every HTML form shares: service errors shown on their fields, and the status code of a
form sent back with errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from condiviso.errors import InvalidInput


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
