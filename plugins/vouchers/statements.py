"""The monthly statements a comune (or the district) pays each cooperative: what it delivered in a
month on the funder's vouchers, still to pay, and the statements already paid. The cooperative
invoices against them.

Which rows a statement lists (decision 0024: a correction is a reversal row, never an edit):

- Every row belongs to the month of its `delivered_on`; a reversal carries its original's day,
  so it belongs to its original's month.
- A delivery is payable when it is on no statement, has no open dispute, and was not reversed
  before being paid: a delivery and its reversal recorded before any payment net to nothing and
  are both left out, on every statement, for ever (the cooperative corrected it, or a dispute was
  upheld; the receivable got +x and -x).
- A reversal is payable when its original is on a paid statement and the reversal is on none:
  the cooperative owes the amount back, and it is netted, negative, on the next statement paid
  for that month (several statements may be paid for one month: what is delivered or reversed
  after a payment goes on the next).
- A statement whose total would be zero or negative (more reversals than deliveries) is refused.

Who sees what: the district admin every statement; comune staff those their comuni fund (the
district's own lines only the admin); cooperative staff their cooperatives' for every funder,
read only. Only money staff of the funder pay. Anyone else: not found.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from condiviso.plugin_api import Comune, Conflict, InvalidInput, db, record_access
from plugins.cooperatives.models import Cooperative
from plugins.vouchers import access, budgets, redeeming
from plugins.vouchers.issuing import VOUCHER
from plugins.vouchers.models import (
    DISTRICT_FUNDER,
    Delivery,
    Dispute,
    Statement,
    funder_key,
    statement_delivery,
)
from plugins.wallet import ledger
from plugins.wallet.models import Account, AccountKind
from plugins.wallet.money import format_cents

REFERENCE_LENGTH = 120
# A payment reference is one line: no control character at all (not even a tab or a line break),
# no C1 control, no Unicode line or paragraph separator.
NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# -- months and funders ----------------------------------------------------------------------------


def first_day(month: date) -> date:
    return month.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def comune_of(funder: str) -> int | None:
    """The comune a funder key names (`comune:<id>`), or None (the district, or no key)."""
    prefix, _sep, rest = funder.partition(":")
    if prefix != "comune" or not rest.isascii() or not rest.isdigit():
        return None
    comune_id = int(rest)
    return comune_id if access.is_id(comune_id) else None


def is_funder(funder: str) -> bool:
    """A funder key as stored: `district`, or `comune:<id>` of a comune of the district."""
    if funder == DISTRICT_FUNDER:
        return True
    comune_id = comune_of(funder)
    return comune_id is not None and db.session.get(Comune, comune_id) is not None


def funder_name(funder: str) -> str:
    comune_id = comune_of(funder)
    comune = db.session.get(Comune, comune_id) if comune_id is not None else None
    return comune.name if comune is not None else _("Distretto (Ufficio di Piano)")


# -- who sees and pays what ------------------------------------------------------------------------


def _comune_funders(user) -> list[str]:
    return [funder_key(comune_id) for comune_id in sorted(access.comuni_of(user))]


def may_see(user, cooperative_id: int, funder: str) -> bool:
    if user is None:
        return False
    return (
        access.is_admin(user)
        or funder in _comune_funders(user)
        or cooperative_id in access.cooperatives_of(user)
    )


def may_pay(user, funder: str) -> bool:
    """Money staff of the funder: the admin for every funder, comune staff for their comuni."""
    return user is not None and (access.is_admin(user) or funder in _comune_funders(user))


def _scope(user, cooperative_column, funder_column) -> sa.ColumnElement[bool]:
    if access.is_admin(user):
        return sa.true()
    seen = []
    if funders := _comune_funders(user):
        seen.append(funder_column.in_(funders))
    if cooperatives := access.cooperatives_of(user):
        seen.append(cooperative_column.in_(sorted(cooperatives)))
    return sa.or_(*seen) if seen else sa.false()


def _sees_any(user) -> bool:
    return user is not None and (
        access.is_admin(user) or bool(access.comuni_of(user)) or bool(access.cooperatives_of(user))
    )


def _cooperative(user, cooperative_id: int, funder: str) -> Cooperative:
    """The cooperative, when the person may see its statements for `funder`; else not found."""
    if not access.is_id(cooperative_id) or not isinstance(funder, str) or not is_funder(funder):
        raise access.not_found()
    if not may_see(user, cooperative_id, funder):
        raise access.not_found()
    found = db.session.get(Cooperative, cooperative_id)
    if found is None:
        raise access.not_found()
    return found


# -- what is paid and what is payable --------------------------------------------------------------


def _on_statement(delivery_id) -> sa.ColumnElement[bool]:
    return sa.exists(
        sa.select(statement_delivery.c.delivery_id).where(
            statement_delivery.c.delivery_id == delivery_id
        )
    )


def payable_clause() -> sa.ColumnElement[bool]:
    """The deliveries still to pay (the rules are in the module's docstring)."""
    reversal = sa.orm.aliased(Delivery)
    disputed = sa.exists(
        sa.select(Dispute.id).where(
            Dispute.delivery_id == Delivery.id, Dispute.resolved_at.is_(None)
        )
    )
    reversed_ = sa.exists(sa.select(reversal.id).where(reversal.reverses_id == Delivery.id))
    return sa.and_(
        ~_on_statement(Delivery.id),
        ~disputed,
        sa.or_(
            sa.and_(Delivery.reverses_id.is_(None), ~reversed_),
            sa.and_(Delivery.reverses_id.is_not(None), _on_statement(Delivery.reverses_id)),
        ),
    )


def is_paid(delivery: Delivery) -> bool:
    """The delivery is on a paid statement."""
    return bool(db.session.scalar(sa.select(_on_statement(delivery.id))))


def payable(cooperative_id: int, funder: str, month_first_day: date) -> list[Delivery]:
    """The deliveries of a cooperative on a funder's vouchers, delivered in the month of
    `month_first_day`, still to pay: on no statement, without an open dispute; a reversal when
    its original was paid (a delivery reversed before it was paid is left out with its reversal).
    By day, then in the order recorded."""
    month = first_day(month_first_day)
    return list(
        db.session.scalars(
            sa.select(Delivery)
            .where(
                Delivery.cooperative_id == cooperative_id,
                Delivery.funder == funder,
                Delivery.delivered_on >= month,
                Delivery.delivered_on < next_month(month),
                payable_clause(),
            )
            .order_by(Delivery.delivered_on, Delivery.id)
        )
    )


# -- figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    count: int = 0
    cost_cents: int = 0
    family_cents: int = 0
    voucher_cents: int = 0


def totals(rows: list[Delivery]) -> Totals:
    return Totals(
        count=len(rows),
        cost_cents=sum(d.cost_cents for d in rows),
        family_cents=sum(d.family_share_cents for d in rows),
        voucher_cents=sum(d.amount_cents for d in rows),
    )


@dataclass(frozen=True)
class Sheet:
    """A statement as the pages and the exports show it: the paid one (`statement`), or what
    is still to pay for the month (`statement` None)."""

    cooperative: Cooperative
    funder: str
    funder_name: str
    month: date
    rows: list[Delivery]
    statement: Statement | None = None

    @property
    def totals(self) -> Totals:
        return totals(self.rows)


@dataclass(frozen=True)
class MonthFigures:
    """One line of the statements list: a cooperative, a funder, a month."""

    cooperative: Cooperative
    funder: str
    funder_name: str
    month: date
    to_pay_cents: int = 0
    to_pay_count: int = 0
    paid_cents: int = 0
    statements: int = 0
    may_pay: bool = False


@dataclass(frozen=True)
class MonthPage:
    to_pay: Sheet
    paid: list[Statement] = field(default_factory=list)
    may_pay: bool = False


def months(user) -> list[MonthFigures]:
    """For each cooperative, funder and month with deliveries to pay or statements paid that the
    person may see: what is to pay and what was paid. Newest month first."""
    if not _sees_any(user):
        raise access.not_found()
    to_pay: dict[tuple[int, str, date], list[int]] = defaultdict(lambda: [0, 0])
    for cooperative_id, funder, day, count, cents in db.session.execute(
        sa.select(
            Delivery.cooperative_id,
            Delivery.funder,
            Delivery.delivered_on,
            sa.func.count(),
            sa.func.sum(Delivery.amount_cents),
        )
        .where(payable_clause(), _scope(user, Delivery.cooperative_id, Delivery.funder))
        .group_by(Delivery.cooperative_id, Delivery.funder, Delivery.delivered_on)
    ):
        figures = to_pay[(cooperative_id, funder, first_day(day))]
        figures[0] += int(count)
        figures[1] += int(cents or 0)
    paid: dict[tuple[int, str, date], list[int]] = defaultdict(lambda: [0, 0])
    for cooperative_id, funder, month, count, cents in db.session.execute(
        sa.select(
            Statement.cooperative_id,
            Statement.funder,
            Statement.month,
            sa.func.count(),
            sa.func.sum(Statement.total_cents),
        )
        .where(_scope(user, Statement.cooperative_id, Statement.funder))
        .group_by(Statement.cooperative_id, Statement.funder, Statement.month)
    ):
        figures = paid[(cooperative_id, funder, month)]
        figures[0] += int(count)
        figures[1] += int(cents or 0)
    keys = set(to_pay) | set(paid)
    cooperatives = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Cooperative).where(Cooperative.id.in_({k[0] for k in keys}))
        )
    }
    names = {funder: funder_name(funder) for funder in {k[1] for k in keys}}
    found = []
    for cooperative_id, funder, month in keys:
        count, cents = to_pay.get((cooperative_id, funder, month), (0, 0))
        statements, paid_cents = paid.get((cooperative_id, funder, month), (0, 0))
        found.append(
            MonthFigures(
                cooperative=cooperatives[cooperative_id],
                funder=funder,
                funder_name=names[funder],
                month=month,
                to_pay_count=count,
                to_pay_cents=cents,
                statements=statements,
                paid_cents=paid_cents,
                may_pay=may_pay(user, funder),
            )
        )
    # Newest month first; within a month by cooperative, then funder.
    return sorted(
        found, key=lambda f: (-f.month.toordinal(), f.cooperative.legal_name, f.funder_name)
    )


def month_page(user, cooperative_id: int, funder: str, month: date) -> MonthPage:
    """A month's statement for a cooperative and a funder: what is to pay, and the statements
    already paid for that month; not found for whom may not see it."""
    cooperative = _cooperative(user, cooperative_id, funder)
    month = first_day(month)
    paid = list(
        db.session.scalars(
            sa.select(Statement)
            .where(
                Statement.cooperative_id == cooperative.id,
                Statement.funder == funder,
                Statement.month == month,
            )
            .order_by(Statement.paid_at, Statement.id)
        )
    )
    sheet = Sheet(
        cooperative, funder, funder_name(funder), month, payable(cooperative.id, funder, month)
    )
    return MonthPage(sheet, paid, may_pay(user, funder))


def paid_statement(user, statement_id: int) -> Sheet:
    """A paid statement with its deliveries, or not found."""
    found = db.session.get(Statement, statement_id) if access.is_id(statement_id) else None
    if found is None or not may_see(user, found.cooperative_id, found.funder):
        raise access.not_found()
    return sheet_of(found)


def sheet_of(statement: Statement) -> Sheet:
    return Sheet(
        statement.cooperative,
        statement.funder,
        funder_name(statement.funder),
        statement.month,
        list(statement.deliveries),
        statement,
    )


def audit(sheet: Sheet) -> None:
    """A statement names the persons its vouchers are for: each reading is on their record
    (they see it on their wallet's page). The caller commits."""
    access.check_writable()
    seen: set[int] = set()
    for delivery in sheet.rows:
        if delivery.voucher_id not in seen:
            seen.add(delivery.voucher_id)
            record_access(
                "read",
                VOUCHER,
                delivery.voucher_id,
                subject_user_id=delivery.voucher.beneficiary_user_id,
                reason=_("Rendiconto della cooperativa"),
            )


# -- paying ----------------------------------------------------------------------------------------


def clean_reference(text: str | None) -> str | None:
    """A payment reference (a bank transfer's CRO, a mandate's number): one line of at most
    120 characters without control characters, or None."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidInput(
            {"payment_reference": [_("Il modulo non è valido: ricarica la pagina e riprova.")]}
        )
    text = text.strip()
    if len(text) > REFERENCE_LENGTH or NOT_ONE_LINE.search(text):
        raise InvalidInput(
            {
                "payment_reference": [
                    _(
                        "Al massimo %(n)d caratteri, senza caratteri di controllo.",
                        n=REFERENCE_LENGTH,
                    )
                ]
            }
        )
    return text or None


def paid_out_account(funder: str) -> Account:
    """The external account of what a funder paid out to the cooperatives. Opened by the first
    payment; two first payments at once (two cooperatives) both find the one opened."""
    reference = f"vouchers.paid_out:{funder}"
    account = ledger.account_by_reference(reference)
    if account is not None:
        return account
    label = _("Pagato da %(funder)s", funder=funder_name(funder))
    if db.session.get_bind().dialect.name == "sqlite":
        # The caller holds the database's one writer lock (the receivable's): nobody else opens
        # it meanwhile.
        return ledger.open_account(AccountKind.PAID_OUT, reference, label)
    try:
        with db.session.begin_nested():
            return ledger.open_account(AccountKind.PAID_OUT, reference, label)
    except sa.exc.IntegrityError:
        found = ledger.account_by_reference(reference)
        if found is None:
            raise
        return found


def pay(
    user,
    cooperative_id: int,
    funder: str,
    month: date,
    payment_reference: str | None,
    key: str,
) -> Statement:
    """Mark what is to pay for a month paid: one ledger transaction moves its total from the
    cooperative's receivable to what the funder paid out, and the statement lists the deliveries
    it paid. Money staff of the funder only; refused when there is nothing to pay or the total
    is not above zero. A retried form (the same `key`) returns the statement it wrote; two people
    paying the same month at once pay each delivery once (the receivable is locked before what is
    payable is read; the unique delivery of `statement_delivery` is the last line)."""
    cooperative = _cooperative(user, cooperative_id, funder)
    if not may_pay(user, funder):
        raise access.not_found()
    access.check_writable()
    month = first_day(month)
    reference = clean_reference(payment_reference)
    receivable = redeeming.receivable(cooperative, funder)
    ledger.lock_accounts([receivable.id])
    paid_out = paid_out_account(funder)
    done = ledger.find_transaction(key)
    if done is not None:
        return _statement_of(done, cooperative.id, funder, month)
    rows = payable(cooperative.id, funder, month)
    if not rows:
        raise Conflict(_("Non c'è nulla da pagare per questo mese: il rendiconto è già pagato."))
    total = sum(d.amount_cents for d in rows)
    if total <= 0:
        raise Conflict(
            _(
                "Il totale del rendiconto è %(total)s: gli storni superano le prestazioni da "
                "pagare. Non si paga un rendiconto a zero o negativo: si pagherà quando nuove "
                "prestazioni del mese lo copriranno.",
                total=format_cents(total),
            )
        )
    transaction = ledger.post(
        budgets.PAYMENT,
        [(receivable, -total), (paid_out, total)],
        key=key,
        actor=access.actor(user),
        reason=_(
            "Pagamento del rendiconto di %(month)s a %(name)s",
            month=format_date(month, "LLLL yyyy"),
            name=cooperative.legal_name,
        ),
    )
    statement = Statement(
        cooperative_id=cooperative.id,
        funder=funder,
        month=month,
        total_cents=total,
        payment_reference=reference,
        transaction_id=transaction.id,
        paid_by_label=access.actor(user).label[:200],
    )
    statement.deliveries = rows
    db.session.add(statement)
    db.session.flush()
    return statement


def _statement_of(transaction, cooperative_id: int, funder: str, month: date) -> Statement:
    """The statement a payment's transaction wrote (the same form sent again)."""
    found = db.session.scalar(
        sa.select(Statement).where(Statement.transaction_id == transaction.id)
    )
    if (
        found is None
        or transaction.kind != budgets.PAYMENT
        or (found.cooperative_id, found.funder, found.month) != (cooperative_id, funder, month)
    ):
        raise InvalidInput(
            {"_schema": [_("Il modulo non è valido: ricarica la pagina e riprova.")]}
        )
    return found
