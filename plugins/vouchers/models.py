"""Funds, budget lines, vouchers, deliveries, disputes and statements (tenant database).

The money is not here: each budget line and each voucher has its account in the wallet's ledger
(`account_id`), and every movement (allocation, issue, delivery, release, payment) is a ledger
transaction. What is here says what the money is for: who funds a line, whom a voucher is for and
what it covers, what a cooperative delivered against which accreditation.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from condiviso.plugin_api import EncryptedText, db, utcnow

# Part of the key of the reason's encryption: renaming it would make every reason unreadable.
SEALED_PURPOSE = "vouchers:reason"
DISTRICT_FUNDER = "district"  # the funder key of the district's own lines (Ufficio di Piano)
LARGEST_ID = 2**31 - 1


def funder_key(comune_id: int | None) -> str:
    """How a funder is named in keys: `comune:<id>`, or `district` for the whole district."""
    return DISTRICT_FUNDER if comune_id is None else f"comune:{comune_id}"


class VoucherStatus(enum.StrEnum):
    ACTIVE = "attivo"
    CANCELLED = "annullato"
    EXPIRED = "scaduto"


class Resolution(enum.StrEnum):
    UPHELD = "accolta"  # the delivery is reversed
    DISMISSED = "respinta"  # the delivery stands


class Fund(db.Model):
    """A source of money a line draws on: the comune's own budget, FNPS, FNA, a regional
    measure… The district admin keeps the list."""

    __tablename__ = "vouchers_fund"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str | None] = mapped_column(sa.String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BudgetLine(db.Model):
    """What one funder (a comune, or the district) puts in one fund for one year."""

    __tablename__ = "vouchers_budget_line"
    __table_args__ = (sa.UniqueConstraint("funder", "year", "fund_id", name="uq_vouchers_line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    funder: Mapped[str] = mapped_column(sa.String(20))  # funder_key(comune_id)
    comune_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comune.id"), index=True)
    year: Mapped[int]
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("vouchers_fund.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("wallet_account.id"), unique=True)
    notes: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    fund: Mapped[Fund] = relationship(lazy="joined")
    comune = relationship("Comune", lazy="joined")
    account = relationship("Account", lazy="joined")

    @property
    def funder_name(self) -> str:
        from flask_babel import gettext as _

        return self.comune.name if self.comune is not None else _("Distretto (Ufficio di Piano)")

    @property
    def title(self) -> str:
        return f"{self.funder_name} · {self.fund.name} · {self.year}"


voucher_category = sa.Table(
    "vouchers_voucher_category",
    db.metadata,
    sa.Column(
        "voucher_id",
        sa.ForeignKey("vouchers_voucher.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "category_id",
        sa.ForeignKey("cooperatives_category.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)

voucher_service = sa.Table(
    "vouchers_voucher_service",
    db.metadata,
    sa.Column(
        "voucher_id",
        sa.ForeignKey("vouchers_voucher.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "service_id",
        sa.ForeignKey("catalog_service.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)


class Voucher(db.Model):
    """A nominal, non-transferable title for one person, spendable on the services it covers at
    an accredited cooperative, within its dates; never convertible to cash."""

    __tablename__ = "vouchers_voucher"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    line_id: Mapped[int] = mapped_column(sa.ForeignKey("vouchers_budget_line.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("wallet_account.id"), unique=True)
    beneficiary_user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    value_cents: Mapped[int] = mapped_column(sa.BigInteger)
    # An hours voucher: the hours (in minutes) and the rate they are paid at.
    minutes: Mapped[int | None]
    hourly_rate_cents: Mapped[int | None]
    # The share of each delivery the family pays itself, in percent (0 to 100).
    copay_percent: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[date]
    valid_to: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(
        sa.String(12), default=VoucherStatus.ACTIVE.value, index=True
    )
    # Why the voucher was issued: special-category text, encrypted; erased with the account.
    reason: Mapped[str | None] = mapped_column(EncryptedText(SEALED_PURPOSE))
    # The care plan's item the voucher funds, when it comes from a plan (care_plans_item.id).
    care_plan_item_id: Mapped[int | None] = mapped_column(index=True)
    issued_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    issuer_label: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    line: Mapped[BudgetLine] = relationship(lazy="joined")
    account = relationship("Account", lazy="joined")
    beneficiary = relationship("User", foreign_keys=[beneficiary_user_id], lazy="joined")
    categories = relationship("Category", secondary=voucher_category, lazy="selectin")
    services = relationship("Service", secondary=voucher_service, lazy="selectin")

    @property
    def balance_cents(self) -> int:
        return self.account.balance_cents

    @property
    def is_hours(self) -> bool:
        return self.minutes is not None and self.hourly_rate_cents is not None

    @property
    def minutes_left(self) -> int | None:
        """What is left of an hours voucher, in whole minutes at its rate."""
        if not self.is_hours:
            return None
        return self.balance_cents * 60 // self.hourly_rate_cents

    def usable_on(self, day: date) -> bool:
        return self.status == VoucherStatus.ACTIVE.value and self.valid_from <= day <= self.valid_to


class Choice(db.Model):
    """A cooperative the family chose for a voucher (or presented its code to)."""

    __tablename__ = "vouchers_choice"

    voucher_id: Mapped[int] = mapped_column(
        sa.ForeignKey("vouchers_voucher.id", ondelete="CASCADE"), primary_key=True
    )
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives_cooperative.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    chosen_by_label: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(db.Model):
    """What a cooperative delivered on a voucher, against an accreditation in force. Never
    changed: a correction is a new row that `reverses` this one (negative amounts)."""

    __tablename__ = "vouchers_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(sa.ForeignKey("vouchers_voucher.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives_cooperative.id"), index=True
    )
    accreditation_id: Mapped[int] = mapped_column(sa.ForeignKey("cooperatives_accreditation.id"))
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("catalog_service.id"))
    # The funder of the voucher's line (funder_key): statements are per cooperative and funder.
    funder: Mapped[str] = mapped_column(sa.String(20), index=True)
    delivered_on: Mapped[date] = mapped_column(index=True)
    minutes: Mapped[int | None]
    units: Mapped[int | None]
    # What the delivery cost in all, and the part the voucher pays (the rest is the family's).
    cost_cents: Mapped[int] = mapped_column(sa.BigInteger)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    note: Mapped[str | None] = mapped_column(sa.String(300))
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("wallet_transaction.id"), unique=True)
    reverses_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("vouchers_delivery.id"), unique=True
    )
    recorded_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_by_label: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    voucher: Mapped[Voucher] = relationship(lazy="joined")
    cooperative = relationship("Cooperative", lazy="joined")
    accreditation = relationship("Accreditation", lazy="joined")
    service = relationship("Service", lazy="joined")
    reverses: Mapped[Delivery | None] = relationship(remote_side=[id])

    @property
    def family_share_cents(self) -> int:
        return self.cost_cents - self.amount_cents


class Dispute(db.Model):
    """Comune staff contest a delivery: it stays off the statements until resolved."""

    __tablename__ = "vouchers_dispute"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("vouchers_delivery.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    raised_by_label: Mapped[str] = mapped_column(sa.String(200))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolution: Mapped[str | None] = mapped_column(sa.String(12))
    resolution_note: Mapped[str | None] = mapped_column(sa.String(500))
    resolved_by_label: Mapped[str | None] = mapped_column(sa.String(200))
    resolved_at: Mapped[datetime | None]

    delivery: Mapped[Delivery] = relationship(lazy="joined")


statement_delivery = sa.Table(
    "vouchers_statement_delivery",
    db.metadata,
    sa.Column("statement_id", sa.ForeignKey("vouchers_statement.id"), primary_key=True),
    sa.Column("delivery_id", sa.ForeignKey("vouchers_delivery.id"), primary_key=True, unique=True),
)


class Statement(db.Model):
    """A paid statement: the deliveries of one month a comune (or the district) paid one
    cooperative for. The month's deliveries not yet on one are what is still to pay."""

    __tablename__ = "vouchers_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives_cooperative.id"), index=True
    )
    funder: Mapped[str] = mapped_column(sa.String(20), index=True)
    month: Mapped[date]  # its first day
    total_cents: Mapped[int] = mapped_column(sa.BigInteger)
    payment_reference: Mapped[str | None] = mapped_column(sa.String(120))
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("wallet_transaction.id"), unique=True)
    paid_by_label: Mapped[str] = mapped_column(sa.String(200))
    paid_at: Mapped[datetime] = mapped_column(default=utcnow)

    cooperative = relationship("Cooperative", lazy="joined")
    deliveries: Mapped[list[Delivery]] = relationship(
        secondary=statement_delivery, order_by="Delivery.delivered_on, Delivery.id"
    )
