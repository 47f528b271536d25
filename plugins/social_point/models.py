"""Social Points, their opening hours, closures and operators on duty, and appointments
(tenant database). Times are the district's local wall-clock times (Europe/Rome): a desk opens
at 9:00 whatever the season."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from condiviso.plugin_api import db, utcnow


class Mode(enum.StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


# A booking holds its operator's slot unless it was cancelled.
HOLDS_SLOT = sa.text("status != 'cancelled'")


class SocialPoint(db.Model):
    """A listening desk: where it is, how to reach it, how long an appointment lasts."""

    __tablename__ = "social_point_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    comune_id: Mapped[int] = mapped_column(sa.ForeignKey("comune.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    accessibility_notes: Mapped[str | None] = mapped_column(sa.String(500))
    step_free: Mapped[bool] = mapped_column(default=False)
    parking: Mapped[bool] = mapped_column(default=False)
    slot_minutes: Mapped[int] = mapped_column(default=30)
    modes: Mapped[list[str]] = mapped_column(sa.JSON, default=lambda: [Mode.IN_PERSON.value])
    # How many hours before the appointment a citizen may still cancel or move it.
    notice_hours: Mapped[int] = mapped_column(default=24)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    comune = relationship("Comune", lazy="joined")
    hours: Mapped[list[OpeningHours]] = relationship(
        order_by="(OpeningHours.weekday, OpeningHours.opens)", cascade="all, delete-orphan"
    )
    closures: Mapped[list[Closure]] = relationship(
        order_by="Closure.day", cascade="all, delete-orphan"
    )
    duties: Mapped[list[Duty]] = relationship(cascade="all, delete-orphan")


class OpeningHours(db.Model):
    """One opening of a weekday (0 = Monday): a desk may open in the morning and again later."""

    __tablename__ = "social_point_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("social_point_point.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    opens: Mapped[time]
    closes: Mapped[time]


class Closure(db.Model):
    """A day the desk stays closed (a holiday, a strike, a move)."""

    __tablename__ = "social_point_closure"
    __table_args__ = (sa.UniqueConstraint("point_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("social_point_point.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(200))


class Duty(db.Model):
    """An operator who staffs the desk on a weekday."""

    __tablename__ = "social_point_duty"

    point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("social_point_point.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(primary_key=True)


class Booking(db.Model):
    """An appointment: a slot of one operator, for a citizen (or a guest with a phone number).

    Two unique indexes over the bookings that hold their slot make a double booking impossible
    whatever the timing: an operator has one appointment at a time, and so does a citizen."""

    __tablename__ = "social_point_booking"
    __table_args__ = (
        sa.Index(
            "uq_social_point_booking_operator_slot",
            "operator_user_id",
            "day",
            "start",
            unique=True,
            postgresql_where=HOLDS_SLOT,
            sqlite_where=HOLDS_SLOT,
        ),
        sa.Index(
            "uq_social_point_booking_citizen_slot",
            "citizen_user_id",
            "day",
            "start",
            unique=True,
            postgresql_where=HOLDS_SLOT,
            sqlite_where=HOLDS_SLOT,
        ),
        sa.Index("ix_social_point_booking_point_day", "point_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(sa.ForeignKey("social_point_point.id"))
    operator_user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    day: Mapped[date]
    start: Mapped[time]
    minutes: Mapped[int]
    mode: Mapped[str] = mapped_column(sa.String(20))
    citizen_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    guest_name: Mapped[str | None] = mapped_column(sa.String(120))
    guest_phone: Mapped[str | None] = mapped_column(sa.String(30))
    # A guest reaches their appointment through a private link; only its digest is kept.
    guest_token_digest: Mapped[str | None] = mapped_column(sa.String(64))
    topic: Mapped[str | None] = mapped_column(sa.String(500))
    booked_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    walk_in: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default=BookingStatus.BOOKED.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]

    point = relationship("SocialPoint", lazy="joined")
    operator = relationship("User", foreign_keys=[operator_user_id], lazy="joined")
    citizen = relationship("User", foreign_keys=[citizen_user_id], lazy="joined")
