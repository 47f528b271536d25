"""The rules of the Social Points: when a desk is open, which slots are free, and booking them
so that no slot is ever given twice.

Slots are computed, not stored: a weekday's opening hours cut into appointments of the desk's
length, minus closures, each slot as many times as operators are on duty that weekday, minus
the bookings that hold it. A booking takes one operator's slot; two unique indexes (operator,
day, start) and (citizen, day, start) over the bookings that hold their slot make the database
refuse a second one, so two people booking the last slot at the same moment cannot both get it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from condiviso.plugin_api import (
    CONTROL_CHARACTERS,
    PHONE_NUMBER,
    Conflict,
    InvalidInput,
    db,
    find_by_username,
    local_now,
)
from plugins.social_point import notices
from plugins.social_point.models import (
    HOLDS_SLOT,
    Booking,
    BookingStatus,
    Closure,
    OpeningHours,
    SocialPoint,
)

MAX_DAYS_AHEAD = 92  # how far ahead a slot can be booked


@dataclass(frozen=True)
class Slot:
    day: date
    start: time
    end: time
    free: int  # operators still free at that time

    @property
    def key(self) -> str:
        return f"{self.day.isoformat()}T{self.start.strftime('%H:%M')}"


# -- free slots ------------------------------------------------------------------------------------


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
    """Who the appointment is for: a signed-in citizen, a registered citizen staff named by
    e-mail or telephone (`contact`), or a guest with a name and a phone."""

    citizen_id: int | None = None
    guest_name: str | None = None
    guest_phone: str | None = None
    contact: str | None = None


def parse_slot(value: Any) -> tuple[date, time] | None:
    """`2026-12-03T09:30` → (day, start); None for anything else."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.date(), moment.time()


def _whom(who: Who, errors: dict[str, list[str]]) -> Who:
    """`who` as booked: the registered citizen staff named, if they did, with their account
    found; a guest's name and phone checked."""
    if who.citizen_id is not None:
        return who
    if who.contact is not None:
        citizen = find_by_username(who.contact)
        if citizen is None:
            errors["citizen_contact"] = [
                _(
                    "Nessun cittadino registrato con questo recapito: controllalo, oppure "
                    "lascia vuoto e scrivi nome e telefono."
                )
            ]
            return who
        return Who(citizen_id=citizen.id)
    _check_guest(who, errors)
    return who


def _check_guest(who: Who, errors: dict[str, list[str]]) -> None:
    name = (who.guest_name or "").strip()
    phone = (who.guest_phone or "").strip()
    if not name or len(name) > 120 or CONTROL_CHARACTERS.search(name):
        errors["guest_name"] = [_("Scrivi nome e cognome (al massimo 120 caratteri).")]
    if not PHONE_NUMBER.match(phone):
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
    then, and e-mail the citizen the confirmation (a guest has the confirmation page).
    `InvalidInput` for a wrong slot, mode or contact; `Conflict` when the slot has just been
    taken or the citizen already has an appointment then. Commits."""
    booking = _reserve(point, slot, mode, who, booked_by, topic, now)
    notices.tell(booking, "booking_confirmed")
    return booking


def _reserve(
    point: SocialPoint,
    slot: Any,
    mode: Any,
    who: Who,
    booked_by: int | None,
    topic: str | None,
    now: datetime | None,
) -> Booking:
    """The booking `book` makes, committed, with nobody told yet (a move tells its own news)."""
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
    if topic is not None and (len(topic) > 500 or CONTROL_CHARACTERS.search(topic)):
        errors["topic"] = [_("Al massimo 500 caratteri.")]
    who = _whom(who, errors)
    if errors:
        raise InvalidInput(errors)
    day, start = parsed
    if who.citizen_id is not None and _citizen_busy(who.citizen_id, day, start):
        raise Conflict(_("Hai già un appuntamento a quest'ora."))
    guest_token = secrets.token_urlsafe(18) if who.citizen_id is None else None
    guest = (
        {
            "guest_name": who.guest_name.strip(),
            "guest_phone": who.guest_phone.strip(),
            "guest_token_digest": token_digest(guest_token),
        }
        if guest_token
        else {}
    )
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

    def clash() -> None:
        # Someone took this operator's slot (or the citizen booked elsewhere) meanwhile.
        if who.citizen_id is not None and _citizen_busy(who.citizen_id, day, start):
            raise Conflict(_("Hai già un appuntamento a quest'ora."))

    booking = insert_first(
        (
            Booking(
                point_id=point.id,
                operator_user_id=operator_id,
                day=day,
                start=start,
                minutes=point.slot_minutes,
                mode=mode,
                citizen_user_id=who.citizen_id,
                **guest,
                topic=(topic or "").strip() or None,
                booked_by_user_id=booked_by,
                status=BookingStatus.BOOKED.value,
            )
            for operator_id in candidates
            if operator_id not in taken
        ),
        on_clash=clash,
    )
    if booking is not None:
        booking.guest_token = guest_token  # shown once, on the confirmation page
        return booking
    raise Conflict(
        _("Questo orario è appena stato prenotato da un'altra persona: scegline un altro.")
    )


def insert_first(
    bookings: Iterable[Booking], on_clash: Callable[[], None] | None = None
) -> Booking | None:
    """The first of `bookings` the database accepts, committed; None when each clashed with
    one already there (the unique indexes on a taken slot). `on_clash` runs after each clash
    and may raise to stop trying."""
    for booking in bookings:
        try:
            with db.session.begin_nested():
                db.session.add(booking)
        except IntegrityError:
            if on_clash is not None:
                on_clash()
            continue
        db.session.commit()
        return booking
    return None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


def _deadline(booking: Booking) -> datetime:
    return datetime.combine(booking.day, booking.start) - timedelta(
        hours=booking.point.notice_hours
    )


def changeable(booking: Booking, now: datetime | None = None) -> bool:
    """Whether the citizen may still cancel or move the appointment themselves."""
    return booking.status == BookingStatus.BOOKED.value and (now or local_now()) <= _deadline(
        booking
    )


def _check_notice(booking: Booking, now: datetime) -> None:
    if booking.status != BookingStatus.BOOKED.value:
        raise Conflict(_("Questo appuntamento non è più attivo."))
    if now > _deadline(booking):
        raise Conflict(
            _(
                "Mancano meno di %(hours)d ore all'appuntamento: per disdirlo o spostarlo "
                "telefona al Social Point.",
                hours=booking.point.notice_hours,
            )
        )


def cancel(booking: Booking, now: datetime | None = None, by_staff: bool = False) -> None:
    """Cancel an appointment, the citizen up to the desk's notice, staff at any time, and
    e-mail the citizen that it is cancelled. Commits."""
    now = now or local_now()
    if by_staff:
        if booking.status != BookingStatus.BOOKED.value:
            raise Conflict(_("Questo appuntamento non è più attivo."))
    else:
        _check_notice(booking, now)
    booking.status = BookingStatus.CANCELLED.value
    booking.cancelled_at = datetime.now(UTC)
    db.session.commit()
    notices.tell(booking, "booking_cancelled")


def move(booking: Booking, slot: Any, now: datetime | None = None) -> Booking:
    """Move an appointment to another slot of the same desk: the new one is booked first, and
    the old one is freed only if that succeeds; then the citizen gets one e-mail with both
    times. Commits."""
    now = now or local_now()
    _check_notice(booking, now)
    who = Who(booking.citizen_user_id, booking.guest_name, booking.guest_phone)
    booking.status = BookingStatus.CANCELLED.value  # frees the citizen's own time for the check
    booking.cancelled_at = datetime.now(UTC)
    db.session.flush()
    digest = booking.guest_token_digest
    try:
        moved = _reserve(
            booking.point, slot, booking.mode, who, booking.booked_by_user_id, booking.topic, now
        )
    except (InvalidInput, Conflict):
        db.session.rollback()
        raise
    if digest is not None:  # the guest's private link follows the appointment
        moved.guest_token_digest = digest
        booking.guest_token_digest = None
        db.session.commit()
    notices.tell(moved, "booking_moved", previous=booking)
    return moved
