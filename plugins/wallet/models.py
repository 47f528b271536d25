"""The ledger's tables (tenant database): accounts, transactions and their entries.

Amounts are integer cents. An account's `balance_cents` is the sum of its entries, kept in the
same database transaction as they are written and checked against that sum by `condiviso wallet
check`. Transactions and entries are only ever inserted: the session refuses to flush a change
or a deletion of one (below), and database triggers refuse `UPDATE` and `DELETE` on both tables
(the migration), so history cannot be rewritten, not even by hand.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from condiviso.plugin_api import db, utcnow


class AccountKind(enum.StrEnum):
    """What an account holds. The external ones stand for money outside the district's books
    (what a funder allocated, what was paid out) and are the only ones that go below zero."""

    FUNDING = "funding"  # external: where a budget line's allocations come from
    BUDGET_LINE = "budget_line"
    VOUCHER = "voucher"
    RECEIVABLE = "receivable"  # what the district owes a cooperative for deliveries
    PAID_OUT = "paid_out"  # external: what left the district's books, paid
    COMPANY_FUND = "company_fund"
    EMPLOYEE_CREDIT = "employee_credit"
    CARD_PAYMENTS = "card_payments"


# Accounts whose balance may be negative: the ones that stand for the world outside the books,
# and a cooperative's receivable, which a delivery reversed after its payment takes below zero
# (the cooperative then owes it back, netted on its next statement).
MAY_GO_NEGATIVE = frozenset(
    {
        AccountKind.FUNDING,
        AccountKind.PAID_OUT,
        AccountKind.CARD_PAYMENTS,
        AccountKind.RECEIVABLE,
    }
)


class Account(db.Model):
    """One account of the district's ledger, named by what it belongs to (`reference`, e.g.
    `vouchers.voucher:12`)."""

    __tablename__ = "wallet_account"
    __table_args__ = (
        sa.CheckConstraint("may_go_negative OR balance_cents >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    reference: Mapped[str] = mapped_column(sa.String(80), unique=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    may_go_negative: Mapped[bool] = mapped_column(default=False)
    balance_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Transaction(db.Model):
    """One movement of money: what happened, who did it, when and why; its entries sum to
    zero. A correction is a new transaction that `reverses` this one."""

    __tablename__ = "wallet_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    # Unique in the district: a retried operation finds the transaction it already wrote.
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    actor_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    actor_label: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.String(300))
    reverses_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("wallet_transaction.id", ondelete="RESTRICT"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    entries: Mapped[list[Entry]] = relationship(
        back_populates="transaction", order_by="Entry.id", lazy="selectin"
    )


class Entry(db.Model):
    """One side of a transaction: a signed amount on one account (positive adds to it)."""

    __tablename__ = "wallet_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        sa.ForeignKey("wallet_transaction.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("wallet_account.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)

    transaction: Mapped[Transaction] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship(lazy="joined")


LEDGER_ROWS = (Transaction, Entry)


class LedgerRewritten(RuntimeError):
    """Code tried to change or delete a ledger row: a bug, never a person's mistake."""


@sa.event.listens_for(Session, "before_flush")
def _refuse_rewrites(session: Session, _context, _instances) -> None:
    """Ledger rows are inserted, never changed or deleted: a flush that would is refused."""
    for instance in (*session.dirty, *session.deleted):
        if isinstance(instance, LEDGER_ROWS) and (
            instance in session.deleted or session.is_modified(instance)
        ):
            raise LedgerRewritten(
                f"{type(instance).__name__} {instance.id} is part of the ledger: write a "
                "reversal instead of changing it"
            )
