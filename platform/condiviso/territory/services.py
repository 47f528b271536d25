"""Keeping the district's comuni (tenant data) in line with its definition."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

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
