"""Funds and budget lines: the district admin keeps the funds; a line is what a funder (a comune,
or the district) puts in a fund for a year. A line's four figures come from the ledger:

- allocated: what its allocations put on it;
- committed: what sits on its vouchers still running;
- spent: what its vouchers paid to cooperatives for deliveries;
- available: the line's own balance, what can still be issued.

allocated = available + committed + spent, always (cancelled and expired vouchers gave back what
they had left): `condiviso wallet check` verifies the ledger, `line_problems` this identity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import Comune, Conflict, InvalidInput, db
from plugins.catalog.models import Service
from plugins.cooperatives.models import Accreditation, Category
from plugins.vouchers import access
from plugins.vouchers.models import (
    BudgetLine,
    Delivery,
    Fund,
    Voucher,
    VoucherStatus,
    funder_key,
    voucher_category,
    voucher_service,
)
from plugins.wallet import ledger
from plugins.wallet.models import Account, AccountKind, Entry, Transaction
from plugins.wallet.money import format_cents

ALLOCATION = "vouchers.allocation"
ALLOCATION_REDUCED = "vouchers.allocation_reduced"
ISSUE = "vouchers.issue"
DELIVERY = "vouchers.delivery"
DELIVERY_REVERSAL = "vouchers.delivery_reversal"
CANCELLATION = "vouchers.cancellation"
EXPIRY = "vouchers.expiry"
PAYMENT = "vouchers.payment"
SPENDING = (DELIVERY, DELIVERY_REVERSAL)
FIRST_YEAR, LAST_YEAR = 2000, 2100


# -- funds -----------------------------------------------------------------------------------------


def funds(active_only: bool = False) -> list[Fund]:
    query = sa.select(Fund).order_by(Fund.name)
    if active_only:
        query = query.where(Fund.active.is_(True))
    return list(db.session.scalars(query))


def save_fund(user, fund_id: int | None, name: str, description: str | None, active: bool) -> Fund:
    """A new fund, or this one changed (district admin only); names are unique."""
    if not access.is_admin(user):
        raise access.not_found()
    access.check_writable()
    fund = None
    if fund_id is not None:
        fund = db.session.get(Fund, fund_id) if access.is_id(fund_id) else None
        if fund is None:
            raise access.not_found()
    clash = db.session.scalar(
        sa.select(Fund).where(sa.func.lower(Fund.name) == name.lower(), Fund.id != (fund_id or 0))
    )
    if clash is not None:
        raise InvalidInput({"name": [_("Esiste già un fondo con questo nome.")]})
    if fund is None:
        fund = Fund(name=name)
        db.session.add(fund)
    fund.name, fund.description, fund.active = name, description, active
    db.session.flush()
    return fund


# -- lines -----------------------------------------------------------------------------------------


def funding_account(comune: Comune | None) -> Account:
    """The external account a funder's allocations come from."""
    key = funder_key(comune.id if comune is not None else None)
    label = comune.name if comune is not None else _("Distretto (Ufficio di Piano)")
    return ledger.open_account(AccountKind.FUNDING, f"vouchers.funder:{key}", label)


def lines(user, year: int | None = None, comune_id: int | None = None) -> list[BudgetLine]:
    """The lines `user` manages, by year (newest first), funder and fund."""
    query = (
        sa.select(BudgetLine)
        .join(BudgetLine.fund)
        .outerjoin(BudgetLine.comune)
        .where(access.lines_scope(user))
        .order_by(BudgetLine.year.desc(), BudgetLine.funder, Fund.name)
    )
    if year is not None:
        query = query.where(BudgetLine.year == year)
    if comune_id is not None:
        query = query.where(BudgetLine.comune_id == comune_id)
    return list(db.session.scalars(query))


def line(user, line_id: int) -> BudgetLine:
    """A line `user` manages, or not found."""
    found = db.session.get(BudgetLine, line_id) if access.is_id(line_id) else None
    if found is None or not access.may_manage_line(user, found):
        raise access.not_found()
    return found


def create_line(
    user,
    comune_id: int | None,
    year: int,
    fund_id: int,
    amount_cents: int,
    notes: str | None,
    key: str,
) -> BudgetLine:
    """A new line with its first allocation. Comune staff open lines for their comuni; the
    district admin also for the district as a whole (`comune_id` None)."""
    access.check_money_staff(user)
    access.check_writable()
    errors: dict[str, list[str]] = {}
    comune = None
    if comune_id is None:
        if not access.is_admin(user):
            errors["comune_id"] = [_("Scegli uno dei tuoi comuni.")]
    else:
        comune = db.session.get(Comune, comune_id) if access.is_id(comune_id) else None
        if comune is None or not (access.is_admin(user) or comune.id in access.comuni_of(user)):
            errors["comune_id"] = [_("Scegli uno dei tuoi comuni.")]
    fund = db.session.get(Fund, fund_id) if access.is_id(fund_id) else None
    if fund is None or not fund.active:
        errors["fund_id"] = [_("Scegli un fondo dell'elenco.")]
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = [_("Scrivi un anno tra %(a)d e %(b)d.", a=FIRST_YEAR, b=LAST_YEAR)]
    if amount_cents <= 0:
        errors["amount"] = [_("Scrivi un importo maggiore di zero.")]
    if errors:
        raise InvalidInput(errors)
    funder = funder_key(comune_id)
    existing = db.session.scalar(
        sa.select(BudgetLine).where(
            BudgetLine.funder == funder, BudgetLine.year == year, BudgetLine.fund_id == fund.id
        )
    )
    if existing is not None:
        if ledger.find_transaction(key) is not None:  # the same form, sent again
            return existing
        raise InvalidInput(
            {"fund_id": [_("Questa voce di bilancio esiste già: aggiungi lo stanziamento lì.")]}
        )
    record = BudgetLine(funder=funder, comune_id=comune_id, year=year, fund_id=fund.id, notes=notes)
    record.fund, record.comune = fund, comune
    account = ledger.open_account(
        AccountKind.BUDGET_LINE, f"vouchers.line:{funder}:{year}:{fund.id}", record.title
    )
    record.account_id, record.account = account.id, account
    db.session.add(record)
    db.session.flush()
    _allocate(user, record, amount_cents, key, _("Stanziamento iniziale"))
    return record


def _allocate(user, line: BudgetLine, cents: int, key: str, reason: str) -> Transaction:
    source = funding_account(line.comune)
    if cents > 0:
        return ledger.post(
            ALLOCATION,
            [(source, -cents), (line.account, cents)],
            key=key,
            actor=access.actor(user),
            reason=reason,
        )
    return ledger.post(
        ALLOCATION_REDUCED,
        [(line.account, cents), (source, -cents)],
        key=key,
        actor=access.actor(user),
        reason=reason,
        overdrawn=lambda account: _(
            "Non puoi togliere più di quanto è disponibile sulla voce (%(available)s).",
            available=format_cents(account.balance_cents),
        ),
    )


def change_allocation(user, line_id: int, cents: int, reason: str, key: str) -> Transaction:
    """Add to a line (positive cents) or take back what it has available (negative): a movement
    with its reason; never below what is committed and spent."""
    record = line(user, line_id)
    access.check_writable()
    if cents == 0:
        raise InvalidInput({"amount": [_("Scrivi un importo diverso da zero.")]})
    return _allocate(user, record, cents, key, reason)


# -- figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    allocated: int = 0
    committed: int = 0
    spent: int = 0
    available: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.allocated + other.allocated,
            self.committed + other.committed,
            self.spent + other.spent,
            self.available + other.available,
        )


def figures(records: Iterable[BudgetLine]) -> dict[int, Figures]:
    """The four figures of each line, from the ledger, in three queries."""
    records = list(records)
    if not records:
        return {}
    ids = [r.id for r in records]
    allocated = dict(
        db.session.execute(
            sa.select(BudgetLine.id, sa.func.sum(Entry.amount_cents))
            .join(Entry, Entry.account_id == BudgetLine.account_id)
            .join(Entry.transaction)
            .where(BudgetLine.id.in_(ids), Transaction.kind.in_((ALLOCATION, ALLOCATION_REDUCED)))
            .group_by(BudgetLine.id)
        ).all()
    )
    committed = dict(
        db.session.execute(
            sa.select(Voucher.line_id, sa.func.sum(Account.balance_cents))
            .join(Account, Account.id == Voucher.account_id)
            .where(Voucher.line_id.in_(ids), Voucher.status == VoucherStatus.ACTIVE.value)
            .group_by(Voucher.line_id)
        ).all()
    )
    spent = dict(
        db.session.execute(
            sa.select(Voucher.line_id, sa.func.sum(Entry.amount_cents))
            .join(Entry, Entry.account_id == Voucher.account_id)
            .join(Entry.transaction)
            .where(Voucher.line_id.in_(ids), Transaction.kind.in_(SPENDING))
            .group_by(Voucher.line_id)
        ).all()
    )
    return {
        r.id: Figures(
            allocated=int(allocated.get(r.id) or 0),
            committed=int(committed.get(r.id) or 0),
            spent=-int(spent.get(r.id) or 0),
            available=r.account.balance_cents,
        )
        for r in records
    }


def line_problems(records: Iterable[BudgetLine]) -> list[str]:
    """Lines whose figures do not add up (allocated = available + committed + spent)."""
    found = []
    for line_id, f in figures(records).items():
        if f.allocated != f.available + f.committed + f.spent:
            found.append(
                f"line {line_id}: allocated {f.allocated} != available {f.available} + "
                f"committed {f.committed} + spent {f.spent}"
            )
    return found


@dataclass(frozen=True)
class Share:
    """Committed and spent for one category, or one comune, of a set of lines."""

    label: str
    committed: int
    spent: int


def covered_category() -> sa.Subquery:
    """Per voucher: how many categories it covers (its own and its services') and the first."""
    pairs = sa.union(
        sa.select(voucher_category.c.voucher_id, voucher_category.c.category_id),
        sa.select(voucher_service.c.voucher_id, Service.category_id).join(
            Service, Service.id == voucher_service.c.service_id
        ),
    ).subquery()
    return (
        sa.select(
            pairs.c.voucher_id.label("voucher_id"),
            sa.func.count().label("count"),
            sa.func.min(Category.name).label("name"),
        )
        .join(Category, Category.id == pairs.c.category_id)
        .group_by(pairs.c.voucher_id)
        .subquery()
    )


def by_category(records: Iterable[BudgetLine]) -> list[Share]:
    """Committed by the category a running voucher covers, its services' included (vouchers
    covering several are counted under "several categories"); spent by the category of the
    accreditation each delivery was made under."""
    ids = [r.id for r in records]
    if not ids:
        return []
    committed: dict[str, int] = defaultdict(int)
    counted = covered_category()
    several = _("Più categorie")
    for name, count, balance in db.session.execute(
        sa.select(counted.c.name, counted.c.count, Account.balance_cents)
        .select_from(Voucher)
        .join(counted, counted.c.voucher_id == Voucher.id)
        .join(Account, Account.id == Voucher.account_id)
        .where(Voucher.line_id.in_(ids), Voucher.status == VoucherStatus.ACTIVE.value)
    ):
        committed[name if count == 1 else several] += int(balance)
    spent: dict[str, int] = defaultdict(int)
    for name, total in db.session.execute(
        sa.select(Category.name, sa.func.sum(Delivery.amount_cents))
        .select_from(Delivery)
        .join(Voucher, Voucher.id == Delivery.voucher_id)
        .join(Accreditation, Accreditation.id == Delivery.accreditation_id)
        .join(Category, Category.id == Accreditation.category_id)
        .where(Voucher.line_id.in_(ids))
        .group_by(Category.name)
    ):
        spent[name] += int(total)
    return _shares(committed, spent)


def by_comune(records: Iterable[BudgetLine]) -> list[Share]:
    """Committed and spent by the comune each beneficiary lives in."""
    from condiviso.plugin_api import User

    ids = [r.id for r in records]
    if not ids:
        return []
    elsewhere = _("Comune non indicato")
    committed: dict[str, int] = defaultdict(int)
    for name, total in db.session.execute(
        sa.select(Comune.name, sa.func.sum(Account.balance_cents))
        .select_from(Voucher)
        .join(Account, Account.id == Voucher.account_id)
        .join(User, User.id == Voucher.beneficiary_user_id)
        .outerjoin(Comune, Comune.id == User.comune_id)
        .where(Voucher.line_id.in_(ids), Voucher.status == VoucherStatus.ACTIVE.value)
        .group_by(Comune.name)
    ):
        committed[name or elsewhere] += int(total)
    spent: dict[str, int] = defaultdict(int)
    for name, total in db.session.execute(
        sa.select(Comune.name, sa.func.sum(Delivery.amount_cents))
        .select_from(Delivery)
        .join(Voucher, Voucher.id == Delivery.voucher_id)
        .join(User, User.id == Voucher.beneficiary_user_id)
        .outerjoin(Comune, Comune.id == User.comune_id)
        .where(Voucher.line_id.in_(ids))
        .group_by(Comune.name)
    ):
        spent[name or elsewhere] += int(total)
    return _shares(committed, spent)


def _shares(committed: dict[str, int], spent: dict[str, int]) -> list[Share]:
    names = sorted(set(committed) | set(spent))
    return [Share(n, committed.get(n, 0), spent.get(n, 0)) for n in names]


def overcommit_message(account: Account) -> str:
    """Why a voucher cannot be issued from a line (`account`, locked, with its balance now)."""
    return _(
        "La voce «%(line)s» ha disponibili %(available)s: non basta per questo voucher.",
        line=account.label,
        available=format_cents(account.balance_cents),
    )


def refuse_closed_line(line: BudgetLine) -> None:
    """Lines of a fund the district closed take no new vouchers."""
    if not line.fund.active:
        raise Conflict(
            _("Il fondo «%(fund)s» è chiuso: non si emettono voucher.", fund=line.fund.name)
        )


def line_movements(line: BudgetLine) -> list[Entry]:
    """Every entry on the line's account, oldest first."""
    return ledger.entries_of([line.account_id])
