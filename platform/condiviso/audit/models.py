"""Access audit rows (tenant database)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from condiviso.clock import utcnow
from condiviso.extensions import db


class AccessAudit(db.Model):
    """One read or change of a sensitive record by a member of staff."""

    __tablename__ = "access_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(20))  # read, create, update, delete
    record_type: Mapped[str] = mapped_column(sa.String(60))
    record_id: Mapped[str] = mapped_column(sa.String(60))
    # The person the record is about, so that they can see who looked at their data.
    subject_user_id: Mapped[int | None] = mapped_column(index=True)
    reason: Mapped[str | None] = mapped_column(sa.String(200))
