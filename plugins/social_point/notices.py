"""What tells people about their appointments: the e-mail confirming, moving or cancelling one,
with the appointment as an iCalendar file their phone's calendar opens, and the reminder the
day before.

A guest who left only a telephone number gets no e-mail: the confirmation page is their record.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event, vCalAddress, vText

from condiviso.plugin_api import (
    Attachment,
    EnumLabels,
    current_tenant,
    db,
    district_zone,
    local_now,
    send_mail,
    tenant_host,
    tenant_url,
)
from plugins.social_point.models import Booking, BookingStatus, Mode

log = logging.getLogger(__name__)


mode_label = EnumLabels(
    {
        Mode.IN_PERSON: _l("di persona, allo sportello"),
        Mode.PHONE: _l("al telefono: ti chiama l'operatore"),
        Mode.VIDEO: _l("in videochiamata"),
    }
)


def _recipient(booking: Booking):
    """The citizen to write to, or None (a guest, a deleted account, no e-mail)."""
    citizen = booking.citizen
    if citizen is None or citizen.deleted_at is not None or not citizen.email:
        return None
    return citizen


def calendar_file(booking: Booking) -> bytes:
    """The appointment as an iCalendar object. The same UID across confirmation, move and
    cancellation lets a calendar app update the one entry instead of adding another."""
    tenant = current_tenant()
    point = booking.point
    zone = district_zone()
    start = datetime.combine(booking.day, booking.start, tzinfo=zone)
    cancelled = booking.status == BookingStatus.CANCELLED.value
    calendar = Calendar()
    calendar.add("prodid", "-//Condiviso//Social Point//IT")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"social-point-{booking.id}@{tenant_host(tenant)}")
    event.add("sequence", _sequence(booking))
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=booking.minutes))
    event.add("summary", _("Appuntamento al %(point)s", point=point.name))
    where = (
        f"{point.address}, {point.comune.name}"
        if booking.mode == Mode.IN_PERSON.value
        else mode_label(booking.mode)
    )
    event.add("location", vText(where))
    description = [mode_label(booking.mode)]
    if point.phone:
        description.append(_("Per disdire o spostare: %(phone)s", phone=point.phone))
    description.append(tenant_url(tenant, "/i-miei-appuntamenti"))
    event.add("description", "\n".join(description))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if point.email:
        event.add("organizer", vCalAddress(f"mailto:{point.email}"))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _sequence(booking: Booking) -> int:
    """Bumped by every change calendar apps must see: a cancellation replaces the booking."""
    return 1 if booking.status == BookingStatus.CANCELLED.value else 0


def _ics(booking: Booking) -> Attachment:
    method = "CANCEL" if booking.status == BookingStatus.CANCELLED.value else "PUBLISH"
    return Attachment(
        "appuntamento.ics" if method == "PUBLISH" else "appuntamento-disdetto.ics",
        f"text/calendar; charset=utf-8; method={method}",
        calendar_file(booking),
    )


def tell(booking: Booking, template: str, previous: Booking | None = None) -> bool:
    """E-mail the citizen about their appointment (`booking_confirmed`, `booking_moved` with the
    `previous` one it replaced, `booking_cancelled`, `booking_reminder`), with the .ics files.
    False when there is nobody to write to."""
    citizen = _recipient(booking)
    if citizen is None:
        return False
    tenant = current_tenant()
    locale = citizen.locale or "it"
    with force_locale(locale):
        mode = mode_label(booking.mode)
        files = [_ics(booking)] + ([_ics(previous)] if previous is not None else [])
    path = f"/i-miei-appuntamenti/{booking.id}"
    if template == "booking_cancelled":
        path = "/social-point"
    send_mail(
        tenant,
        citizen.email,
        template,
        locale,
        attachments=files,
        booking=booking,
        point=booking.point,
        mode=mode,
        url=tenant_url(tenant, path),
    )
    return True


def send_reminders(now: datetime | None = None) -> int:
    """Remind everyone with an appointment tomorrow, once: each booking is claimed by an
    UPDATE that only one run can win (`reminder_sent_at` still empty), so running the job
    twice, or in two workers at once, sends each reminder once. Returns how many were sent."""

    tomorrow = (now or local_now()).date() + timedelta(days=1)
    due = db.session.scalars(
        sa.select(Booking.id).where(
            Booking.day == tomorrow,
            Booking.status == BookingStatus.BOOKED.value,
            Booking.reminder_sent_at.is_(None),
            Booking.citizen_user_id.is_not(None),
        )
    ).all()
    sent = 0
    for booking_id in due:
        claimed = db.session.execute(
            sa.update(Booking)
            .where(Booking.id == booking_id, Booking.reminder_sent_at.is_(None))
            .values(reminder_sent_at=datetime.now(UTC))
        ).rowcount
        db.session.commit()
        if not claimed:
            continue
        booking = db.session.get(Booking, booking_id)
        try:
            sent += tell(booking, "booking_reminder")
        except Exception:
            # Give the reminder back so the next run tries again.
            log.exception("reminder for booking %s of %s failed", booking_id, current_tenant().slug)
            db.session.execute(
                sa.update(Booking).where(Booking.id == booking_id).values(reminder_sent_at=None)
            )
            db.session.commit()
    return sent
