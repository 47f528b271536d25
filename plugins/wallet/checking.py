"""The ledger's invariants, verified from its rows (`condiviso wallet check`, a periodic job,
and every test's data): each transaction sums to zero and has entries; each account's balance is
the sum of its entries; no account that may not go negative is below zero; a transaction is
reversed at most once."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from condiviso.plugin_api import db
from plugins.wallet.models import Account, Entry, Transaction

log = logging.getLogger(__name__)
CHECK_JOB = "wallet.check"


def problems() -> list[str]:
    """What is wrong with the bound district's ledger, one line each (empty: all is well)."""
    found: list[str] = []
    unbalanced = db.session.execute(
        sa.select(Transaction.id, sa.func.coalesce(sa.func.sum(Entry.amount_cents), 0))
        .outerjoin(Entry, Entry.transaction_id == Transaction.id)
        .group_by(Transaction.id)
        .having(
            sa.or_(
                sa.func.coalesce(sa.func.sum(Entry.amount_cents), 0) != 0,
                sa.func.count(Entry.id) == 0,
            )
        )
        .order_by(Transaction.id)
    )
    for transaction_id, total in unbalanced:
        found.append(f"transaction {transaction_id}: entries sum to {int(total)} cents, not 0")
    sums = (
        sa.select(Entry.account_id, sa.func.sum(Entry.amount_cents).label("total"))
        .group_by(Entry.account_id)
        .subquery()
    )
    drifted = db.session.execute(
        sa.select(Account.id, Account.reference, Account.balance_cents, sums.c.total)
        .outerjoin(sums, sums.c.account_id == Account.id)
        .where(Account.balance_cents != sa.func.coalesce(sums.c.total, 0))
        .order_by(Account.id)
    )
    for account_id, reference, balance, total in drifted:
        found.append(
            f"account {account_id} ({reference}): balance {balance} cents, "
            f"its entries sum to {int(total or 0)}"
        )
    negative = db.session.execute(
        sa.select(Account.id, Account.reference, Account.balance_cents)
        .where(Account.may_go_negative.is_(False), Account.balance_cents < 0)
        .order_by(Account.id)
    )
    for account_id, reference, balance in negative:
        found.append(f"account {account_id} ({reference}): {balance} cents, below zero")
    twice = db.session.execute(
        sa.select(Transaction.reverses_id)
        .where(Transaction.reverses_id.is_not(None))
        .group_by(Transaction.reverses_id)
        .having(sa.func.count() > 1)
    )
    for (reversed_id,) in twice:
        found.append(f"transaction {reversed_id}: reversed more than once")
    return found
