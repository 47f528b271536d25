"""The district's comuni (tenant data): kept in line with its definition, and changed by its
admin."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.territory.models import Comune

_FIELDS = ("name", "cadastral_code", "postal_code", "population", "is_lead")


def sync_comuni(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Insert or update comuni by ISTAT code (never delete: people and services refer to them).
    Returns one line per change; the caller commits."""
    existing = {c.istat_code: c for c in db.session.scalars(sa.select(Comune))}
    changes = []
    for record in records:
        comune = existing.get(record["istat_code"])
        if comune is None:
            comune = Comune(istat_code=record["istat_code"])
            db.session.add(comune)
            changes.append(f"comune {record['istat_code']} {record['name']}: added")
        changed = [f for f in _FIELDS if getattr(comune, f, None) != record.get(f)]
        for name in changed:
            setattr(comune, name, record.get(name))
        if changed and comune.id is not None:
            changes.append(f"comune {record['istat_code']} {record['name']}: {', '.join(changed)}")
    return changes


def list_comuni() -> list[Comune]:
    """The district's comuni, by name."""
    return list(db.session.scalars(sa.select(Comune).order_by(Comune.name)))


def comuni_choices() -> list[tuple[int, str]]:
    """(id, name) of the district's comuni, by name: the options of a select field."""
    return [(c.id, c.name) for c in list_comuni()]


def get_comune(comune_id: int) -> Comune | None:
    return db.session.get(Comune, comune_id)


def comune_by_istat(istat_code: str) -> Comune | None:
    """The comune with this ISTAT code (6 digits), or None."""
    if not (len(istat_code) == 6 and istat_code.isdigit()):
        return None
    return db.session.scalar(sa.select(Comune).where(Comune.istat_code == istat_code))


def save_comune(comune: Comune | None, values: Mapping[str, Any]) -> Comune:
    """Add a comune (`comune` None) or change one, from the admin's form; its ISTAT code is
    the district's only one. The caller commits."""
    clash = comune_by_istat(values["istat_code"])
    if clash is not None and clash is not comune:
        raise InvalidInput({"istat_code": [_("Un altro comune ha già questo codice ISTAT.")]})
    if comune is None:
        comune = Comune(is_lead=False)
        db.session.add(comune)
    comune.name = values["name"].strip()
    comune.istat_code = values["istat_code"]
    comune.contact_email = (values["contact_email"] or "").strip().lower() or None
    comune.contact_phone = (values["contact_phone"] or "").strip() or None
    comune.social_office = (values["social_office"] or "").strip() or None
    return comune
