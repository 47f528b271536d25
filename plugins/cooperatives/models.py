"""The district's service network (tenant data): service categories, cooperatives, the comuni
each cooperative serves, and the accreditations the comuni grant."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from condiviso.plugin_api import Comune, db, utcnow


class Category(db.Model):
    """A kind of service (families and children, elderly people, disability...)."""

    __tablename__ = "cooperatives_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str | None] = mapped_column(sa.String(120))
    description: Mapped[str | None] = mapped_column(sa.String(300))
    # A Bootstrap Italia sprite name, such as `it-user`.
    icon: Mapped[str | None] = mapped_column(sa.String(40))
    position: Mapped[int] = mapped_column(default=0)


class CooperativeArea(db.Model):
    """A comune a cooperative serves."""

    __tablename__ = "cooperatives_area"

    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives_cooperative.id", ondelete="CASCADE"), primary_key=True
    )
    comune_id: Mapped[int] = mapped_column(sa.ForeignKey("comune.id"), primary_key=True, index=True)


class Cooperative(db.Model):
    """A social cooperative (or other provider) of the district's network."""

    __tablename__ = "cooperatives_cooperative"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    legal_name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str | None] = mapped_column(sa.String(80))
    # A partita IVA (11 digits) or a codice fiscale (16 characters), stored compact.
    tax_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    comuni: Mapped[list[Comune]] = relationship(
        secondary=CooperativeArea.__table__, lazy="selectin", order_by=Comune.name
    )

    @property
    def display_name(self) -> str:
        return self.short_name or self.legal_name


class Accreditation(db.Model):
    """A comune's accreditation of a cooperative for a category of services, from `valid_from`
    to `valid_to` included (open-ended when `valid_to` is empty)."""

    __tablename__ = "cooperatives_accreditation"
    __table_args__ = (
        sa.UniqueConstraint(
            "cooperative_id",
            "comune_id",
            "category_id",
            "valid_from",
            name="uq_cooperatives_accreditation_period",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint's index serves look-ups by cooperative (and comune, category). Two
    # foreign keys are named by hand: the naming convention's names pass PostgreSQL's 63
    # characters.
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey(
            "cooperatives_cooperative.id", name="fk_cooperatives_accreditation_cooperative_id"
        )
    )
    comune_id: Mapped[int] = mapped_column(sa.ForeignKey("comune.id"))
    category_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives_category.id", name="fk_cooperatives_accreditation_category_id")
    )
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cooperative: Mapped[Cooperative] = relationship(lazy="joined")
    comune: Mapped[Comune] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")

    def state_on(self, day: date) -> str:
        """`valid`, `expired` or `future` on `day`."""
        if day < self.valid_from:
            return "future"
        if self.valid_to is not None and self.valid_to < day:
            return "expired"
        return "valid"
