"""What the comuni report on their vouchers: per month and per category, what was issued, spent
(net of reversals), expired and cancelled on the lines a person manages; and every ledger entry
of those lines and their vouchers, for the accounts office (rendicontazione), as CSV and XLSX.

Everything is read from the ledger (decision 0024): integer cents summed in SQL from
`wallet_entry` and `wallet_transaction`, joined to the vouchers. A movement belongs to the month
of its transaction on the district's clock: `created_at` is stored in UTC, so each month's
bounds are turned into UTC instants here and the database sorts every transaction into its
month with a `CASE` over those bounds (23:30 UTC on 31 January is 1 February in Rome).

- issued: the value the vouchers received when issued (their ISSUE entries);
- spent: what deliveries took from the vouchers, net of their reversals, by the category of the
  accreditation each delivery was made under;
- expired and cancelled: what expiry and cancellation gave back from the vouchers to the lines.

Issued, expired and cancelled count under the category the voucher covers (its categories and
those of the services it names); a voucher covering several counts under "Più categorie", as
on the budget page.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from condiviso.plugin_api import CondivisoError, db, district_zone, today
from plugins.cooperatives.models import Accreditation, Category, Cooperative
from plugins.vouchers import access, budgets
from plugins.vouchers.cells import DAY_FORMAT, EURO_FORMAT, cell_text, euro, neutral
from plugins.vouchers.models import (
    BudgetLine,
    Delivery,
    Voucher,
)
from plugins.wallet.models import Entry, Transaction
from plugins.wallet.money import plain_cents

RELEASES = (budgets.EXPIRY, budgets.CANCELLATION)
LONGEST_RANGE_YEARS = 5
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def kind_label(kind: str) -> str:
    """A transaction's kind in Italian words."""
    labels = {
        budgets.ALLOCATION: _("Stanziamento"),
        budgets.ALLOCATION_REDUCED: _("Riduzione dello stanziamento"),
        budgets.ISSUE: _("Emissione del voucher"),
        budgets.DELIVERY: _("Prestazione"),
        budgets.DELIVERY_REVERSAL: _("Storno di una prestazione"),
        budgets.CANCELLATION: _("Annullamento del voucher"),
        budgets.EXPIRY: _("Scadenza del voucher"),
        budgets.PAYMENT: _("Pagamento"),
    }
    return labels.get(kind, kind)


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


# -- movements (rendicontazione) -------------------------------------------------------------------


class BadRange(CondivisoError):
    """A range of days the exports refuse, with why (a 400 page)."""


def parse_day(text: str | None, field: str) -> date | None:
    """A day as a date input sends it (AAAA-MM-GG), None when not given; anything else is
    refused with a message naming the field."""
    if text is None or text == "":
        return None
    if not _DAY.fullmatch(text):
        raise BadRange(
            _("La data «%(field)s» non è valida: scrivila come AAAA-MM-GG.", field=field)
        )
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadRange(
            _("La data «%(field)s» non esiste: controlla giorno e mese.", field=field)
        ) from None
    if not budgets.FIRST_YEAR <= day.year <= budgets.LAST_YEAR:
        raise BadRange(
            _(
                "La data «%(field)s» è fuori dagli anni del bilancio (dal %(a)d al %(b)d).",
                field=field,
                a=budgets.FIRST_YEAR,
                b=budgets.LAST_YEAR,
            )
        )
    return day


def day_range(since: str | None, until: str | None) -> tuple[date, date]:
    """The days an export covers: both included; by default the current year (or the year of
    the one day given). Refused when reversed or longer than five years."""
    first, last = parse_day(since, _("dal")), parse_day(until, _("al"))
    year = (first or last or today()).year
    first = first or date((last or date(year, 1, 1)).year, 1, 1)
    last = last or date(first.year, 12, 31)
    if last < first:
        raise BadRange(_("La data «al» viene prima della data «dal»."))
    if last >= _years_after(first, LONGEST_RANGE_YEARS):
        raise BadRange(
            _("Scegli al massimo %(n)d anni di movimenti per volta.", n=LONGEST_RANGE_YEARS)
        )
    return first, last


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Movement:
    """One ledger entry on a line or one of its vouchers."""

    at: datetime  # on the district's clock
    transaction_id: int
    entry_id: int
    kind: str
    account: str  # "Voce di bilancio" or "Voucher"
    line: str  # funder · fund · year
    voucher_code: str | None
    cooperative: str | None
    amount_cents: int
    who: str
    reason: str

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


@dataclass(frozen=True)
class Movements:
    first: date
    last: date
    rows: list[Movement]

    @property
    def total_cents(self) -> int:
        return sum(row.amount_cents for row in self.rows)


def movements(user, since: date, until: date, comune_id: int | None = None) -> Movements:
    """Every ledger entry, from `since` to `until` on the district's clock, on the lines the
    person manages (of any year; optionally one comune's) and on their vouchers, oldest first."""
    access.check_money_staff(user)
    lines = {line.id: line for line in budgets.lines(user, None, comune_id)}
    if not lines:
        return Movements(since, until, [])
    ids = list(lines)
    columns = (
        Transaction.created_at,
        Transaction.id,
        Entry.id,
        Transaction.kind,
        Entry.amount_cents,
        Transaction.actor_label,
        Transaction.reason,
        Cooperative.legal_name,
    )
    in_range = sa.and_(
        Transaction.created_at >= utc_start(since),
        Transaction.created_at < utc_start(until + timedelta(days=1)),
    )
    on_lines = db.session.execute(
        sa.select(*columns, BudgetLine.id, sa.null())
        .select_from(Entry)
        .join(Transaction, Transaction.id == Entry.transaction_id)
        .join(BudgetLine, BudgetLine.account_id == Entry.account_id)
        .outerjoin(Delivery, Delivery.transaction_id == Transaction.id)
        .outerjoin(Cooperative, Cooperative.id == Delivery.cooperative_id)
        .where(BudgetLine.id.in_(ids), in_range)
    ).all()
    on_vouchers = db.session.execute(
        sa.select(*columns, Voucher.line_id, Voucher.code)
        .select_from(Entry)
        .join(Transaction, Transaction.id == Entry.transaction_id)
        .join(Voucher, Voucher.account_id == Entry.account_id)
        .outerjoin(Delivery, Delivery.transaction_id == Transaction.id)
        .outerjoin(Cooperative, Cooperative.id == Delivery.cooperative_id)
        .where(Voucher.line_id.in_(ids), in_range)
    ).all()
    # A line's entry of an issue or a release names the voucher its transaction moved money with.
    codes = {row[1]: row[-1] for row in on_vouchers}
    line_word, voucher_word = _("Voce di bilancio"), _("Voucher")
    rows = [
        Movement(
            at=when.astimezone(district_zone()),
            transaction_id=transaction_id,
            entry_id=entry_id,
            kind=kind,
            account=voucher_word if code else line_word,
            line=lines[line_id].title,
            voucher_code=code or codes.get(transaction_id),
            cooperative=cooperative,
            amount_cents=int(cents),
            who=actor.split(" <", 1)[0],
            reason=reason,
        )
        for (
            when,
            transaction_id,
            entry_id,
            kind,
            cents,
            actor,
            reason,
            cooperative,
            line_id,
            code,
        ) in [*on_lines, *on_vouchers]
    ]
    rows.sort(key=lambda row: (row.at, row.transaction_id, row.entry_id))
    return Movements(since, until, rows)


# -- files -----------------------------------------------------------------------------------------


def headers() -> list[str]:
    return [
        _("Data"),
        _("N. movimento"),
        _("Tipo"),
        _("Conto"),
        _("Voce di bilancio"),
        _("Codice voucher"),
        _("Cooperativa"),
        _("Importo"),
        _("Chi"),
        _("Causale"),
    ]


def _texts(row: Movement) -> list[str]:
    """Kind, account, line, code, cooperative: the text cells before the amount."""
    return [row.kind_label, row.account, row.line, row.voucher_code or "", row.cooperative or ""]


def movements_csv(found: Movements) -> bytes:
    """One row per entry under an Italian header; `;` between fields, amounts as "12,50" and
    days as dd/mm/yyyy, UTF-8 with a BOM (a spreadsheet in an Italian locale opens it as is)."""
    with force_locale("it"):
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers())
        for row in found.rows:
            writer.writerow(
                [
                    row.at.strftime("%d/%m/%Y"),
                    str(row.transaction_id),
                    *(neutral(text) for text in _texts(row)),
                    plain_cents(row.amount_cents),
                    neutral(row.who),
                    neutral(row.reason),
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


WIDTHS = (12, 13, 26, 17, 48, 15, 32, 14, 28, 48)
AMOUNT_COLUMN = 7  # 0-based


def title(found: Movements) -> str:
    return _(
        "Movimenti dei voucher sociali dal %(first)s al %(last)s",
        first=found.first.strftime("%d/%m/%Y"),
        last=found.last.strftime("%d/%m/%Y"),
    )


def movements_xlsx(found: Movements) -> bytes:
    """A title row, the header row, one row per entry (the day as a date, the amount as a
    number of euro), a totals row; column widths set, the header frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    with force_locale("it"):
        book = Workbook()
        sheet = book.active
        sheet.title = _("Movimenti")
        sheet.append([title(found)])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([])
        sheet.append(headers())
        header_row = sheet.max_row
        bold = Font(bold=True)
        for cell in sheet[header_row]:
            cell.font = bold
        for row in found.rows:
            sheet.append(
                [
                    row.at.date(),
                    row.transaction_id,
                    *(cell_text(text) for text in _texts(row)),
                    euro(row.amount_cents),
                    cell_text(row.who),
                    cell_text(row.reason),
                ]
            )
            cells = sheet[sheet.max_row]
            cells[0].number_format = DAY_FORMAT
            cells[AMOUNT_COLUMN].number_format = EURO_FORMAT
        sheet.append(
            [
                _("Totale"),
                _("%(n)d movimenti", n=len(found.rows)),
                *([None] * (AMOUNT_COLUMN - 2)),
                euro(found.total_cents),
            ]
        )
        totals = sheet[sheet.max_row]
        for cell in totals:
            cell.font = bold
        totals[AMOUNT_COLUMN].number_format = EURO_FORMAT
        for index, width in enumerate(WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
        out = io.BytesIO()
        book.save(out)
    return out.getvalue()


def filename(found: Movements, extension: str) -> str:
    """movimenti-2026.csv for a calendar year, else movimenti-2026-01-01-2026-03-31.csv."""
    first, last = found.first, found.last
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and (
        first.year == last.year
    ):
        return f"movimenti-{first.year}.{extension}"
    return f"movimenti-{first.isoformat()}-{last.isoformat()}.{extension}"
