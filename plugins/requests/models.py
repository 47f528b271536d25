"""Service requests, their messages and their status history (tenant database)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from condiviso.plugin_api import db, utcnow


class Status(enum.StrEnum):
    SENT = "inviata"
    TAKEN = "presa_in_carico"
    IN_PROGRESS = "in_corso"
    CLOSED = "conclusa"
    CANCELLED = "annullata"
    REFUSED = "rifiutata"


# Where a request can go from each status (staff moves; the citizen may only cancel).
TRANSITIONS = {
    Status.SENT: {Status.TAKEN, Status.REFUSED, Status.CANCELLED},
    Status.TAKEN: {Status.IN_PROGRESS, Status.CLOSED, Status.REFUSED, Status.CANCELLED},
    Status.IN_PROGRESS: {Status.CLOSED, Status.CANCELLED},
    Status.CLOSED: set(),
    Status.CANCELLED: set(),
    Status.REFUSED: set(),
}
OPEN = (Status.SENT, Status.TAKEN, Status.IN_PROGRESS)


class Request(db.Model):
    """A request for one service, addressed to the desk that delivers it."""

    __tablename__ = "requests_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("catalog_service.id"), index=True)
    # The desk: the cooperative delivering the service, or the comune for a public one.
    cooperative_id: Mapped[int | None] = mapped_column(index=True)
    comune_id: Mapped[int | None] = mapped_column(index=True)
    requester_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    guest_name: Mapped[str | None] = mapped_column(sa.String(120))
    guest_phone: Mapped[str | None] = mapped_column(sa.String(30))
    guest_email: Mapped[str | None] = mapped_column(sa.String(254))
    consent_version: Mapped[int | None]
    message: Mapped[str] = mapped_column(sa.Text)
    preferred_times: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default=Status.SENT.value, index=True)
    refusal_reason: Mapped[str | None] = mapped_column(sa.String(300))
    # One submission, one request: the form's token is remembered.
    submission_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    service = relationship("Service", lazy="joined")
    requester = relationship("User", lazy="joined")
    messages: Mapped[list[RequestMessage]] = relationship(
        back_populates="request", order_by="RequestMessage.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[RequestEvent]] = relationship(
        order_by="RequestEvent.id", cascade="all, delete-orphan"
    )

    @property
    def reference(self) -> str:
        return f"R-{self.id:06d}"

    @property
    def contact_name(self) -> str:
        return self.requester.full_name if self.requester is not None else (self.guest_name or "")

    @property
    def contact_email(self) -> str | None:
        return self.requester.email if self.requester is not None else self.guest_email


class RequestMessage(db.Model):
    """A message of the thread between the citizen and the desk."""

    __tablename__ = "requests_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("requests_request.id", ondelete="CASCADE"), index=True
    )
    author_user_id: Mapped[int | None]
    author_label: Mapped[str] = mapped_column(sa.String(200))
    from_staff: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[Request] = relationship(back_populates="messages")


class RequestEvent(db.Model):
    """A change of status: from, to, by whom, why."""

    __tablename__ = "requests_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("requests_request.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_label: Mapped[str] = mapped_column(sa.String(200))
    status_from: Mapped[str | None] = mapped_column(sa.String(20))
    status_to: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(300))
