"""Social Points from a tenant definition: `[plugins.social_point] desks = "desks.toml"` names a
file in the definition's folder listing the desks, their hours and the operators on duty (by
e-mail). Applying it again updates the desks by name and keeps their appointments."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import Comune, InvalidInput, db
from plugins.social_point import desks
from plugins.social_point.models import SocialPoint

FIELD = "plugins.social_point.desks"


def desks_file(section: Mapping[str, Any], source_dir: Path) -> Path | None:
    """The desks file the section names, inside the definition's folder; None if none."""
    name = section.get("desks")
    if name is None:
        return None
    base = source_dir.resolve()
    path = (base / name).resolve() if isinstance(name, str) and name else None
    if path is None or base not in path.parents:
        raise InvalidInput(
            {FIELD: [_("Il file dei Social Point deve stare nella cartella della definizione.")]}
        )
    if not path.is_file():
        raise InvalidInput({FIELD: [_("Non trovo il file dei Social Point %(name)s.", name=name)]})
    return path


def read_desks(path: Path) -> list[dict[str, Any]]:
    try:
        points = tomllib.loads(path.read_text(encoding="utf-8")).get("points", [])
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(
            {FIELD: [_("Il file non è TOML valido: %(error)s", error=str(error))]}
        ) from None
    if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
        raise InvalidInput({FIELD: [_("Elenca i Social Point come [[points]].")]})
    return points


def _as_service_data(point: dict[str, Any], comuni: dict[str, int], operators: dict[str, int]):
    """A desk of the file as `desks.save_point` takes it: the comune by ISTAT code, duties by
    the operators' e-mail (operators without an account yet are left out)."""
    duties = [
        {"user_id": operators[duty.get("email", "").lower()], "weekday": weekday}
        for duty in point.get("operators", [])
        if isinstance(duty, dict) and duty.get("email", "").lower() in operators
        for weekday in duty.get("weekdays", [])
    ]
    return {
        **{k: v for k, v in point.items() if k not in ("comune", "operators")},
        "comune_id": comuni.get(str(point.get("comune"))),
        "duties": duties,
    }


def import_desks(section: Mapping[str, Any], source_dir: Path) -> None:
    """Create or update the listed desks in the current tenant; the caller commits.
    `InvalidInput` (with the desk's position) and nothing changed if one is wrong."""
    path = desks_file(section, source_dir)
    if path is None:
        return
    comuni = dict(db.session.execute(sa.select(Comune.istat_code, Comune.id)).all())
    operators = {user.email.lower(): user.id for user in desks.operators() if user.email}
    for index, point in enumerate(read_desks(path)):
        existing = db.session.scalar(
            sa.select(SocialPoint).where(SocialPoint.name == point.get("name"))
        )
        try:
            desks.save_point(_as_service_data(point, comuni, operators), existing)
        except InvalidInput as error:
            db.session.rollback()
            raise InvalidInput(
                {f"{FIELD}.{index}.{key}": messages for key, messages in error.errors.items()}
            ) from None
