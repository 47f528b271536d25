"""The desks themselves, as the district admin sets them up: where they are, when they open,
how long an appointment lasts, which operators are on duty, the days they stay closed.

Every change is checked in full before anything changes (`InvalidInput` with a message per
field); the caller commits."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, time
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import (
    CONTROL_CHARACTERS,
    PHONE_NUMBER,
    Comune,
    InvalidInput,
    NotFound,
    Role,
    RoleGrant,
    User,
    clean_text,
    db,
    deliverable_email,
)
from plugins.social_point.models import Closure, Duty, Mode, OpeningHours, SocialPoint

SLOT_LENGTHS = (15, 20, 30, 45, 60, 90)  # the minutes an appointment may last


def weekday_names() -> list[str]:
    """Monday to Sunday, in the person's language."""
    return [
        _("lunedì"),
        _("martedì"),
        _("mercoledì"),
        _("giovedì"),
        _("venerdì"),
        _("sabato"),
        _("domenica"),
    ]


def help_lines(comune_id: int | None, most: int = 2) -> list[str]:
    """The `most` desks nearest the person (those of their comune first) as lines for a printed
    sheet: name, address, telephone and the days they open."""
    names = weekday_names()
    nearest_first = sorted(points(), key=lambda p: (p.comune_id != comune_id, p.name))[:most]
    lines = []
    for point in nearest_first:
        days = ", ".join(names[d] for d in sorted({h.weekday for h in point.hours}))
        parts = [f"{point.name}: {point.address}, {point.comune.name}"]
        if point.phone:
            parts.append(_("telefono %(phone)s", phone=point.phone))
        if days:
            parts.append(_("aperto %(days)s", days=days))
        lines.append(" — ".join(parts))
    return lines


def points(active_only: bool = True) -> list[SocialPoint]:
    query = sa.select(SocialPoint).order_by(SocialPoint.name)
    if active_only:
        query = query.where(SocialPoint.active.is_(True))
    return list(db.session.scalars(query).unique())


def get_point(point_id: int, active_only: bool = True) -> SocialPoint:
    point = db.session.get(SocialPoint, point_id) if 0 < point_id < 2**31 else None
    if point is None or (active_only and not point.active):
        raise NotFound(_("Il Social Point che cerchi non esiste."))
    return point


def operators() -> list:
    """The people who may be put on duty: everyone with the operator role."""

    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.OPERATOR.value, User.deleted_at.is_(None))
            .order_by(User.full_name)
            .distinct()
        )
    )


def bookings_on_closures(point: SocialPoint) -> dict[date, int]:
    """How many appointments still stand on each day the desk is closed."""
    from plugins.social_point.models import HOLDS_SLOT, Booking

    return dict(
        db.session.execute(
            sa.select(Booking.day, sa.func.count())
            .join(Closure, Closure.day == Booking.day)
            .where(
                Closure.point_id == point.id,
                Booking.point_id == point.id,
                HOLDS_SLOT,
                Booking.walk_in.is_(False),
            )
            .group_by(Booking.day)
        ).all()
    )


def _clock(value: Any) -> time | None:
    if isinstance(value, time):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
        hours, minutes = (int(p) for p in value.strip().split(":"))
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    return None


def clean_hours(rows: Iterable[Mapping[str, Any]], errors: dict[str, list[str]]) -> list[dict]:
    """Opening hours as {weekday, opens, closes}: opening before closing, no overlaps."""
    clean = []
    for index, row in enumerate(rows):
        weekday = row.get("weekday")
        opens, closes = _clock(row.get("opens")), _clock(row.get("closes"))
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            errors[f"hours.{index}.weekday"] = [_("Scegli un giorno della settimana.")]
        elif opens is None or closes is None:
            errors[f"hours.{index}.opens"] = [_("Scrivi gli orari come 9:00 o 14:30.")]
        elif opens >= closes:
            errors[f"hours.{index}.closes"] = [_("La chiusura deve venire dopo l'apertura.")]
        else:
            clean.append({"weekday": weekday, "opens": opens, "closes": closes})
    by_day = defaultdict(list)
    for row in clean:
        by_day[row["weekday"]].append(row)
    for weekday, openings in by_day.items():
        openings.sort(key=lambda r: r["opens"])
        for before, after in itertools.pairwise(openings):
            if after["opens"] < before["closes"]:
                errors[f"hours.{weekday}"] = [
                    _("Due fasce orarie dello stesso giorno si sovrappongono.")
                ]
    return clean


def save_point(data: Mapping[str, Any], point: SocialPoint | None = None) -> SocialPoint:
    """Create or change a desk: name, comune_id, address, phone, email, accessibility notes,
    step_free, parking, slot_minutes, modes, notice_hours, active, hours [{weekday, opens,
    closes}] and duties [{user_id, weekday}]. All checked before anything changes. The caller
    commits."""

    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "name": clean_text(data, "name", errors, 120, required=True),
        "address": clean_text(data, "address", errors, 200, required=True),
        "accessibility_notes": clean_text(data, "accessibility_notes", errors, 500),
    }
    values["phone"] = clean_text(data, "phone", errors, 30)
    if values["phone"] and not PHONE_NUMBER.match(values["phone"]):
        errors["phone"] = [_("Scrivi un numero di telefono valido.")]
    values["email"] = clean_text(data, "email", errors, 254)
    if values["email"]:
        try:
            deliverable_email(values["email"])
        except ma.ValidationError as error:
            errors["email"] = [str(m) for m in error.messages]
    comune_id = data.get("comune_id")
    if not isinstance(comune_id, int) or db.session.get(Comune, comune_id) is None:
        errors["comune_id"] = [_("Scegli il comune dall'elenco.")]
    values["comune_id"] = comune_id
    minutes = data.get("slot_minutes", 30)
    if minutes not in SLOT_LENGTHS:
        errors["slot_minutes"] = [_("Scegli una durata dall'elenco.")]
    values["slot_minutes"] = minutes
    notice = data.get("notice_hours", 24)
    if not isinstance(notice, int) or not 0 <= notice <= 168:
        errors["notice_hours"] = [_("Un numero di ore da 0 a 168.")]
    values["notice_hours"] = notice
    modes = sorted(set(data.get("modes") or []))
    if not modes or not set(modes) <= {m.value for m in Mode}:
        errors["modes"] = [_("Scegli almeno un modo di ricevere.")]
    values["modes"] = modes
    for flag in ("step_free", "parking"):
        values[flag] = bool(data.get(flag))
    values["active"] = bool(data.get("active", True))
    hours = clean_hours(data.get("hours") or [], errors)
    duties = []
    operator_ids = {operator.id for operator in operators()}
    for index, duty in enumerate(data.get("duties") or []):
        if duty.get("user_id") not in operator_ids or duty.get("weekday") not in range(7):
            errors[f"duties.{index}"] = [_("Scegli un operatore e un giorno dall'elenco.")]
        else:
            duties.append((duty["user_id"], duty["weekday"]))
    twin = db.session.scalar(sa.select(SocialPoint).where(SocialPoint.name == values["name"]))
    if twin is not None and twin is not point:
        errors["name"] = [_("Un altro Social Point ha già questo nome.")]
    if errors:
        raise InvalidInput(errors)
    point = point or SocialPoint()
    for field, value in values.items():
        setattr(point, field, value)
    point.hours = [OpeningHours(**row) for row in hours]
    point.duties = [Duty(user_id=u, weekday=w) for u, w in sorted(set(duties))]
    db.session.add(point)
    db.session.flush()
    return point


def add_closure(point: SocialPoint, day: Any, reason: Any) -> Closure:
    """Close the desk on a day; appointments already booked then stay for staff to handle."""
    errors: dict[str, list[str]] = {}
    if not isinstance(day, date):
        try:
            day = date.fromisoformat(str(day))
        except ValueError:
            errors["day"] = [_("Scegli un giorno valido.")]
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > 200 or CONTROL_CHARACTERS.search(reason):
        errors["reason"] = [_("Scrivi il motivo (al massimo 200 caratteri).")]
    if not errors and any(c.day == day for c in point.closures):
        errors["day"] = [_("Il Social Point è già chiuso in questo giorno.")]
    if errors:
        raise InvalidInput(errors)
    closure = Closure(point_id=point.id, day=day, reason=reason)
    db.session.add(closure)
    db.session.flush()
    return closure


def remove_closure(point: SocialPoint, closure_id: int) -> None:
    closure = next((c for c in point.closures if c.id == closure_id), None)
    if closure is None:
        raise NotFound(_("Questa chiusura non esiste."))
    point.closures.remove(closure)
    db.session.flush()
