"""The rules of the Social Points: when a desk is open, which slots are free, and booking them
so that no slot is ever given twice.

Slots are computed, not stored: a weekday's opening hours cut into appointments of the desk's
length, minus closures, each slot as many times as operators are on duty that weekday, minus
the bookings that hold it. A booking takes one operator's slot; two unique indexes (operator,
day, start) and (citizen, day, start) over the bookings that hold their slot make the database
refuse a second one, so two people booking the last slot at the same moment cannot both get it.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from condiviso.errors import Conflict, InvalidInput, NotFound
from condiviso.extensions import db
from plugins.social_point.models import (
    HOLDS_SLOT,
    Booking,
    BookingStatus,
    Closure,
    Duty,
    Mode,
    OpeningHours,
    SocialPoint,
)

MAX_DAYS_AHEAD = 92  # how far ahead a slot can be booked
_PHONE = re.compile(r"^\+?[0-9 ./-]{6,20}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Rome")


def local_now() -> datetime:
    """Now on the district's wall clock, without a time zone (slots are wall-clock times)."""
    return datetime.now(zone()).replace(tzinfo=None)


@dataclass(frozen=True)
class Slot:
    day: date
    start: time
    end: time
    free: int  # operators still free at that time

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}T{self.start.strftime('%H:%M')}"


# -- reading ---------------------------------------------------------------------------------------


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


def _starts(opens: time, closes: time, minutes: int) -> Iterable[time]:
    moment = datetime.combine(date.min, opens)
    last = datetime.combine(date.min, closes) - timedelta(minutes=minutes)
    while moment <= last:
        yield moment.time()
        moment += timedelta(minutes=minutes)


def free_slots(
    point: SocialPoint, first: date, last: date, now: datetime | None = None
) -> list[Slot]:
    """The slots of the desk from `first` to `last` (included) that can still be booked."""
    now = now or local_now()
    first = max(first, now.date())
    if last < first:
        return []
    closed = set(
        db.session.scalars(
            sa.select(Closure.day).where(
                Closure.point_id == point.id, Closure.day.between(first, last)
            )
        )
    )
    on_duty: dict[int, set[int]] = defaultdict(set)
    for duty in point.duties:
        on_duty[duty.weekday].add(duty.user_id)
    hours: dict[int, list[OpeningHours]] = defaultdict(list)
    for opening in point.hours:
        hours[opening.weekday].append(opening)
    taken: dict[tuple[date, time], set[int]] = defaultdict(set)
    # An operator busy at another desk is busy here too.
    staff = {duty.user_id for duty in point.duties}
    for day, start, operator in db.session.execute(
        sa.select(Booking.day, Booking.start, Booking.operator_user_id).where(
            Booking.operator_user_id.in_(staff), Booking.day.between(first, last), HOLDS_SLOT
        )
    ):
        taken[day, start].add(operator)
    slots = []
    length = timedelta(minutes=point.slot_minutes)
    day = first
    while day <= last:
        operators = on_duty.get(day.weekday(), set())
        if day not in closed and operators:
            for opening in hours.get(day.weekday(), []):
                for start in _starts(opening.opens, opening.closes, point.slot_minutes):
                    if datetime.combine(day, start) <= now:
                        continue
                    free = len(operators - taken.get((day, start), set()))
                    if free:
                        end = (datetime.combine(day, start) + length).time()
                        slots.append(Slot(day, start, end, free))
        day += timedelta(days=1)
    return slots


# -- booking ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    """Who the appointment is for: a signed-in citizen, or a guest with a name and a phone."""

    citizen_id: int | None = None
    guest_name: str | None = None
    guest_phone: str | None = None


def parse_slot(value: Any) -> tuple[date, time] | None:
    """`2026-12-03T09:30` → (day, start); None for anything else."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.date(), moment.time()


def _check_who(who: Who, errors: dict[str, list[str]]) -> None:
    if who.citizen_id is not None:
        return
    name = (who.guest_name or "").strip()
    phone = (who.guest_phone or "").strip()
    if not name or len(name) > 120 or _CONTROL.search(name):
        errors["guest_name"] = [_("Scrivi nome e cognome (al massimo 120 caratteri).")]
    if not _PHONE.match(phone):
        errors["guest_phone"] = [
            _("Scrivi un numero di telefono valido: lo useremo per confermare l'appuntamento.")
        ]


def _slot_problem(point: SocialPoint, day: date, start: time, now: datetime) -> str | None:
    """Why (day, start) is not a slot of the desk, in words for the citizen; None if it is."""
    if datetime.combine(day, start) <= now:
        return _("Questo orario è già passato: scegline un altro.")
    if day > now.date() + timedelta(days=MAX_DAYS_AHEAD):
        return _("Si può prenotare al massimo tre mesi prima.")
    if db.session.scalar(
        sa.select(Closure.reason).where(Closure.point_id == point.id, Closure.day == day)
    ):
        return _("In questo giorno il Social Point è chiuso: scegli un altro giorno.")
    starts = {
        s
        for opening in point.hours
        if opening.weekday == day.weekday()
        for s in _starts(opening.opens, opening.closes, point.slot_minutes)
    }
    if start not in starts:
        return _("Il Social Point non riceve a quest'ora: scegli uno degli orari proposti.")
    return None


def book(
    point: SocialPoint,
    slot: Any,
    mode: Any,
    who: Who,
    booked_by: int | None = None,
    topic: str | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book a slot (`2026-12-03T09:30`) of the desk for `who`, with one of the operators free
    then. `InvalidInput` for a wrong slot, mode or contact; `Conflict` when the slot has just
    been taken or the citizen already has an appointment then. Commits."""
    now = now or local_now()
    errors: dict[str, list[str]] = {}
    parsed = parse_slot(slot)
    if parsed is None:
        errors["slot"] = [_("Scegli un giorno e un orario dall'elenco.")]
    else:
        problem = _slot_problem(point, *parsed, now)
        if problem:
            errors["slot"] = [problem]
    if mode not in point.modes:
        errors["mode"] = [_("Scegli come vuoi parlare con l'operatore.")]
    if topic is not None and (len(topic) > 500 or _CONTROL.search(topic)):
        errors["topic"] = [_("Al massimo 500 caratteri.")]
    _check_who(who, errors)
    if errors:
        raise InvalidInput(errors)
    day, start = parsed
    if who.citizen_id is not None and db.session.scalar(
        sa.select(Booking.id).where(
            Booking.citizen_user_id == who.citizen_id,
            Booking.day == day,
            Booking.start == start,
            HOLDS_SLOT,
        )
    ):
        raise Conflict(_("Hai già un appuntamento a quest'ora."))
    candidates = sorted(d.user_id for d in point.duties if d.weekday == day.weekday())
    taken = set(
        db.session.scalars(
            sa.select(Booking.operator_user_id).where(
                Booking.operator_user_id.in_(candidates),
                Booking.day == day,
                Booking.start == start,
                HOLDS_SLOT,
            )
        )
    )
    for operator_id in [c for c in candidates if c not in taken]:
        booking = Booking(
            point_id=point.id,
            operator_user_id=operator_id,
            day=day,
            start=start,
            minutes=point.slot_minutes,
            mode=mode,
            citizen_user_id=who.citizen_id,
            guest_name=(who.guest_name or "").strip() or None if who.citizen_id is None else None,
            guest_phone=(who.guest_phone or "").strip() or None if who.citizen_id is None else None,
            topic=(topic or "").strip() or None,
            booked_by_user_id=booked_by,
            status=BookingStatus.BOOKED.value,
        )
        try:
            with db.session.begin_nested():
                db.session.add(booking)
        except IntegrityError:
            # Someone took this operator's slot (or the citizen booked elsewhere) meanwhile.
            if who.citizen_id is not None and _citizen_busy(who.citizen_id, day, start):
                raise Conflict(_("Hai già un appuntamento a quest'ora.")) from None
            continue
        db.session.commit()
        return booking
    raise Conflict(
        _("Questo orario è appena stato prenotato da un'altra persona: scegline un altro.")
    )


def _citizen_busy(citizen_id: int, day: date, start: time) -> bool:
    return (
        db.session.scalar(
            sa.select(Booking.id).where(
                Booking.citizen_user_id == citizen_id,
                Booking.day == day,
                Booking.start == start,
                HOLDS_SLOT,
            )
        )
        is not None
    )


def starts_at(booking: Booking) -> datetime:
    """The appointment's start as an aware datetime (for calendars and notice periods)."""
    return datetime.combine(booking.day, booking.start, tzinfo=zone())


def _check_notice(booking: Booking, now: datetime) -> None:
    if booking.status != BookingStatus.BOOKED.value:
        raise Conflict(_("Questo appuntamento non è più attivo."))
    deadline = datetime.combine(booking.day, booking.start) - timedelta(
        hours=booking.point.notice_hours
    )
    if now > deadline:
        raise Conflict(
            _(
                "Mancano meno di %(hours)d ore all'appuntamento: per disdirlo o spostarlo "
                "telefona al Social Point.",
                hours=booking.point.notice_hours,
            )
        )


def citizen_booking(citizen_id: int, booking_id: int) -> Booking:
    booking = db.session.scalar(
        sa.select(Booking).where(Booking.id == booking_id, Booking.citizen_user_id == citizen_id)
    )
    if booking is None:
        raise NotFound(_("L'appuntamento che cerchi non esiste."))
    return booking


def cancel(booking: Booking, now: datetime | None = None, by_staff: bool = False) -> None:
    """Cancel an appointment: the citizen up to the desk's notice, staff at any time."""
    now = now or local_now()
    if by_staff:
        if booking.status != BookingStatus.BOOKED.value:
            raise Conflict(_("Questo appuntamento non è più attivo."))
    else:
        _check_notice(booking, now)
    booking.status = BookingStatus.CANCELLED.value
    booking.cancelled_at = datetime.now(UTC)
    db.session.commit()


def move(booking: Booking, slot: Any, now: datetime | None = None) -> Booking:
    """Move an appointment to another slot of the same desk: the new one is booked first, and
    the old one is freed only if that succeeds."""
    now = now or local_now()
    _check_notice(booking, now)
    who = Who(booking.citizen_user_id, booking.guest_name, booking.guest_phone)
    booking.status = BookingStatus.CANCELLED.value  # frees the citizen's own time for the check
    booking.cancelled_at = datetime.now(UTC)
    db.session.flush()
    try:
        return book(
            booking.point, slot, booking.mode, who, booking.booked_by_user_id, booking.topic, now
        )
    except (InvalidInput, Conflict):
        db.session.rollback()
        raise


# -- the operator's day ----------------------------------------------------------------------------


def day_bookings(point: SocialPoint, day: date) -> list[Booking]:
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(Booking.point_id == point.id, Booking.day == day, HOLDS_SLOT)
            .order_by(Booking.start, Booking.id)
        ).unique()
    )


def mark(booking: Booking, status: str) -> None:
    """Record that the citizen came, or did not."""
    if status not in (BookingStatus.ATTENDED.value, BookingStatus.NO_SHOW.value):
        raise InvalidInput({"status": [_("Stato sconosciuto.")]})
    if booking.status == BookingStatus.CANCELLED.value:
        raise Conflict(_("Questo appuntamento è stato disdetto."))
    booking.status = status
    db.session.commit()


# -- the desk's settings ---------------------------------------------------------------------------


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
    """Create or change a desk: name, comune_id, address, accessibility notes, step_free,
    parking, slot_minutes, modes, notice_hours, active, hours [{weekday, opens, closes}] and
    duties [{user_id, weekday}]. All checked before anything changes. The caller commits."""
    from condiviso.accounts.models import User
    from condiviso.accounts.roles import Role
    from condiviso.territory.models import Comune

    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for field, limit, required in (
        ("name", 120, True),
        ("address", 200, True),
        ("accessibility_notes", 500, False),
    ):
        value = data.get(field)
        value = value.strip() if isinstance(value, str) else ""
        if (required and not value) or len(value) > limit or _CONTROL.search(value):
            errors[field] = [_("Campo obbligatorio, al massimo %(n)d caratteri.", n=limit)]
        values[field] = value or None
    comune_id = data.get("comune_id")
    if not isinstance(comune_id, int) or db.session.get(Comune, comune_id) is None:
        errors["comune_id"] = [_("Scegli il comune dall'elenco.")]
    values["comune_id"] = comune_id
    minutes = data.get("slot_minutes", 30)
    if minutes not in (15, 20, 30, 45, 60, 90):
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
    operator_ids = {
        u.id
        for u in db.session.scalars(sa.select(User).where(User.deleted_at.is_(None)))
        if u.has_role(Role.OPERATOR)
    }
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
    if not reason or len(reason) > 200 or _CONTROL.search(reason):
        errors["reason"] = [_("Scrivi il motivo (al massimo 200 caratteri).")]
    if not errors and any(c.day == day for c in point.closures):
        errors["day"] = [_("Il Social Point è già chiuso in questo giorno.")]
    if errors:
        raise InvalidInput(errors)
    closure = Closure(point_id=point.id, day=day, reason=reason)
    db.session.add(closure)
    db.session.flush()
    return closure
