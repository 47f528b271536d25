"""The service network's public functions: what other plugins (the catalog first) read, and the
one way to change categories, cooperatives and accreditations.

Every change is validated in full before anything is touched and raises `InvalidInput` with the
problems per field (Italian messages) and nothing changed. Changes are flushed, not committed:
the caller commits (a page after its one change, the tenant definition import after all). Each
change is told to the tenant's other plugins (`condiviso_records_changed`) before that commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

import marshmallow as ma
import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import (
    Comune,
    InvalidInput,
    NotFound,
    current_tenant,
    db,
    flatten_errors,
    tenant_hook,
    today,
)
from plugins.cooperatives.models import Accreditation, Category, Cooperative
from plugins.cooperatives.schemas import AccreditationInput, CategoryInput, CooperativeInput

Model = TypeVar("Model", Category, Cooperative, Accreditation, Comune)
_LARGEST_ID = 2**31 - 1  # ids beyond a 32-bit integer cannot exist, whatever a form sends
Errors = dict[str, list[str]]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _LARGEST_ID


def _get(model: type[Model], record_id: Any) -> Model | None:
    return db.session.get(model, record_id) if _is_id(record_id) else None


# -- reading ------------------------------------------------------------------------------------


def categories() -> list[Category]:
    """Every service category, in the district's order (position, then name)."""
    return list(db.session.scalars(sa.select(Category).order_by(Category.position, Category.name)))


def category(category_id: int) -> Category | None:
    """The category with this id, or None."""
    return _get(Category, category_id)


def category_by_slug(slug: str) -> Category | None:
    """The category with this slug, or None."""
    return db.session.scalar(sa.select(Category).where(Category.slug == slug))


def cooperatives(active_only: bool = True) -> list[Cooperative]:
    """The cooperatives of the network by name; only the active ones unless told otherwise."""
    query = sa.select(Cooperative).order_by(Cooperative.legal_name)
    if active_only:
        query = query.where(Cooperative.active.is_(True))
    return list(db.session.scalars(query))


def get_cooperative(cooperative_id: int) -> Cooperative | None:
    """The cooperative with this id (active or not), or None."""
    return _get(Cooperative, cooperative_id)


def cooperative_by_slug(slug: str) -> Cooperative | None:
    """The cooperative with this slug, or None."""
    return db.session.scalar(sa.select(Cooperative).where(Cooperative.slug == slug))


def accreditations() -> list[Accreditation]:
    """Every accreditation, by cooperative, category, comune and start."""
    found = db.session.scalars(sa.select(Accreditation)).all()
    return sorted(
        found,
        key=lambda a: (
            a.cooperative.legal_name.casefold(),
            a.category.position,
            a.category.name.casefold(),
            a.comune.name.casefold(),
            a.valid_from,
        ),
    )


def get_accreditation(accreditation_id: int) -> Accreditation | None:
    """The accreditation with this id, or None."""
    return _get(Accreditation, accreditation_id)


def find_accreditation(
    cooperative_id: int, comune_id: int, category_id: int, valid_from: date
) -> Accreditation | None:
    """The accreditation of a cooperative, in a comune, for a category, starting on a day."""
    return db.session.scalar(
        sa.select(Accreditation).where(
            Accreditation.cooperative_id == cooperative_id,
            Accreditation.comune_id == comune_id,
            Accreditation.category_id == category_id,
            Accreditation.valid_from == valid_from,
        )
    )


def valid_on(day: date) -> sa.ColumnElement[bool]:
    """The condition, for queries, that an accreditation is valid on `day` (both ends included;
    no end means open-ended)."""
    return sa.and_(
        Accreditation.valid_from <= day,
        sa.or_(Accreditation.valid_to.is_(None), Accreditation.valid_to >= day),
    )


def is_accredited(
    cooperative_id: int, category_id: int, comune_id: int, on: date | None = None
) -> bool:
    """Whether the cooperative is accredited for the category in the comune on `on` (today)."""
    query = sa.select(Accreditation.id).where(
        Accreditation.cooperative_id == cooperative_id,
        Accreditation.category_id == category_id,
        Accreditation.comune_id == comune_id,
        valid_on(on or today()),
    )
    return db.session.scalar(query.limit(1)) is not None


def accredited_comuni(cooperative_id: int, category_id: int, on: date | None = None) -> set[int]:
    """The ids of the comuni where the cooperative is accredited for the category on `on`."""
    query = sa.select(Accreditation.comune_id).where(
        Accreditation.cooperative_id == cooperative_id,
        Accreditation.category_id == category_id,
        valid_on(on or today()),
    )
    return set(db.session.scalars(query))


# -- changing -----------------------------------------------------------------------------------


def _load(schema: ma.Schema, data: Any) -> tuple[dict[str, Any], Errors]:
    """What the schema accepts of `data`, and the problems with the rest."""
    if not isinstance(data, Mapping):
        return {}, {"_schema": [_("Dati non validi: è atteso un insieme di campi.")]}
    try:
        return schema.load(dict(data)), {}
    except ma.ValidationError as error:
        valid = error.valid_data if isinstance(error.valid_data, dict) else {}
        return valid, flatten_errors(error.messages)


def _check_unique(
    errors: Errors,
    model: type[Model],
    values: Mapping[str, Any],
    name: str,
    current: Any,
    message: str,
) -> None:
    value = values.get(name)
    if value is None or name in errors:
        return
    query = sa.select(model.id).where(getattr(model, name) == value)
    if current is not None:
        query = query.where(model.id != current.id)
    if db.session.scalar(query.limit(1)) is not None:
        errors[name] = [message]


def _assign(record: Any, values: Mapping[str, Any]) -> None:
    """Set the values that differ, so that an unchanged record stays clean."""
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)


def _changed(record_type: str, record_id: int) -> None:
    """Tell the tenant's other plugins (the catalog, say) that a record was written."""
    tenant = current_tenant()
    tenant_hook("condiviso_records_changed", tenant)(
        tenant=tenant, record_type=record_type, ids=[record_id]
    )


def _existing(model: type[Model], record_id: Any, message: str) -> Model:
    record = _get(model, record_id)
    if record is None:
        raise NotFound(message)
    return record


def _save_category(data: Any, current: Category | None) -> Category:
    values, errors = _load(CategoryInput(), data)
    _check_unique(
        errors,
        Category,
        values,
        "slug",
        current,
        _("Un'altra categoria ha già questo identificativo."),
    )
    if errors:
        raise InvalidInput(errors)
    category = current or Category()
    _assign(category, values)
    db.session.add(category)
    db.session.flush()
    _changed("cooperatives.category", category.id)
    return category


def create_category(data: Mapping[str, Any]) -> Category:
    """Add a service category (slug, name, name_en, description, icon, position)."""
    return _save_category(data, None)


def update_category(category_id: int, data: Mapping[str, Any]) -> Category:
    """Replace a category's fields with `data` (as `create_category` takes them)."""
    current = _existing(Category, category_id, _("La categoria non esiste."))
    return _save_category(data, current)


def _served_comuni(ids: Iterable[Any], errors: Errors) -> list[Comune]:
    ids = list(ids)
    wanted = set(ids) if all(_is_id(i) for i in ids) else None
    found = (
        db.session.scalars(sa.select(Comune).where(Comune.id.in_(wanted))).all() if wanted else []
    )
    if wanted is None or len(found) != len(wanted):
        errors["comuni"] = [_("Scegli i comuni dall'elenco dei comuni del distretto.")]
    return sorted(found, key=lambda c: c.name)


def _save_cooperative(data: Any, current: Cooperative | None) -> Cooperative:
    values, errors = _load(CooperativeInput(), data)
    comuni = _served_comuni(values.pop("comuni", []), errors)
    _check_unique(
        errors,
        Cooperative,
        values,
        "slug",
        current,
        _("Un'altra cooperativa ha già questo identificativo."),
    )
    _check_unique(
        errors,
        Cooperative,
        values,
        "tax_code",
        current,
        _("Un'altra cooperativa ha già questa partita IVA o questo codice fiscale."),
    )
    if errors:
        raise InvalidInput(errors)
    cooperative = current or Cooperative()
    _assign(cooperative, values)
    if {c.id for c in cooperative.comuni} != {c.id for c in comuni}:
        cooperative.comuni = comuni
    db.session.add(cooperative)
    db.session.flush()
    _changed("cooperatives.cooperative", cooperative.id)
    return cooperative


def create_cooperative(data: Mapping[str, Any]) -> Cooperative:
    """Add a cooperative: slug, legal_name, short_name, tax_code, email, phone, website,
    address, description, active, and `comuni` (the ids of the comuni it serves)."""
    return _save_cooperative(data, None)


def update_cooperative(cooperative_id: int, data: Mapping[str, Any]) -> Cooperative:
    """Replace a cooperative's fields and comuni with `data` (as `create_cooperative`)."""
    current = _existing(Cooperative, cooperative_id, _("La cooperativa non esiste."))
    return _save_cooperative(data, current)


def _save_accreditation(data: Any, current: Accreditation | None) -> Accreditation:
    values, errors = _load(AccreditationInput(), data)
    for name, model, message in (
        ("cooperative_id", Cooperative, _("Scegli la cooperativa dall'elenco.")),
        ("comune_id", Comune, _("Scegli il comune dall'elenco.")),
        ("category_id", Category, _("Scegli la categoria dall'elenco.")),
    ):
        if name in values and _get(model, values[name]) is None:
            errors[name] = [message]
    if not errors:
        twin = find_accreditation(
            values["cooperative_id"],
            values["comune_id"],
            values["category_id"],
            values["valid_from"],
        )
        if twin is not None and twin is not current:
            errors["valid_from"] = [
                _(
                    "Questa cooperativa ha già un accreditamento per questa categoria in "
                    "questo comune che inizia lo stesso giorno."
                )
            ]
    if errors:
        raise InvalidInput(errors)
    accreditation = current or Accreditation()
    _assign(accreditation, values)
    db.session.add(accreditation)
    db.session.flush()
    _changed("cooperatives.accreditation", accreditation.id)
    return accreditation


def create_accreditation(data: Mapping[str, Any]) -> Accreditation:
    """Record an accreditation: cooperative_id, comune_id, category_id, valid_from, valid_to
    (None: open-ended), notes. The end may not come before the start."""
    return _save_accreditation(data, None)


def update_accreditation(accreditation_id: int, data: Mapping[str, Any]) -> Accreditation:
    """Replace an accreditation's fields with `data` (to end it, give its `valid_to`)."""
    current = _existing(Accreditation, accreditation_id, _("L'accreditamento non esiste."))
    return _save_accreditation(data, current)
