"""The wallet's ledger on the real database: what `post` writes and refuses, idempotency keys,
accounts that never go below zero (also with fifty threads at once), ledger rows that neither
the session nor the database let anyone change, reversals, and the check (`problems`, the
`wallet check` command, the periodic job) that finds what is wrong.

Every test on the module's district leaves a ledger that checks clean; the tests that break a
ledger on purpose (by hand-written SQL) do it in a district of their own."""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from condiviso.errors import Conflict, InvalidInput
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.wallet import jobs, ledger
from plugins.wallet.checking import CHECK_JOB, problems
from plugins.wallet.models import Account, AccountKind, Entry, LedgerRewritten, Transaction
from tests.conftest import BACKEND, build_app, close_app
from tests.districts import provision

ACTOR = ledger.Actor("Test <t@example.it>")
THREADS = 50
TRIGGER_MESSAGE = "ledger rows are never changed or deleted"


# -- districts and helpers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def district(app: Flask) -> str:
    """A district with the wallet enabled, shared by the tests that leave its ledger clean."""
    slug = f"w{uuid.uuid4().hex[:8]}"
    provision(app, slug, f"Distretto {slug} (test)", plugins={"wallet": {}})
    return slug


@pytest.fixture(autouse=True)
def ledger_checked(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """After every test on the module's district, its ledger still checks clean."""
    yield
    if "district" in request.fixturenames:
        with bound(app, request.getfixturevalue("district")):
            assert problems() == []


@pytest.fixture
def wallet_district(app: Flask, new_tenant) -> str:
    """A district of the test's own, for a test that breaks its ledger on purpose."""
    return new_tenant(plugins={"wallet": {}}).slug


@contextmanager
def bound(app: Flask, slug: str) -> Iterator[None]:
    with app.app_context(), tenant_context(slug):
        yield


def reference(what: str) -> str:
    return f"test.{what}:{uuid.uuid4().hex[:12]}"


def key() -> str:
    return f"test:{uuid.uuid4().hex}"


def open_account(kind: AccountKind, label: str | None = None) -> Account:
    return ledger.open_account(kind, reference(kind.value), label or f"Conto {kind.value}")


def funded(cents: int, kind: AccountKind = AccountKind.BUDGET_LINE) -> tuple[Account, Account]:
    """A funding account and an account of `kind` holding `cents` it received from it."""
    funding = open_account(AccountKind.FUNDING, "Fondo di prova")
    account = open_account(kind, f"Conto di prova ({kind.value})")
    ledger.post(
        "allocation",
        [(funding, -cents), (account, cents)],
        key=key(),
        actor=ACTOR,
        reason="Stanziamento di prova",
    )
    return funding, account


def balances(app: Flask, slug: str, *account_ids: int) -> list[int]:
    """The balances as the database holds them now, read in a session of their own."""
    with bound(app, slug):
        return [db.session.get(Account, i).balance_cents for i in account_ids]


def entry_sums(app: Flask, slug: str, *account_ids: int) -> list[int]:
    with bound(app, slug):
        return [
            int(
                db.session.scalar(
                    sa.select(sa.func.coalesce(sa.func.sum(Entry.amount_cents), 0)).where(
                        Entry.account_id == i
                    )
                )
            )
            for i in account_ids
        ]


def ledger_size(app: Flask, slug: str) -> tuple[int, int]:
    """(transactions, entries) in the district's ledger."""
    with bound(app, slug):
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Entry)),
        )


# -- posting ---------------------------------------------------------------------------------------


def test_a_posted_transaction_sums_to_zero_and_moves_the_balances(app, district):
    """A transaction's entries are written as given and sum to zero, each account's balance
    moves by its entries, who and why are kept, and the ledger checks clean."""
    with bound(app, district):
        funding, line = funded(10_000)
        voucher = open_account(AccountKind.VOUCHER)
        written = ledger.post(
            "issue",
            [(line, -2_500), (voucher, 2_500)],
            key=(issue_key := key()),
            actor=ledger.Actor("Operatrice <op@example.it>", user_id=None),
            reason="Buono per assistenza domiciliare",
        )
        db.session.commit()
        ids = (funding.id, line.id, voucher.id)
        transaction_id = written.id
    with bound(app, district):
        transaction = db.session.get(Transaction, transaction_id)
        assert transaction.kind == "issue"
        assert transaction.idempotency_key == issue_key
        assert transaction.actor_label == "Operatrice <op@example.it>"
        assert transaction.actor_user_id is None
        assert transaction.reason == "Buono per assistenza domiciliare"
        assert transaction.reverses_id is None
        assert [(e.account_id, e.amount_cents) for e in transaction.entries] == [
            (ids[1], -2_500),
            (ids[2], 2_500),
        ]
        assert sum(e.amount_cents for e in transaction.entries) == 0
        assert problems() == []
    assert balances(app, district, *ids) == [-10_000, 7_500, 2_500]
    assert entry_sums(app, district, *ids) == [-10_000, 7_500, 2_500]


def test_a_transaction_may_split_across_many_accounts(app, district):
    """One payment split on three accounts (a checkout paying with a voucher, company credit
    and a card): one transaction, an entry each, summing to zero."""
    with bound(app, district):
        _funding, line = funded(9_000)
        vouchers = [open_account(AccountKind.VOUCHER) for _ in range(3)]
        ledger.post(
            "issue",
            [(line, -6_000), *((v, 2_000) for v in vouchers)],
            key=key(),
            actor=ACTOR,
            reason="Tre buoni",
        )
        db.session.commit()
        ids = [line.id, *(v.id for v in vouchers)]
    assert balances(app, district, *ids) == [3_000, 2_000, 2_000, 2_000]


@pytest.mark.parametrize(
    "amounts",
    [(100, -99), (100, 1), (-1, -1), (5_000,)],
    ids=["one-cent-short", "both-positive", "both-negative", "one-sided"],
)
def test_moves_that_do_not_sum_to_zero_are_refused_and_write_nothing(app, district, amounts):
    """A transaction whose moves do not sum to zero raises ValueError; even committed
    afterwards, no transaction, no entry and no balance has changed."""
    with bound(app, district):
        _funding, line = funded(10_000)
        voucher = open_account(AccountKind.VOUCHER)
        db.session.commit()
        ids = (line.id, voucher.id)
    before = ledger_size(app, district)
    with bound(app, district):
        line, voucher = (db.session.get(Account, i) for i in ids)
        moves = list(zip((line, voucher), amounts, strict=False))
        with pytest.raises(ValueError, match="do not sum to zero"):
            ledger.post("issue", moves, key=key(), actor=ACTOR, reason="Sbagliato")
        db.session.commit()
    assert ledger_size(app, district) == before
    assert balances(app, district, *ids) == [10_000, 0]


@pytest.mark.parametrize(
    ("give", "take"),
    [(12.5, -12.5), (1250.0, -1250.0), (Decimal("12.50"), Decimal("-12.50")), (True, -1)],
    ids=["float", "whole-float", "decimal", "bool"],
)
def test_amounts_that_are_not_integer_cents_raise_type_error(app, district, give, take):
    """Money is integer cents: a float (even a whole one), a Decimal or a bool is refused with
    TypeError, and nothing is written."""
    with bound(app, district):
        _funding, line = funded(10_000)
        voucher = open_account(AccountKind.VOUCHER)
        db.session.commit()
        ids = (line.id, voucher.id)
    before = ledger_size(app, district)
    with bound(app, district):
        line, voucher = (db.session.get(Account, i) for i in ids)
        with pytest.raises(TypeError, match="integer cents"):
            ledger.post(
                "issue", [(voucher, give), (line, take)], key=key(), actor=ACTOR, reason="x"
            )
        db.session.commit()
    assert ledger_size(app, district) == before
    assert balances(app, district, *ids) == [10_000, 0]


@pytest.mark.parametrize(
    "amounts", [(0, 0), (100, -100, 0), ()], ids=["all-zero", "one-zero", "no-moves"]
)
def test_zero_amounts_and_empty_transactions_raise_value_error(app, district, amounts):
    """Each entry moves a non-zero amount, and a transaction has entries: ValueError, nothing
    written."""
    with bound(app, district):
        _funding, line = funded(10_000)
        others = [open_account(AccountKind.VOUCHER) for _ in range(2)]
        db.session.commit()
        ids = (line.id, *(o.id for o in others))
    before = ledger_size(app, district)
    with bound(app, district):
        accounts = [db.session.get(Account, i) for i in ids]
        with pytest.raises(ValueError, match="non-zero"):
            ledger.post(
                "issue",
                list(zip(accounts, amounts, strict=False)),
                key=key(),
                actor=ACTOR,
                reason="x",
            )
        db.session.commit()
    assert ledger_size(app, district) == before
    assert balances(app, district, *ids) == [10_000, 0, 0]


def test_open_account_finds_the_account_already_opened(app, district):
    """Opening an account twice under one reference gives the same account (one row, as first
    opened); whether an account may go below zero follows from its kind: only funding, paid
    out, card payments and a cooperative's receivable may."""
    name = reference("line")
    with bound(app, district):
        first = ledger.open_account(AccountKind.BUDGET_LINE, name, "Linea")
        db.session.commit()
        first_id = first.id
    with bound(app, district):
        again = ledger.open_account(AccountKind.BUDGET_LINE, name, "Un'altra etichetta")
        assert again.id == first_id and again.label == "Linea"
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Account).where(Account.reference == name)
            )
            == 1
        )
        for kind in AccountKind:
            account = open_account(kind)
            assert account.may_go_negative is (
                kind
                in {
                    AccountKind.FUNDING,
                    AccountKind.PAID_OUT,
                    AccountKind.CARD_PAYMENTS,
                    AccountKind.RECEIVABLE,
                }
            )
        db.session.commit()


def test_the_person_who_moved_money_is_kept(app, district):
    """A person's user id and name are kept on the transaction; a job moves money with a label
    and no id."""
    from tests.people import make_user

    person = make_user(app, district, f"op-{uuid.uuid4().hex[:8]}@example.it", "citizen")
    with bound(app, district):
        _funding, line = funded(1_000)
        voucher = open_account(AccountKind.VOUCHER)
        by_person = ledger.post(
            "issue",
            [(line, -100), (voucher, 100)],
            key=key(),
            actor=ledger.Actor("Anna Operatrice", user_id=person),
            reason="x",
        )
        db.session.commit()
        assert (by_person.actor_user_id, by_person.actor_label) == (person, "Anna Operatrice")


def test_an_accounts_entries_read_oldest_first_and_sum_by_kind(app, district):
    """What statements and the line's figures read: an account's entries in order, with their
    transactions, and their sums by kind of transaction."""
    with bound(app, district):
        _funding, line = funded(5_000)
        voucher = open_account(AccountKind.VOUCHER)
        for cents in (1_000, 700):
            ledger.post(
                "issue", [(line, -cents), (voucher, cents)], key=key(), actor=ACTOR, reason="x"
            )
        ledger.post("release", [(voucher, -300), (line, 300)], key=key(), actor=ACTOR, reason="x")
        db.session.commit()
        assert [(e.transaction.kind, e.amount_cents) for e in ledger.entries_of([line.id])] == [
            ("allocation", 5_000),
            ("issue", -1_000),
            ("issue", -700),
            ("release", 300),
        ]
        assert ledger.sums_by_kind([line.id, voucher.id]) == {
            (line.id, "allocation"): 5_000,
            (line.id, "issue"): -1_700,
            (line.id, "release"): 300,
            (voucher.id, "issue"): 1_700,
            (voucher.id, "release"): -300,
        }
        assert ledger.entries_of([]) == [] and ledger.sums_by_kind([]) == {}


# -- idempotency -----------------------------------------------------------------------------------


def test_posting_twice_with_one_key_moves_the_money_once(app, district):
    """A retried operation (the same key, after the first was committed) returns the
    transaction already written and moves nothing more."""
    operation = key()
    with bound(app, district):
        _funding, line = funded(10_000)
        voucher = open_account(AccountKind.VOUCHER)
        first = ledger.post(
            "issue", [(line, -1_000), (voucher, 1_000)], key=operation, actor=ACTOR, reason="x"
        )
        db.session.commit()
        ids, first_id = (line.id, voucher.id), first.id
    before = ledger_size(app, district)
    with bound(app, district):
        line, voucher = (db.session.get(Account, i) for i in ids)
        again = ledger.post(
            "issue", [(line, -1_000), (voucher, 1_000)], key=operation, actor=ACTOR, reason="x"
        )
        assert again.id == first_id
        db.session.commit()
    assert ledger_size(app, district) == before
    assert balances(app, district, *ids) == [9_000, 1_000]
    with bound(app, district):
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Transaction)
                .where(Transaction.idempotency_key == operation)
            )
            == 1
        )


def test_a_key_posted_twice_in_one_session_moves_the_money_once(app, district):
    """The same key twice before the commit (a double submit in one request): one transaction."""
    operation = key()
    with bound(app, district):
        _funding, line = funded(10_000)
        voucher = open_account(AccountKind.VOUCHER)
        moves = [(line, -1_000), (voucher, 1_000)]
        first = ledger.post("issue", moves, key=operation, actor=ACTOR, reason="x")
        second = ledger.post("issue", moves, key=operation, actor=ACTOR, reason="x")
        assert second is first
        db.session.commit()
        ids = (line.id, voucher.id)
    assert balances(app, district, *ids) == [9_000, 1_000]


def test_a_key_used_by_another_kind_of_transaction_is_refused(app, district):
    """A key names one operation: reused for another kind of transaction it is refused with
    InvalidInput (the form's Italian message), and nothing more is written."""
    operation = key()
    with bound(app, district):
        _funding, line = funded(10_000)
        voucher = open_account(AccountKind.VOUCHER)
        ledger.post(
            "issue", [(line, -1_000), (voucher, 1_000)], key=operation, actor=ACTOR, reason="x"
        )
        db.session.commit()
        ids = (line.id, voucher.id)
    before = ledger_size(app, district)
    with bound(app, district):
        line, voucher = (db.session.get(Account, i) for i in ids)
        with pytest.raises(InvalidInput) as refused:
            ledger.post(
                "release", [(voucher, -500), (line, 500)], key=operation, actor=ACTOR, reason="y"
            )
        assert "ricarica la pagina" in refused.value.message
        db.session.rollback()
    assert ledger_size(app, district) == before
    assert balances(app, district, *ids) == [9_000, 1_000]


# -- never below zero ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [AccountKind.BUDGET_LINE, AccountKind.VOUCHER])
def test_an_account_that_may_not_go_negative_refuses_to(app, district, kind):
    """A line or a voucher holding 12,50 € refuses to give 12,51 €: `Overdrawn`, a Conflict
    (409) whose Italian message names the account and its balance; nothing is written. The
    whole balance may be taken, to the last cent."""
    with bound(app, district):
        _funding, account = funded(1_250, kind)
        account.label = "Linea Tradate 2026"
        other = open_account(AccountKind.RECEIVABLE)
        db.session.commit()
        ids = (account.id, other.id)
    before = ledger_size(app, district)
    with bound(app, district):
        account, other = (db.session.get(Account, i) for i in ids)
        with pytest.raises(ledger.Overdrawn) as refused:
            ledger.post(
                "spend", [(account, -1_251), (other, 1_251)], key=key(), actor=ACTOR, reason="x"
            )
        assert isinstance(refused.value, Conflict)
        assert refused.value.status == 409
        assert refused.value.message == (
            "Importo non disponibile: «Linea Tradate 2026» ha 12,50 €."
        )
        assert refused.value.account.id == ids[0]
        db.session.rollback()
    assert ledger_size(app, district) == before
    assert balances(app, district, *ids) == [1_250, 0]
    with bound(app, district):
        account, other = (db.session.get(Account, i) for i in ids)
        ledger.post(
            "spend", [(account, -1_250), (other, 1_250)], key=key(), actor=ACTOR, reason="x"
        )
        db.session.commit()
    assert balances(app, district, *ids) == [0, 1_250]


def test_overdrawn_gives_the_callers_message(app, district):
    """The caller may word the refusal for its page (`overdrawn=`)."""
    with bound(app, district):
        _funding, voucher = funded(500, AccountKind.VOUCHER)
        receivable = open_account(AccountKind.RECEIVABLE)
        with pytest.raises(ledger.Overdrawn) as refused:
            ledger.post(
                "delivery",
                [(voucher, -501), (receivable, 501)],
                key=key(),
                actor=ACTOR,
                reason="x",
                overdrawn=lambda account: f"Sul buono restano {account.balance_cents} centesimi.",
            )
        assert refused.value.message == "Sul buono restano 500 centesimi."
        db.session.rollback()


def test_two_moves_on_one_account_are_checked_together(app, district):
    """Moves on the same account count together: two takings of 10 € from a line holding
    15 € are refused, though each alone would fit."""
    with bound(app, district):
        _funding, line = funded(1_500)
        voucher = open_account(AccountKind.VOUCHER)
        db.session.commit()
        ids = (line.id, voucher.id)
    with bound(app, district):
        line, voucher = (db.session.get(Account, i) for i in ids)
        with pytest.raises(ledger.Overdrawn):
            ledger.post(
                "issue",
                [(line, -1_000), (line, -1_000), (voucher, 2_000)],
                key=key(),
                actor=ACTOR,
                reason="x",
            )
        db.session.rollback()
    assert balances(app, district, *ids) == [1_500, 0]


@pytest.mark.parametrize("kind", [AccountKind.FUNDING, AccountKind.RECEIVABLE])
def test_funding_and_receivables_may_go_negative(app, district, kind):
    """A funder's account gives what it does not hold (that is what it stands for), and a
    cooperative's receivable goes below zero when a paid delivery is reversed."""
    with bound(app, district):
        source = open_account(kind)
        line = open_account(AccountKind.BUDGET_LINE)
        ledger.post(
            "allocation", [(source, -7_000), (line, 7_000)], key=key(), actor=ACTOR, reason="x"
        )
        db.session.commit()
        ids = (source.id, line.id)
    assert balances(app, district, *ids) == [-7_000, 7_000]


def test_the_database_refuses_a_line_below_zero(app, district):
    """The check constraint is the last line: a hand-written UPDATE that takes a budget line
    (or a voucher) below zero is refused by the database itself."""
    with bound(app, district):
        _funding, line = funded(1_000)
        _funding, voucher = funded(1_000, AccountKind.VOUCHER)
        db.session.commit()
        ids = (line.id, voucher.id)
    for account_id in ids:
        with bound(app, district):
            with pytest.raises(sa.exc.IntegrityError, match="not_negative"):
                db.session.execute(
                    sa.text("UPDATE wallet_account SET balance_cents = -1 WHERE id = :id"),
                    {"id": account_id},
                )
            db.session.rollback()
    assert balances(app, district, *ids) == [1_000, 1_000]


def test_a_balance_changed_by_hand_is_reported(app, wallet_district):
    """A balance that no longer is the sum of its entries (changed by hand-written SQL) is
    found by the check, naming the account, its balance and what its entries sum to."""
    with bound(app, wallet_district):
        _funding, line = funded(1_000)
        db.session.commit()
        line_id, line_reference = line.id, line.reference
        db.session.execute(
            sa.text("UPDATE wallet_account SET balance_cents = 700 WHERE id = :id"),
            {"id": line_id},
        )
        db.session.commit()
    with bound(app, wallet_district):
        assert problems() == [
            f"account {line_id} ({line_reference}): balance 700 cents, its entries sum to 1000"
        ]


def test_an_entry_added_by_hand_to_a_transaction_is_reported(app, wallet_district):
    """Entries are only ever inserted, so an entry slipped into a committed transaction by hand
    is not refused by a trigger: the check finds the transaction that no longer sums to zero
    (and the balance that no longer matches)."""
    with bound(app, wallet_district):
        funding, _line = funded(1_000)
        transaction_id = db.session.scalar(sa.select(sa.func.max(Transaction.id)))
        db.session.commit()
        db.session.execute(
            sa.text(
                "INSERT INTO wallet_entry (transaction_id, account_id, amount_cents) "
                "VALUES (:t, :a, 5)"
            ),
            {"t": transaction_id, "a": funding.id},
        )
        db.session.commit()
        funding_id, funding_reference = funding.id, funding.reference
    with bound(app, wallet_district):
        assert problems() == [
            f"transaction {transaction_id}: entries sum to 5 cents, not 0",
            f"account {funding_id} ({funding_reference}): balance -1000 cents, "
            "its entries sum to -995",
        ]


def test_a_transaction_with_no_entries_is_reported(app, wallet_district):
    """A transaction row with no entries (written by hand) is reported too."""
    with bound(app, wallet_district):
        db.session.execute(
            sa.text(
                "INSERT INTO wallet_transaction (kind, idempotency_key, actor_label, reason, "
                "created_at) VALUES ('manual', 'test:empty', 'a mano', 'vuota', CURRENT_TIMESTAMP)"
            )
        )
        db.session.commit()
        empty_id = db.session.scalar(
            sa.select(Transaction.id).where(Transaction.idempotency_key == "test:empty")
        )
        [found] = problems()
        assert found.startswith(f"transaction {empty_id}: ")


# -- ledger rows never change ----------------------------------------------------------------------


def _committed_transaction(app: Flask, slug: str) -> tuple[int, int]:
    """(transaction id, id of its first entry) of a committed issue of 10 €."""
    with bound(app, slug):
        _funding, line = funded(5_000)
        voucher = open_account(AccountKind.VOUCHER)
        written = ledger.post(
            "issue", [(line, -1_000), (voucher, 1_000)], key=key(), actor=ACTOR, reason="Buono"
        )
        db.session.commit()
        return written.id, written.entries[0].id


def _as_committed(app: Flask, slug: str, transaction_id: int) -> tuple:
    with bound(app, slug):
        transaction = db.session.get(Transaction, transaction_id)
        return (
            transaction.kind,
            transaction.reason,
            transaction.idempotency_key,
            [(e.id, e.account_id, e.amount_cents) for e in transaction.entries],
        )


@pytest.mark.parametrize(
    "change",
    [
        lambda t: setattr(t, "reason", "Riscritto"),
        lambda t: setattr(t, "kind", "other"),
        lambda t: setattr(t.entries[0], "amount_cents", -999),
        lambda t: setattr(t.entries[1], "account_id", t.entries[0].account_id),
        lambda t: t.entries.append(Entry(account_id=t.entries[0].account_id, amount_cents=1)),
        lambda t: db.session.delete(t),
        lambda t: db.session.delete(t.entries[0]),
    ],
    ids=[
        "transaction-reason",
        "transaction-kind",
        "entry-amount",
        "entry-account",
        "entry-added-to-transaction",
        "transaction-deleted",
        "entry-deleted",
    ],
)
def test_the_session_refuses_to_rewrite_a_committed_row(app, district, change):
    """Changing or deleting a committed transaction or entry through the ORM raises
    `LedgerRewritten` at the flush; the row is as it was."""
    transaction_id, _entry_id = _committed_transaction(app, district)
    before = _as_committed(app, district, transaction_id)
    with bound(app, district):
        transaction = db.session.get(Transaction, transaction_id)
        change(transaction)
        with pytest.raises(LedgerRewritten, match="write a reversal"):
            db.session.flush()
        db.session.rollback()
    assert _as_committed(app, district, transaction_id) == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE wallet_entry SET amount_cents = 1 WHERE id = :entry",
        "UPDATE wallet_entry SET amount_cents = amount_cents WHERE id = :entry",
        "UPDATE wallet_transaction SET reason = 'Riscritto' WHERE id = :transaction",
        "DELETE FROM wallet_entry WHERE id = :entry",
        "DELETE FROM wallet_transaction WHERE id = :transaction",
        "DELETE FROM wallet_transaction",
        "DELETE FROM wallet_entry",
    ],
)
def test_the_database_refuses_to_rewrite_a_row_by_hand(app, district, statement):
    """Hand-written SQL cannot rewrite history either: the database's triggers refuse UPDATE
    and DELETE on both tables (an IntegrityError on SQLite and on PostgreSQL), and the rows
    are as they were."""
    transaction_id, entry_id = _committed_transaction(app, district)
    before = _as_committed(app, district, transaction_id)
    size = ledger_size(app, district)
    with bound(app, district):
        with pytest.raises(sa.exc.IntegrityError, match=TRIGGER_MESSAGE):
            db.session.execute(
                sa.text(statement), {"entry": entry_id, "transaction": transaction_id}
            )
        db.session.rollback()
    assert _as_committed(app, district, transaction_id) == before
    assert ledger_size(app, district) == size


@pytest.mark.skipif(BACKEND != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.parametrize("table", ["wallet_entry", "wallet_transaction"])
def test_postgresql_refuses_to_truncate_the_ledger(app, district, table):
    """TRUNCATE skips row triggers: a statement trigger refuses it on both tables."""
    _committed_transaction(app, district)
    size = ledger_size(app, district)
    with bound(app, district):
        with pytest.raises(sa.exc.DBAPIError, match=TRIGGER_MESSAGE):
            db.session.execute(sa.text(f"TRUNCATE {table} CASCADE"))
        db.session.rollback()
    assert ledger_size(app, district) == size


# -- reversals -------------------------------------------------------------------------------------


def test_a_reversal_undoes_a_transaction_entry_by_entry(app, district):
    """A reversal is a new transaction with the opposite entries, pointing at the original; the
    balances are back where they were and the original is untouched."""
    with bound(app, district):
        _funding, line = funded(5_000)
        voucher = open_account(AccountKind.VOUCHER)
        original = ledger.post(
            "issue", [(line, -2_000), (voucher, 2_000)], key=key(), actor=ACTOR, reason="Buono"
        )
        db.session.commit()
        ids, original_id = (line.id, voucher.id), original.id
    before = _as_committed(app, district, original_id)
    assert balances(app, district, *ids) == [3_000, 2_000]
    with bound(app, district):
        original = db.session.get(Transaction, original_id)
        reversal = ledger.reverse(
            original,
            key=(reversal_key := key()),
            actor=ledger.Actor("Revisore <rev@example.it>"),
            reason="Emesso per errore",
        )
        db.session.commit()
        reversal_id = reversal.id
    with bound(app, district):
        reversal = db.session.get(Transaction, reversal_id)
        assert reversal.kind == "issue_reversal"
        assert reversal.reverses_id == original_id
        assert reversal.idempotency_key == reversal_key
        assert reversal.actor_label == "Revisore <rev@example.it>"
        assert reversal.reason == "Emesso per errore"
        assert [(e.account_id, e.amount_cents) for e in reversal.entries] == [
            (ids[0], 2_000),
            (ids[1], -2_000),
        ]
    assert balances(app, district, *ids) == [5_000, 0]
    assert _as_committed(app, district, original_id) == before


def test_a_reversal_may_be_given_its_kind(app, district):
    """A caller names its reversals (a voucher revoked, not an "issue_reversal")."""
    with bound(app, district):
        _funding, line = funded(800)
        voucher = open_account(AccountKind.VOUCHER)
        original = ledger.post(
            "issue", [(line, -800), (voucher, 800)], key=key(), actor=ACTOR, reason="x"
        )
        reversal = ledger.reverse(original, key=key(), actor=ACTOR, reason="x", kind="revoke")
        assert reversal.kind == "revoke"
        db.session.commit()
        assert voucher.balance_cents == 0


def test_a_transaction_is_reversed_once(app, district):
    """Reversing again under another key is refused (Conflict, in Italian); under the same key
    (a retry) it returns the reversal already written; the money moved back once. (The spending
    went to a receivable, which may go negative: only the one-reversal rule refuses.)"""
    with bound(app, district):
        _funding, line = funded(5_000)
        receivable = open_account(AccountKind.RECEIVABLE)
        original = ledger.post(
            "spend", [(line, -2_000), (receivable, 2_000)], key=key(), actor=ACTOR, reason="x"
        )
        db.session.commit()
        first = ledger.reverse(original, key=(reversal_key := key()), actor=ACTOR, reason="x")
        db.session.commit()
        ids, original_id, first_id = (line.id, receivable.id), original.id, first.id
    with bound(app, district):
        original = db.session.get(Transaction, original_id)
        with pytest.raises(Conflict) as refused:
            ledger.reverse(original, key=key(), actor=ACTOR, reason="di nuovo")
        assert refused.value.message == "Questo movimento è già stato stornato."
        assert refused.value.status == 409
        db.session.rollback()
    with bound(app, district):
        original = db.session.get(Transaction, original_id)
        again = ledger.reverse(original, key=reversal_key, actor=ACTOR, reason="x")
        assert again.id == first_id
        db.session.commit()
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Transaction)
                .where(Transaction.reverses_id == original_id)
            )
            == 1
        )
    assert balances(app, district, *ids) == [5_000, 0]


def test_a_reversal_of_money_spent_since_is_refused(app, district):
    """What a transaction put on a voucher and was spent since cannot be taken back: the
    reversal is refused as an overdraw, nothing written."""
    with bound(app, district):
        _funding, line = funded(5_000)
        voucher = open_account(AccountKind.VOUCHER)
        receivable = open_account(AccountKind.RECEIVABLE)
        issue = ledger.post(
            "issue", [(line, -2_000), (voucher, 2_000)], key=key(), actor=ACTOR, reason="x"
        )
        ledger.post(
            "delivery",
            [(voucher, -1_500), (receivable, 1_500)],
            key=key(),
            actor=ACTOR,
            reason="x",
        )
        db.session.commit()
        ids, issue_id = (line.id, voucher.id, receivable.id), issue.id
    before = ledger_size(app, district)
    with bound(app, district):
        with pytest.raises(ledger.Overdrawn):
            ledger.reverse(
                db.session.get(Transaction, issue_id), key=key(), actor=ACTOR, reason="x"
            )
        db.session.rollback()
    assert ledger_size(app, district) == before
    assert balances(app, district, *ids) == [3_000, 500, 1_500]


# -- fifty at once ---------------------------------------------------------------------------------


def run_together(count: int, work: Callable[[int, threading.Barrier], Any]) -> tuple[list, list]:
    """`work(i, barrier)` in `count` real threads; (what each returned, the tracebacks of those
    that raised)."""
    barrier = threading.Barrier(count, timeout=60)
    results: list[Any] = [None] * count
    failures: list[str] = []

    def run(i: int) -> None:
        try:
            results[i] = work(i, barrier)
        except BaseException:  # every failure is reported by the test
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=run, args=(i,), name=f"wallet-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "threads still running"
    return results, failures


# The app's pool as deployed (on PostgreSQL a few connections per district, so the threads also
# queue for a connection) and, on PostgreSQL, a wide pool, so that twenty transactions wait on
# the accounts' row locks at once (closed after its tests: the server takes 100 connections in
# all, and the whole suite shares them). SQLite's pool is fixed.
WIDE_POOL = 20
POOLS = ["deployed-pool"] + (["connection-each"] if BACKEND == "postgresql" else [])


@pytest.fixture(scope="module", params=POOLS)
def crowd(request, app, district, tmp_path_factory) -> Iterator[tuple[Flask, str]]:
    """(app, district slug) for the tests with fifty threads."""
    if request.param == "deployed-pool":
        yield app, district
        return
    wide = build_app(tmp_path_factory, TENANT_POOL_SIZE=1, TENANT_POOL_OVERFLOW=WIDE_POOL - 1)
    wide.shared = True  # type: ignore[attr-defined]  # kept for the module, closed below
    slug = f"w{uuid.uuid4().hex[:8]}"
    provision(wide, slug, f"Distretto {slug} (test)", plugins={"wallet": {}})
    yield wide, slug
    close_app(wide)


def test_fifty_issues_at_once_never_take_a_line_below_zero(crowd):
    """Fifty people issue 3 € each from a line holding 100 €, at the same moment, each in a
    thread with its own session and connection: exactly 33 are written, each seeing the
    balance the one before left; the line keeps 1 €, never went below zero, and the ledger
    checks clean."""
    app, district = crowd
    with bound(app, district):
        _funding, line = funded(10_000)
        vouchers = [open_account(AccountKind.VOUCHER) for _ in range(THREADS)]
        db.session.commit()
        line_id, voucher_ids = line.id, [v.id for v in vouchers]

    def issue(i: int, barrier: threading.Barrier) -> int | str:
        with app.app_context(), tenant_context(district):
            try:
                barrier.wait()
                line = db.session.get(Account, line_id)
                voucher = db.session.get(Account, voucher_ids[i])
                try:
                    ledger.post(
                        "issue",
                        [(line, -300), (voucher, 300)],
                        key=f"test:crowd:{line_id}:{i}",
                        actor=ACTOR,
                        reason=f"Buono {i}",
                    )
                except ledger.Overdrawn:
                    db.session.rollback()
                    return "overdrawn"
                left = line.balance_cents
                db.session.commit()
                return left
            finally:
                db.session.remove()

    results, failures = run_together(THREADS, issue)
    assert failures == [], "\n".join(failures)
    left = sorted((r for r in results if r != "overdrawn"), reverse=True)
    assert len(left) == 10_000 // 300 == 33
    assert results.count("overdrawn") == THREADS - 33
    # Each issue saw what the one before it left: the line went 9700, 9400, ... 100, never < 0.
    assert left == list(range(9_700, 99, -300))
    assert balances(app, district, line_id) == [100]
    issued = balances(app, district, *voucher_ids)
    assert sorted(issued) == [0] * (THREADS - 33) + [300] * 33
    with bound(app, district):
        assert problems() == []


def test_fifty_retries_of_one_operation_at_once_write_it_once(crowd):
    """Fifty retries of one operation (one idempotency key) at the same moment: one
    transaction is written, every retry is given that one, and the money moved once."""
    app, district = crowd
    with bound(app, district):
        _funding, line = funded(10_000)
        voucher = open_account(AccountKind.VOUCHER)
        db.session.commit()
        ids = (line.id, voucher.id)
    operation = key()

    def retry(_i: int, barrier: threading.Barrier) -> int:
        with app.app_context(), tenant_context(district):
            try:
                barrier.wait()
                line, voucher = (db.session.get(Account, i) for i in ids)
                written = ledger.post(
                    "issue",
                    [(line, -300), (voucher, 300)],
                    key=operation,
                    actor=ACTOR,
                    reason="Lo stesso buono",
                )
                written_id = written.id
                db.session.commit()
                return written_id
            finally:
                db.session.remove()

    results, failures = run_together(THREADS, retry)
    assert failures == [], "\n".join(failures)
    assert len(set(results)) == 1 and results[0] is not None
    with bound(app, district):
        assert db.session.scalars(
            sa.select(Transaction.id).where(Transaction.idempotency_key == operation)
        ).all() == [results[0]]
    assert balances(app, district, *ids) == [9_700, 300]
    with bound(app, district):
        assert problems() == []


def test_fifty_reversals_at_once_reverse_once(crowd):
    """Fifty people reverse one spending at the same moment, each under a key of its own: one
    reversal is written and the money moves back once (a receivable may go negative, so only
    the one-reversal rule stands in the way of the others)."""
    app, district = crowd
    with bound(app, district):
        _funding, line = funded(5_000)
        receivable = open_account(AccountKind.RECEIVABLE)
        original = ledger.post(
            "spend", [(line, -2_000), (receivable, 2_000)], key=key(), actor=ACTOR, reason="x"
        )
        db.session.commit()
        ids, original_id = (line.id, receivable.id), original.id

    def undo(i: int, barrier: threading.Barrier) -> str:
        with app.app_context(), tenant_context(district):
            try:
                barrier.wait()
                original = db.session.get(Transaction, original_id)
                try:
                    ledger.reverse(original, key=key(), actor=ACTOR, reason=f"Storno {i}")
                    db.session.commit()
                    return "reversed"
                except Conflict as refused:
                    db.session.rollback()
                    return refused.message
                except sa.exc.IntegrityError:
                    db.session.rollback()
                    return "integrity error"
            finally:
                db.session.remove()

    results, failures = run_together(THREADS, undo)
    assert failures == [], "\n".join(failures)
    assert results.count("reversed") == 1, results
    assert balances(app, district, *ids) == [5_000, 0]
    with bound(app, district):
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Transaction)
                .where(Transaction.reverses_id == original_id)
            )
            == 1
        )
    with bound(app, district):
        assert problems() == []
    # The others are refused: most with the message, a few (those that read "not reversed yet"
    # before waiting for the accounts) by the unique reverses_id; see the test below.
    refusals = [r for r in results if r != "reversed"]
    assert set(refusals) <= {"Questo movimento è già stato stornato.", "integrity error"}


def _wait_until_blocked(engine: sa.Engine, waiting: threading.Thread) -> None:
    """Until `waiting` waits for the accounts' locks: on PostgreSQL, seen in pg_stat_activity;
    SQLite shows no waiting writer, so a pause long enough for it to get there."""
    if engine.dialect.name != "postgresql":
        time.sleep(1.0)
        return
    with engine.connect() as connection:
        for _ in range(200):
            blocked = connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            connection.rollback()  # the next look sees the activity afresh, not a snapshot
            if blocked:
                return
            assert waiting.is_alive(), "the second reversal did not wait for the locks"
            time.sleep(0.05)
    pytest.fail("the second reversal never waited for the accounts' locks")


def test_a_reversal_that_waited_for_another_is_refused_with_the_message(app, district):
    """Two people reverse one transaction, the second waiting for the accounts while the first
    writes and commits its reversal: the second is told it was reversed already (a Conflict),
    not a database error."""
    with bound(app, district):
        _funding, line = funded(5_000)
        receivable = open_account(AccountKind.RECEIVABLE)
        original = ledger.post(
            "spend", [(line, -2_000), (receivable, 2_000)], key=key(), actor=ACTOR, reason="x"
        )
        db.session.commit()
        ids, original_id = (line.id, receivable.id), original.id
    outcome: list[object] = []

    def second() -> None:
        with app.app_context(), tenant_context(district):
            try:
                original = db.session.get(Transaction, original_id)
                ledger.reverse(original, key=key(), actor=ACTOR, reason="Il secondo storno")
                db.session.commit()
                outcome.append("reversed")
            except Exception as error:  # what it raised is the test's subject
                db.session.rollback()
                outcome.append(error)
            finally:
                db.session.remove()

    waiting = threading.Thread(target=second, name="wallet-second-reversal")
    with bound(app, district):
        ledger.lock_accounts(ids)  # the first reverser holds the accounts...
        waiting.start()
        _wait_until_blocked(db.session.get_bind(), waiting)
        first = db.session.get(Transaction, original_id)
        ledger.reverse(first, key=key(), actor=ACTOR, reason="Il primo storno")
        db.session.commit()  # ...and releases them with its reversal written
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    assert balances(app, district, *ids) == [5_000, 0]
    assert len(outcome) == 1
    assert isinstance(outcome[0], Conflict), repr(outcome[0])
    assert outcome[0].message == "Questo movimento è già stato stornato."


# -- the check: command and job --------------------------------------------------------------------


def _check(app: Flask, slug: str):
    return app.test_cli_runner().invoke(args=["wallet", "check", "--tenant", slug])


def test_the_check_command_passes_a_clean_ledger(app, wallet_district):
    with bound(app, wallet_district):
        _funding, line = funded(2_000)
        voucher = open_account(AccountKind.VOUCHER)
        ledger.post("issue", [(line, -500), (voucher, 500)], key=key(), actor=ACTOR, reason="x")
        db.session.commit()
    result = _check(app, wallet_district)
    assert result.exit_code == 0, result.output
    assert f"{wallet_district}: registro in ordine." in result.output


def test_the_check_command_passes_an_empty_ledger(app, wallet_district):
    result = _check(app, wallet_district)
    assert result.exit_code == 0, result.output
    assert "registro in ordine" in result.output


def test_the_check_command_lists_what_is_wrong_and_exits_1(app, wallet_district):
    """A balance changed by hand (on a funding account, which the check constraint lets go
    negative): the command exits 1 and names the account."""
    with bound(app, wallet_district):
        funding, _line = funded(2_000)
        db.session.commit()
        funding_id, funding_reference = funding.id, funding.reference
        db.session.execute(
            sa.text(
                "UPDATE wallet_account SET balance_cents = balance_cents + 1 WHERE kind = 'funding'"
            )
        )
        db.session.commit()
    result = _check(app, wallet_district)
    assert result.exit_code == 1, result.output
    assert (
        f"account {funding_id} ({funding_reference}): balance -1999 cents, its entries sum to -2000"
    ) in result.stderr
    assert "registro in ordine" not in result.output


def test_the_check_command_refuses_a_district_without_the_wallet(app, beta):
    """A district that has not enabled the wallet: a clear line, a non-zero exit."""
    result = _check(app, beta.slug)
    assert result.exit_code != 0
    assert f"il distretto {beta.slug} non ha il borsellino attivo" in result.output
    assert "registro in ordine" not in result.output


@pytest.mark.parametrize("which", ["without-wallet", "unknown"])
def test_the_check_command_refuses_like_every_condiviso_command(app, beta, which):
    """A refusal is told apart from a broken ledger: exit code 2 and a clear line, no
    traceback, as the platform's commands do."""
    slug = beta.slug if which == "without-wallet" else "nessuno-cosi"
    result = _check(app, slug)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 2, result.output
    assert ("non ha il borsellino" if which == "without-wallet" else "non esiste") in (
        result.output
    )


def test_the_periodic_job_passes_a_clean_ledger_and_fails_a_broken_one(app, wallet_district):
    """The job is registered as the district's periodic check; it returns None on a clean
    ledger and fails loudly, with the problems, once a balance drifts."""
    from condiviso.jobs.names import find_job

    assert find_job(CHECK_JOB) is jobs.check
    with bound(app, wallet_district):
        _funding, line = funded(2_000)
        db.session.commit()
        assert jobs.check() is None
        db.session.execute(
            sa.text("UPDATE wallet_account SET balance_cents = balance_cents - 3 WHERE id = :id"),
            {"id": line.id},
        )
        db.session.commit()
        line_id = line.id
    with bound(app, wallet_district):
        with pytest.raises(jobs.LedgerBroken) as broken:
            jobs.check()
        assert f"account {line_id} " in str(broken.value)
        assert "balance 1997 cents, its entries sum to 2000" in str(broken.value)
