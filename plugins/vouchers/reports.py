"""What the comuni report on their vouchers: per month and per category, what was issued, spent
(net of reversals), expired and cancelled on the lines a person manages.

Everything is read from the ledger (decision 0024): integer cents summed in SQL from
`wallet_entry` and `wallet_transaction`, joined to the vouchers. A movement belongs to the month
of its transaction on the district's clock: `created_at` is stored in UTC, so each month's
bounds are turned into UTC instants here and the database sorts every transaction into its
month with a `CASE` over those bounds (23:30 UTC on 31 January is 1 February in Rome). Every
entry for the accounts office, and its files, are in `plugins.vouchers.movements`.

- issued: the value the vouchers received when issued (their ISSUE entries);
- spent: what deliveries took from the vouchers, net of their reversals, by the category of the
  accreditation each delivery was made under;
- expired and cancelled: what expiry and cancellation gave back from the vouchers to the lines.

Issued, expired and cancelled count under the category the voucher covers (its categories and
those of the services it names); a voucher covering several counts under "Più categorie", as
on the budget page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from condiviso.plugin_api import db, district_zone
from plugins.cooperatives.models import Accreditation, Category
from plugins.vouchers import access, budgets
from plugins.vouchers.models import (
    BudgetLine,
    Delivery,
    Voucher,
)
from plugins.wallet.models import Entry, Transaction

RELEASES = (budgets.EXPIRY, budgets.CANCELLATION)


# -- months on the district's clock ----------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def utc_start(day: date) -> datetime:
    """The instant, in UTC, the day begins where the district is."""
    return datetime(day.year, day.month, day.day, tzinfo=district_zone()).astimezone(UTC)


def local_day(moment: datetime) -> date:
    return moment.astimezone(district_zone()).date()


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s to `last`'s, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _month_index(column, months: Sequence[date]) -> sa.Case:
    """The index in `months` of the month an instant falls in, on the district's clock (the
    query bounds the instants to the months' span)."""
    return sa.case(
        *((column < utc_start(next_month(month)), index) for index, month in enumerate(months)),
        else_=len(months) - 1,
    )


# -- the report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Amounts:
    """What happened on vouchers in a month or a category, in cents (issued: how many)."""

    issued: int = 0
    spent: int = 0
    expired: int = 0
    cancelled: int = 0
    vouchers: int = 0

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(
            self.issued + other.issued,
            self.spent + other.spent,
            self.expired + other.expired,
            self.cancelled + other.cancelled,
            self.vouchers + other.vouchers,
        )


@dataclass(frozen=True)
class Row:
    label: str
    amounts: Amounts
    month: date | None = None


@dataclass(frozen=True)
class Report:
    year: int
    lines: list[BudgetLine]
    months: list[Row]  # the year's twelve, and any other month with movements on its lines
    categories: list[Row]
    total: Amounts

    @property
    def empty(self) -> bool:
        return self.total == Amounts()


def year_report(user, year: int, comune_id: int | None = None) -> Report:
    """The report of the lines of `year` the person manages (comune staff: their comuni's; the
    district admin: all), optionally of one comune."""
    access.check_money_staff(user)
    return report_of(budgets.lines(user, year, comune_id), year)


def report_of(lines: Iterable[BudgetLine], year: int) -> Report:
    """Issued, spent, expired and cancelled on these lines' vouchers, per month and category.
    Every month of `year` has its row; a movement on these lines in another month (a voucher
    that expires the next year) gets that month's row too, so the totals are the lines'."""
    lines = list(lines)
    ids = [line.id for line in lines]
    months = months_between(date(year, 1, 1), date(year, 12, 1))
    cells: dict[tuple[int, str], Amounts] = {}
    if ids:
        months = _span(ids, months)
        cells = _cells(ids, months)
    by_month: dict[int, Amounts] = defaultdict(Amounts)
    by_category: dict[str, Amounts] = defaultdict(Amounts)
    for (index, category), amounts in cells.items():
        by_month[index] += amounts
        by_category[category] += amounts
    month_rows = [
        Row(format_date(month, "LLLL yyyy"), by_month.get(index, Amounts()), month)
        for index, month in enumerate(months)
        if month.year == year or index in by_month
    ]
    several = _("Più categorie")
    category_rows = [
        Row(name, by_category[name])
        for name in sorted(by_category, key=lambda n: (n == several, n.casefold()))
    ]
    total = sum((row.amounts for row in month_rows), Amounts())
    return Report(year, lines, month_rows, category_rows, total)


def _voucher_entries(ids: list[int]) -> sa.Select:
    return (
        sa.select()
        .select_from(Entry)
        .join(Transaction, Transaction.id == Entry.transaction_id)
        .join(Voucher, Voucher.account_id == Entry.account_id)
        .where(Voucher.line_id.in_(ids))
    )


REPORTED = (budgets.ISSUE, *budgets.SPENDING, *RELEASES)


def _span(ids: list[int], months: list[date]) -> list[date]:
    """`months`, widened to the first and last month with a reported movement on the lines."""
    first, last = db.session.execute(
        _voucher_entries(ids)
        .add_columns(sa.func.min(Transaction.created_at), sa.func.max(Transaction.created_at))
        .where(Transaction.kind.in_(REPORTED))
    ).one()
    if first is None:
        return months
    start = min(months[0], month_start(local_day(_aware(first))))
    end = max(months[-1], month_start(local_day(_aware(last))))
    return months_between(start, end)


def _aware(moment) -> datetime:
    """An aggregate's datetime as an aware UTC one (SQLite may hand back text or naive)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _cells(ids: list[int], months: list[date]) -> dict[tuple[int, str], Amounts]:
    """{(month index, category): amounts}, summed by the database."""
    since, until = utc_start(months[0]), utc_start(next_month(months[-1]))
    in_span = sa.and_(Transaction.created_at >= since, Transaction.created_at < until)
    month = _month_index(Transaction.created_at, months).label("month")
    cells: dict[tuple[int, str], Amounts] = defaultdict(Amounts)
    several = _("Più categorie")
    unknown = _("Categoria non indicata")

    covered = budgets.covered_category()
    own = (
        _voucher_entries(ids)
        .add_columns(
            month,
            Transaction.kind.label("kind"),
            covered.c.count.label("count"),
            covered.c.name.label("name"),
            Entry.amount_cents.label("cents"),
        )
        .outerjoin(covered, covered.c.voucher_id == Voucher.id)
        .where(in_span, Transaction.kind.in_((budgets.ISSUE, *RELEASES)))
        .subquery()
    )
    for index, kind, count, name, cents, entries in db.session.execute(
        sa.select(
            own.c.month,
            own.c.kind,
            own.c["count"],
            own.c.name,
            sa.func.sum(own.c.cents),
            sa.func.count(),
        ).group_by(own.c.month, own.c.kind, own.c["count"], own.c.name)
    ):
        category = unknown if not count else (name if count == 1 else several)
        cents = int(cents)
        if kind == budgets.ISSUE:
            amounts = Amounts(issued=cents, vouchers=int(entries))
        elif kind == budgets.EXPIRY:
            amounts = Amounts(expired=-cents)
        else:
            amounts = Amounts(cancelled=-cents)
        cells[(int(index), category)] += amounts

    delivered = (
        _voucher_entries(ids)
        .add_columns(month, Category.name.label("name"), Entry.amount_cents.label("cents"))
        .join(Delivery, Delivery.transaction_id == Transaction.id)
        .join(Accreditation, Accreditation.id == Delivery.accreditation_id)
        .join(Category, Category.id == Accreditation.category_id)
        .where(in_span, Transaction.kind.in_(budgets.SPENDING))
        .subquery()
    )
    for index, name, cents in db.session.execute(
        sa.select(delivered.c.month, delivered.c.name, sa.func.sum(delivered.c.cents)).group_by(
            delivered.c.month, delivered.c.name
        )
    ):
        cells[(int(index), name)] += Amounts(spent=-int(cents))
    return cells
