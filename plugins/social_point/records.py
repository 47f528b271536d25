"""Appointments once booked: found again by their citizen, their guest (private link) or
staff; the operator's day at a desk, with walk-ins and attendance; and what goes when a person
deletes their account. Booking itself, and the slots, are in `services`."""

from __future__ import annotations

import hmac
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import (
    PHONE_NUMBER,
    Conflict,
    InvalidInput,
    NotFound,
    clean_text,
    db,
    local_now,
)
from plugins.social_point.models import HOLDS_SLOT, Booking, BookingStatus, Mode, SocialPoint
from plugins.social_point.services import insert_first, token_digest

# -- finding an appointment again ------------------------------------------------------------------


def _booking(booking_id: int) -> Booking | None:
    return db.session.get(Booking, booking_id) if 0 < booking_id < 2**31 else None


def _not_found() -> NotFound:
    return NotFound(_("Questo appuntamento non esiste."))


def guest_booking(booking_id: int, token: str) -> Booking:
    """A guest's appointment, reached through the private link of its confirmation page."""
    booking = _booking(booking_id)
    if (
        booking is None
        or booking.guest_token_digest is None
        or not hmac.compare_digest(booking.guest_token_digest, token_digest(token))
    ):
        raise _not_found()
    return booking


def citizen_bookings(citizen_id: int) -> list[Booking]:
    """A citizen's appointments, the next one first, then the past ones."""
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(Booking.citizen_user_id == citizen_id)
            .order_by(Booking.day.desc(), Booking.start.desc())
        ).unique()
    )


def citizen_booking(citizen_id: int, booking_id: int) -> Booking:
    booking = _booking(booking_id)
    if booking is None or booking.citizen_user_id != citizen_id:
        raise _not_found()
    return booking


def staff_booking(booking_id: int) -> Booking:
    booking = _booking(booking_id)
    if booking is None:
        raise _not_found()
    return booking


# -- the operator's day ----------------------------------------------------------------------------


def day_bookings(point: SocialPoint, day: date) -> list[Booking]:
    return list(
        db.session.scalars(
            sa.select(Booking)
            .where(Booking.point_id == point.id, Booking.day == day, HOLDS_SLOT)
            .order_by(Booking.start, Booking.id)
        ).unique()
    )


def walk_in(
    point: SocialPoint,
    operator_id: int,
    name: Any,
    phone: Any,
    topic: Any,
    citizen_id: int | None = None,
    now: datetime | None = None,
) -> Booking:
    """Someone came to the desk without an appointment: one step records them as received
    now by this operator (a registered citizen, or a name with an optional phone)."""
    now = now or local_now()
    errors: dict[str, list[str]] = {}
    values = {"name": name, "phone": phone, "topic": topic}
    clean_name = clean_text(values, "name", errors, 120, required=citizen_id is None)
    clean_phone = clean_text(values, "phone", errors, 30)
    if clean_phone and not PHONE_NUMBER.match(clean_phone):
        errors["phone"] = [_("Scrivi un numero di telefono valido.")]
    clean_topic = clean_text(values, "topic", errors, 500)
    if errors:
        raise InvalidInput(errors)
    start = now.replace(second=0, microsecond=0).time()
    # An operator receives one person at a time; a second walk-in in the same minute takes
    # the next minute rather than failing.
    booking = insert_first(
        Booking(
            point_id=point.id,
            operator_user_id=operator_id,
            day=now.date(),
            start=(datetime.combine(now.date(), start) + timedelta(minutes=minute)).time(),
            minutes=point.slot_minutes,
            mode=Mode.IN_PERSON.value,
            citizen_user_id=citizen_id,
            guest_name=None if citizen_id else clean_name,
            guest_phone=None if citizen_id else clean_phone,
            topic=clean_topic,
            booked_by_user_id=operator_id,
            walk_in=True,
            status=BookingStatus.ATTENDED.value,
        )
        for minute in range(60)
    )
    if booking is not None:
        return booking
    raise Conflict(_("Non è stato possibile registrare l'accesso: riprova tra un minuto."))


def mark(booking: Booking, status: str) -> None:
    """Record that the citizen came, or did not."""
    if status not in (BookingStatus.ATTENDED.value, BookingStatus.NO_SHOW.value):
        raise InvalidInput({"status": [_("Stato sconosciuto.")]})
    if booking.status == BookingStatus.CANCELLED.value:
        raise Conflict(_("Questo appuntamento è stato disdetto."))
    booking.status = status
    db.session.commit()


# -- erasure ---------------------------------------------------------------------------------------


def erase_person(citizen_id: int, now: datetime | None = None) -> None:
    """A person deleted their account: what they wrote goes from their appointments, and the
    ones still to come are cancelled, so their slots are free for others; the past ones stay,
    anonymous, in the desk's record of its days. The caller commits."""
    now = now or local_now()
    for booking in db.session.scalars(
        sa.select(Booking).where(Booking.citizen_user_id == citizen_id)
    ).unique():
        booking.topic = None
        upcoming = datetime.combine(booking.day, booking.start) > now
        if booking.status == BookingStatus.BOOKED.value and upcoming:
            booking.status = BookingStatus.CANCELLED.value
            booking.cancelled_at = datetime.now(UTC)
