"""HTML forms built from a marshmallow schema: a plugin's settings schema is also its form.

Fields are named by their path (`contacts.email`, `footer_links.0.url`), so the flattened
errors of `condiviso.validation.flatten_errors` land on the right input. A field's label and hint
come from its metadata (`label`, `description`); `metadata={"form": False}` keeps it out of the
form (values the application sets itself, such as a stored logo's digest).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
from marshmallow import fields
from werkzeug.datastructures import MultiDict

from condiviso.validation import whole_number

EXTRA_ROWS = 2


@dataclass
class FormField:
    name: str
    label: str
    kind: str  # text, email, url, color, number, checkbox, textarea
    value: Any
    errors: list[str]
    required: bool
    hint: str | None = None
    autocomplete: str | None = None

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")


@dataclass
class FormGroup:
    """A nested schema (a fieldset), or one row of a list of nested schemas."""

    name: str
    label: str
    fields: list[FormField | FormGroup] = field(default_factory=list)
    hint: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return "g-" + self.name.replace(".", "-")


def _label(name: str, schema_field: fields.Field) -> str:
    return str(schema_field.metadata.get("label") or name.replace("_", " ").capitalize())


def _kind(schema_field: fields.Field) -> str:
    if "widget" in schema_field.metadata:
        return schema_field.metadata["widget"]
    if isinstance(schema_field, fields.Boolean):
        return "checkbox"
    if isinstance(schema_field, fields.Email):
        return "email"
    if isinstance(schema_field, fields.URL):
        return "url"
    if isinstance(schema_field, fields.Integer | fields.Float | fields.Decimal):
        return "number"
    return "text"


def _in_form(schema_field: fields.Field) -> bool:
    return schema_field.metadata.get("form", True) and not schema_field.dump_only


def form_field_names(schema: ma.Schema) -> list[str]:
    """The fields of `schema` its form shows (the others are the application's to set)."""
    return [name for name, schema_field in schema.fields.items() if _in_form(schema_field)]


def _nested_schema(schema_field: fields.Field) -> ma.Schema | None:
    if isinstance(schema_field, fields.Nested):
        return schema_field.schema
    return None


def build_form(
    schema: ma.Schema,
    values: Mapping[str, Any] | None,
    errors: Mapping[str, list[str]],
    prefix: str = "",
) -> list[FormField | FormGroup]:
    """The form's items for `schema`, filled with `values`, with `errors` by path."""
    values = values or {}
    items: list[FormField | FormGroup] = []
    for name, schema_field in schema.fields.items():
        if not _in_form(schema_field):
            continue
        path = f"{prefix}{name}"
        label, hint = _label(name, schema_field), schema_field.metadata.get("description")
        nested = _nested_schema(schema_field)
        if nested is not None:
            items.append(
                FormGroup(
                    path,
                    label,
                    build_form(nested, values.get(name), errors, f"{path}."),
                    hint,
                    errors.get(path, []),
                )
            )
            continue
        inner = getattr(schema_field, "inner", None)
        if isinstance(schema_field, fields.List) and _nested_schema(inner) is not None:
            rows = list(values.get(name) or [])
            rows += [{}] * schema_field.metadata.get("extra_rows", EXTRA_ROWS)
            group = FormGroup(path, label, [], hint, errors.get(path, []))
            for index, row in enumerate(rows):
                row_label = f"{schema_field.metadata.get('row_label', label)} {index + 1}"
                group.fields.append(
                    FormGroup(
                        f"{path}.{index}",
                        row_label,
                        build_form(_nested_schema(inner), row, errors, f"{path}.{index}."),
                    )
                )
            items.append(group)
            continue
        value = values.get(name)
        items.append(
            FormField(
                name=path,
                label=label,
                kind=_kind(schema_field),
                value="" if value is None else value,
                errors=errors.get(path, []),
                required=schema_field.required,
                hint=hint,
                autocomplete=schema_field.metadata.get("autocomplete"),
            )
        )
    return items


def parse_form(schema: ma.Schema, form: MultiDict, prefix: str = "") -> dict[str, Any]:
    """The nested data a submitted form carries for `schema`; empty values are left out so that
    the schema's defaults apply, and list rows left blank are dropped."""
    data: dict[str, Any] = {}
    for name, schema_field in schema.fields.items():
        if not _in_form(schema_field):
            continue
        path = f"{prefix}{name}"
        nested = _nested_schema(schema_field)
        if nested is not None:
            data[name] = parse_form(nested, form, f"{path}.")
            continue
        inner = getattr(schema_field, "inner", None)
        if isinstance(schema_field, fields.List) and _nested_schema(inner) is not None:
            depth = len(path.split("."))
            indices = sorted(
                {
                    index
                    for key in form
                    if key.startswith(f"{path}.")
                    and (index := whole_number(key.split(".")[depth], max_digits=4)) is not None
                }
            )
            rows = [parse_form(_nested_schema(inner), form, f"{path}.{i}.") for i in indices]
            data[name] = [
                row for row in rows if any(v not in (None, "", False) for v in row.values())
            ]
            continue
        if isinstance(schema_field, fields.Boolean):
            data[name] = form.get(path) in ("on", "true", "1", "y")
            continue
        value = form.get(path, "")
        if isinstance(value, str):
            value = value.strip()
        if value != "":
            data[name] = value
    return data
