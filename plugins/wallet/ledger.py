"""The one way money moves: `post` a transaction whose entries sum to zero, on accounts locked
in id order, refused with a clear message when an account would go below zero.

`post` flushes and does not commit: the caller's change (a voucher issued, a delivery recorded)
and its money are one database transaction, committed by the page (`run_form`) or the job. The
locks are held until that commit, so two issuers on one budget line, or fifty deliveries on one
voucher, take turns and each sees the balance the last one left (decision 0024).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from condiviso.plugin_api import Conflict, InvalidInput, db, utcnow
from plugins.wallet.models import MAY_GO_NEGATIVE, Account, AccountKind, Entry, Transaction
from plugins.wallet.money import format_cents


@dataclass(frozen=True)
class Actor:
    """Who moves money: a person (user id and how they are named), or a job (no id)."""

    label: str
    user_id: int | None = None


class Overdrawn(Conflict):
    """A movement would take an account below zero: nothing was written."""

    def __init__(self, account: Account, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "Importo non disponibile: «%(label)s» ha %(balance)s.",
                label=account.label,
                balance=format_cents(account.balance_cents),
            )
        )
        self.account = account


# -- accounts --------------------------------------------------------------------------------------


def open_account(kind: AccountKind, reference: str, label: str) -> Account:
    """The account named `reference`, opened now if it does not exist yet (flushed)."""
    account = account_by_reference(reference)
    if account is not None:
        return account
    # Two first openers at once: the second's insert does nothing (waiting for the first's
    # commit on PostgreSQL), and both read the one account.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(Account)
        .values(
            kind=kind.value,
            reference=reference,
            label=label[:200],
            may_go_negative=kind in MAY_GO_NEGATIVE,
            balance_cents=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["reference"])
    )
    return account_by_reference(reference)


def account_by_reference(reference: str) -> Account | None:
    return db.session.scalar(sa.select(Account).where(Account.reference == reference))


def lock_accounts(account_ids: Iterable[int]) -> dict[int, Account]:
    """The accounts, locked for this database transaction and read afresh, in id order (so two
    operations on the same accounts never wait on each other in a circle)."""
    ids = sorted(set(account_ids))
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite locks the whole database for the first write of a transaction: a write that
        # changes nothing takes the lock (waiting up to the busy timeout) before anything is read.
        db.session.execute(
            sa.update(Account)
            .where(Account.id.in_(ids))
            .values(balance_cents=Account.balance_cents)
            .execution_options(synchronize_session=False)
        )
    query = sa.select(Account).where(Account.id.in_(ids)).order_by(Account.id)
    locked = db.session.scalars(
        query.with_for_update().execution_options(populate_existing=True)
    ).all()
    if len(locked) != len(ids):
        raise ValueError(f"accounts not found: {set(ids) - {a.id for a in locked}}")
    return {account.id: account for account in locked}


# -- transactions ----------------------------------------------------------------------------------


def find_transaction(key: str) -> Transaction | None:
    """The transaction a key already wrote, or None."""
    return db.session.scalar(sa.select(Transaction).where(Transaction.idempotency_key == key))


def post(
    kind: str,
    moves: Sequence[tuple[Account, int]],
    *,
    key: str,
    actor: Actor,
    reason: str,
    reverses: Transaction | None = None,
    overdrawn: Callable[[Account], str] | None = None,
) -> Transaction:
    """Write one transaction: each (account, cents) of `moves` adds cents to the account (a
    negative amount takes them away). The accounts are locked first; then, if `key` already
    wrote a transaction, that one is returned and nothing else is written (a retried operation
    has the effect of once). An account that may not go negative and would is refused with
    `Overdrawn`, with the message `overdrawn(account)` gives when given; nothing is written.

    Flushed, not committed: the caller commits, with its own change, and releases the locks."""
    if not moves or any(cents == 0 for _account, cents in moves):
        raise ValueError("a transaction moves a non-zero amount on each of its accounts")
    if sum(cents for _account, cents in moves) != 0:
        raise ValueError(f"the entries of a {kind!r} transaction do not sum to zero")
    if not all(isinstance(cents, int) and not isinstance(cents, bool) for _a, cents in moves):
        raise TypeError("amounts are integer cents")
    locked = lock_accounts(account.id for account, _cents in moves)
    existing = find_transaction(key)
    if existing is not None:
        if existing.kind != kind:
            raise InvalidInput(
                {"_schema": [_("Il modulo non è valido: ricarica la pagina e riprova.")]}
            )
        return existing
    totals: dict[int, int] = {}
    for account, cents in moves:
        totals[account.id] = totals.get(account.id, 0) + cents
    for account_id, cents in totals.items():
        account = locked[account_id]
        if not account.may_go_negative and account.balance_cents + cents < 0:
            raise Overdrawn(account, overdrawn(account) if overdrawn is not None else None)
    transaction = Transaction(
        kind=kind,
        idempotency_key=key,
        actor_user_id=actor.user_id,
        actor_label=actor.label[:200],
        reason=reason[:300],
        reverses_id=reverses.id if reverses is not None else None,
        entries=[Entry(account_id=account.id, amount_cents=cents) for account, cents in moves],
    )
    db.session.add(transaction)
    for account_id, cents in totals.items():
        locked[account_id].balance_cents += cents
    db.session.flush()
    return transaction


def reverse(
    original: Transaction, *, key: str, actor: Actor, reason: str, kind: str | None = None
) -> Transaction:
    """A transaction that undoes `original` entry by entry (refused if it was reversed already,
    or if what it put on an account has been spent since). The accounts are locked before
    anything is read, so a reversal that waited for another sees it."""
    lock_accounts(entry.account_id for entry in original.entries)
    already = db.session.scalar(
        sa.select(Transaction).where(Transaction.reverses_id == original.id)
    )
    if already is not None:
        if already.idempotency_key == key:
            return already
        raise Conflict(_("Questo movimento è già stato stornato."))
    moves = [(entry.account, -entry.amount_cents) for entry in original.entries]
    return post(
        kind or f"{original.kind}_reversal",
        moves,
        key=key,
        actor=actor,
        reason=reason,
        reverses=original,
    )


# -- reading ---------------------------------------------------------------------------------------


def entries_of(account_ids: Iterable[int]) -> list[Entry]:
    """The entries of these accounts, oldest first, with their transactions."""
    ids = list(account_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Entry)
            .join(Entry.transaction)
            .where(Entry.account_id.in_(ids))
            .order_by(Transaction.created_at, Entry.id)
            .options(sa.orm.contains_eager(Entry.transaction))
        )
    )


def sums_by_kind(account_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    """{(account id, transaction kind): the sum of that account's entries of that kind}."""
    ids = list(account_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Entry.account_id, Transaction.kind, sa.func.sum(Entry.amount_cents))
        .join(Entry.transaction)
        .where(Entry.account_id.in_(ids))
        .group_by(Entry.account_id, Transaction.kind)
    )
    return {(account_id, kind): int(total) for account_id, kind, total in rows}


def find_transaction_by_id(transaction_id: int) -> Transaction:
    found = db.session.get(Transaction, transaction_id)
    if found is None:
        raise ValueError(f"no transaction {transaction_id}")
    return found
