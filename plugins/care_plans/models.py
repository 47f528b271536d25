"""Intake conversations, care plans and their items (tenant database).

What a person told the operator (needs, notes, goals) is special-category data: those columns
are `EncryptedText`, encrypted under the tenant's key. Dates, statuses and the plan's services are
kept in clear, so that lists, reminders and requests can be queried.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from condiviso.plugin_api import EncryptedText, db, utcnow

# Part of the key of every encrypted column below: renaming it would make their text unreadable.
SEALED_PURPOSE = "care_plans:intake"


class Area(enum.StrEnum):
    """The areas of life an intake conversation goes through."""

    FAMILY = "famiglia"
    HEALTH = "salute"
    HOME = "casa"
    WORK = "lavoro"
    INCOME = "reddito"
    ISOLATION = "isolamento"


class Level(enum.StrEnum):
    """How pressing a need is, as the operator judged it with the person."""

    NOT_ASSESSED = "non_valutato"
    NONE = "nessuno"
    LOW = "lieve"
    MEDIUM = "medio"
    HIGH = "alto"


class Funding(enum.StrEnum):
    """Who pays for an item of the plan."""

    COMUNE = "comune"
    VOUCHER = "voucher"
    CITIZEN = "cittadino"
    CORPORATE_CREDIT = "credito_aziendale"


class PlanStatus(enum.StrEnum):
    DRAFT = "bozza"
    SHARED = "condiviso"
    ACTIVE = "attivo"
    CLOSED = "concluso"


# Ids beyond a 32-bit integer cannot exist, whatever a URL says (PostgreSQL would refuse them).
LARGEST_ID = 2**31 - 1

# Where a plan can go from each status: a shared plan can go back to draft to be reworked.
TRANSITIONS = {
    PlanStatus.DRAFT: {PlanStatus.SHARED},
    PlanStatus.SHARED: {PlanStatus.DRAFT, PlanStatus.ACTIVE},
    PlanStatus.ACTIVE: {PlanStatus.CLOSED},
    PlanStatus.CLOSED: set(),
}
# Items can be changed while the plan is being agreed; requests once it is agreed.
EDITABLE_ITEMS = (PlanStatus.DRAFT, PlanStatus.SHARED)
REQUESTABLE = (PlanStatus.SHARED, PlanStatus.ACTIVE)


@dataclass(frozen=True)
class Need:
    area: Area
    level: Level
    notes: str | None


class Intake(db.Model):
    """One intake conversation (colloquio) between an operator and a citizen."""

    __tablename__ = "care_plans_intake"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    operator_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    operator_label: Mapped[str] = mapped_column(sa.String(200))
    held_on: Mapped[date]
    # JSON of {area: {"level": ..., "notes": ...}}, encrypted.
    needs: Mapped[str] = mapped_column(EncryptedText(SEALED_PURPOSE))
    notes: Mapped[str | None] = mapped_column(EncryptedText(SEALED_PURPOSE))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def reference(self) -> str:
        return f"C-{self.id:06d}"

    @property
    def operator_name(self) -> str:
        return self.operator_label.split(" <")[0]

    @property
    def need_list(self) -> list[Need]:
        """The needs in the order of the areas, one per area."""
        stored = json.loads(self.needs or "{}")
        return [
            Need(
                area,
                Level(stored.get(area.value, {}).get("level", Level.NOT_ASSESSED.value)),
                stored.get(area.value, {}).get("notes"),
            )
            for area in Area
        ]


class CarePlan(db.Model):
    """A personalised plan (piano personalizzato) agreed between an operator and a citizen."""

    __tablename__ = "care_plans_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # The plan's operator: who is reminded of its review.
    operator_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    operator_label: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default=PlanStatus.DRAFT.value, index=True)
    # One goal per line, encrypted.
    goals: Mapped[str | None] = mapped_column(EncryptedText(SEALED_PURPOSE))
    notes: Mapped[str | None] = mapped_column(EncryptedText(SEALED_PURPOSE))
    review_on: Mapped[date] = mapped_column(index=True)
    # The review date the operator was last reminded of: one reminder per date.
    reminded_for: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    citizen = relationship("User", foreign_keys=[citizen_user_id], lazy="joined")
    operator = relationship("User", foreign_keys=[operator_user_id])
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", order_by="PlanItem.id", cascade="all, delete-orphan"
    )

    @property
    def reference(self) -> str:
        return f"P-{self.id:06d}"

    @property
    def operator_name(self) -> str:
        return self.operator_label.split(" <")[0]

    @property
    def goal_list(self) -> list[str]:
        return [line for line in (self.goals or "").splitlines() if line.strip()]

    @property
    def total_cost(self) -> Decimal:
        return sum((item.cost for item in self.items), Decimal("0.00"))


class PlanItem(db.Model):
    """One service of a plan: a catalog service, or a private provider's written in by hand."""

    __tablename__ = "care_plans_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("care_plans_plan.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("catalog_service.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(120))
    provider_name: Mapped[str] = mapped_column(sa.String(200))
    frequency: Mapped[str] = mapped_column(sa.String(100))
    cost: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    funding: Mapped[str] = mapped_column(sa.String(20))
    # The service request made for this item, once made ("crea le richieste").
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("requests_request.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[CarePlan] = relationship(back_populates="items")
    service = relationship("Service", lazy="joined")
