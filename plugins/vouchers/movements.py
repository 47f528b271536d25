"""Every ledger entry on the budget lines a person manages and on their vouchers, in a range of
days, for the comune's accounts office (rendicontazione), and the CSV and XLSX files of them."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from condiviso.plugin_api import CondivisoError, db, district_zone, today
from plugins.cooperatives.models import Cooperative
from plugins.vouchers import access, budgets
from plugins.vouchers.cells import DAY_FORMAT, EURO_FORMAT, cell_text, euro, neutral
from plugins.vouchers.models import BudgetLine, Delivery, Voucher
from plugins.vouchers.reports import utc_start
from plugins.wallet.models import Entry, Transaction
from plugins.wallet.money import plain_cents

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
