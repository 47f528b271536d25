"""A statement (paid, or what is to pay for a month) as the files a cooperative invoices against
and an accounts office files: CSV for any program, XLSX for a spreadsheet, PDF with the totals.

Always in Italian, the language of the district's records. Amounts are integer cents to the
last moment: "12,50" in the CSV (`plain_cents`), a number of euro in the XLSX computed as
`Decimal(cents) / 100`, never float arithmetic on cents. A text cell a spreadsheet would read
as a formula (it begins with = + - @, a tab or a carriage return) is written with an apostrophe
in front: a note a cooperative typed can never run in the comune's spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re

from flask import render_template
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _

from plugins.vouchers.cells import DAY_FORMAT, EURO_FORMAT, cell_text, euro, neutral
from plugins.vouchers.models import Delivery
from plugins.vouchers.statements import Sheet
from plugins.wallet.money import format_minutes, plain_cents

AMOUNT_COLUMNS = (5, 6, 7)  # cost, family share, voucher share (0-based)
WIDTHS = (12, 16, 28, 32, 14, 13, 15, 15, 34, 40)


def headers() -> list[str]:
    return [
        _("Data"),
        _("Codice voucher"),
        _("Beneficiario"),
        _("Servizio"),
        _("Ore/Unità"),
        _("Costo"),
        _("Quota famiglia"),
        _("Quota voucher"),
        _("Accreditamento"),
        _("Note"),
    ]


def month_name(month) -> str:
    """The month as Italians write it: "novembre 2026"."""
    return format_date(month, "LLLL yyyy")


def day(value) -> str:
    return value.strftime("%d/%m/%Y")


def quantity(delivery: Delivery) -> str:
    """Hours ("1 h 30 min", "-1 h 30 min" on a reversal) or units, or nothing."""
    if delivery.minutes:
        sign = "-" if delivery.minutes < 0 else ""
        return f"{sign}{format_minutes(abs(delivery.minutes))}"
    if delivery.units:
        return str(delivery.units)
    return ""


def accreditation(delivery: Delivery) -> str:
    found = delivery.accreditation
    return _(
        "%(category)s, %(comune)s (n. %(id)d)",
        category=found.category.name,
        comune=found.comune.name,
        id=found.id,
    )


def _texts(delivery: Delivery) -> dict[str, str]:
    """The text cells of a row, neutralised."""
    return {
        "code": neutral(delivery.voucher.code),
        "beneficiary": neutral(delivery.voucher.beneficiary.full_name),
        "service": neutral(delivery.service.title if delivery.service else ""),
        "quantity": neutral(quantity(delivery)),
        "accreditation": neutral(accreditation(delivery)),
        "note": neutral(delivery.note),
    }


def title(sheet: Sheet) -> str:
    return _(
        "Rendiconto di %(month)s · %(cooperative)s · %(funder)s",
        month=month_name(sheet.month),
        cooperative=sheet.cooperative.legal_name,
        funder=sheet.funder_name,
    )


def state(sheet: Sheet) -> str:
    """Paid when, by which reference; or still to pay."""
    if sheet.statement is None:
        return _("Da pagare (non ancora pagato)")
    paid = sheet.statement
    when = format_date(paid.paid_at, "dd/MM/yyyy")
    if paid.payment_reference:
        return _(
            "Pagato il %(day)s, riferimento %(reference)s",
            day=when,
            reference=paid.payment_reference,
        )
    return _("Pagato il %(day)s", day=when)


# -- CSV -------------------------------------------------------------------------------------------


def statement_csv(sheet: Sheet) -> bytes:
    """One row per delivery under a header row; `;` between fields, UTF-8 with a BOM (a
    spreadsheet in an Italian locale opens it as it is); no totals row, so that a program
    reading it gets deliveries only."""
    with force_locale("it"):
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(headers())
        for delivery in sheet.rows:
            text = _texts(delivery)
            writer.writerow(
                [
                    day(delivery.delivered_on),
                    text["code"],
                    text["beneficiary"],
                    text["service"],
                    text["quantity"],
                    plain_cents(delivery.cost_cents),
                    plain_cents(delivery.family_share_cents),
                    plain_cents(delivery.amount_cents),
                    text["accreditation"],
                    text["note"],
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# -- XLSX ------------------------------------------------------------------------------------------


def statement_xlsx(sheet: Sheet) -> bytes:
    """A title row (cooperative, funder, month), what the statement is (paid or to pay), the
    header row, one row per delivery, a totals row; amounts as numbers in euro."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    with force_locale("it"):
        book = Workbook()
        ws = book.active
        ws.title = _("Rendiconto")
        bold = Font(bold=True)
        ws.append([cell_text(title(sheet))])
        ws["A1"].font = Font(bold=True, size=13)
        tax_code = _("Codice fiscale / partita IVA: %(code)s", code=sheet.cooperative.tax_code)
        ws.append([cell_text(f"{state(sheet)} · {tax_code}")])
        ws.append([])
        ws.append(headers())
        header_row = ws.max_row
        for cell in ws[header_row]:
            cell.font = bold
        for delivery in sheet.rows:
            text = _texts(delivery)
            ws.append(
                [
                    delivery.delivered_on,
                    cell_text(text["code"]),
                    cell_text(text["beneficiary"]),
                    cell_text(text["service"]),
                    cell_text(text["quantity"]),
                    euro(delivery.cost_cents),
                    euro(delivery.family_share_cents),
                    euro(delivery.amount_cents),
                    cell_text(text["accreditation"]),
                    cell_text(text["note"]),
                ]
            )
            row = ws[ws.max_row]
            row[0].number_format = DAY_FORMAT
            for column in AMOUNT_COLUMNS:
                row[column].number_format = EURO_FORMAT
        totals = sheet.totals
        ws.append(
            [
                _("Totale"),
                ngettext("%(num)d prestazione", "%(num)d prestazioni", totals.count),
                None,
                None,
                None,
                euro(totals.cost_cents),
                euro(totals.family_cents),
                euro(totals.voucher_cents),
                None,
                None,
            ]
        )
        row = ws[ws.max_row]
        for cell in row:
            cell.font = bold
        for column in AMOUNT_COLUMNS:
            row[column].number_format = EURO_FORMAT
        for index, width in enumerate(WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        out = io.BytesIO()
        book.save(out)
    return out.getvalue()


# -- PDF -------------------------------------------------------------------------------------------


def statement_pdf(sheet: Sheet, district_name: str) -> bytes:
    """The statement on paper, with its totals, drawn by WeasyPrint with nothing fetched: the
    template carries its own style and the fetcher refuses every URL."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with force_locale("it"):
        html = render_template(
            "vouchers/statement.pdf.html",
            sheet=sheet,
            totals=sheet.totals,
            title=title(sheet),
            state=state(sheet),
            month=month_name(sheet.month),
            district_name=district_name,
            quantity=quantity,
            accreditation=accreditation,
        )
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


# -- file names ------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^a-z0-9-]+")


def filename(sheet: Sheet, extension: str) -> str:
    """A name that is safe in any header and on any disk: rendiconto-<cooperative>-<funder>-
    <yyyy-mm>[-<statement id>].<extension>."""
    parts = [
        "rendiconto",
        sheet.cooperative.slug,
        sheet.funder.replace(":", "-"),
        sheet.month.strftime("%Y-%m"),
    ]
    if sheet.statement is not None:
        parts.append(f"pagato-{sheet.statement.id}")
    name = "-".join(_UNSAFE.sub("-", part.lower()).strip("-") for part in parts)
    return f"{name[:150]}.{extension}"
