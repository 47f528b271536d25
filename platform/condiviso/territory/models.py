"""Tenant data about the district's territory."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from condiviso.clock import utcnow
from condiviso.extensions import db


class Comune(db.Model):
    """A comune of the district, identified by its ISTAT code."""

    __tablename__ = "comune"

    id: Mapped[int] = mapped_column(primary_key=True)
    istat_code: Mapped[str] = mapped_column(sa.String(6), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    cadastral_code: Mapped[str | None] = mapped_column(sa.String(4))
    postal_code: Mapped[str | None] = mapped_column(sa.String(5))
    population: Mapped[int | None]
    is_lead: Mapped[bool] = mapped_column(default=False)
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))
    # Where the comune's social services receive people: address, days and hours.
    social_office: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
