"""The statements' pages: the list (per month, cooperative and funder, what is to pay and what was
paid), a month's statement with the form that marks it paid, and its files (CSV, XLSX, PDF).

Comune staff and the district admin pay; cooperative staff read their own. The services in
`statements` decide who sees what: a statement someone may not see is not found, and so is
anything malformed in a link (a month that is not one, a funder that is not `district` or
`comune-<id>`)."""

from __future__ import annotations

import re
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from condiviso.plugin_api import (
    NO_CONTROL_CHARACTERS,
    FreeText,
    Role,
    allow,
    current_tenant,
    db,
    run_form,
    shown_errors,
    shown_values,
    signed_in_user,
    trimmed,
)
from plugins.vouchers import budgets, exports, statements
from plugins.vouchers.forms import OnceForm
from plugins.vouchers.models import DISTRICT_FUNDER, funder_key
from plugins.vouchers.views import blueprint, found
from plugins.wallet.money import format_cents

READERS = (Role.DISTRICT_ADMIN, Role.COMUNE_STAFF, Role.COOPERATIVE_STAFF)
MONTH_IN_URL = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
COMUNE_IN_URL = re.compile(r"comune-([1-9][0-9]{0,9})")
FORMATS = "any(csv, xlsx, pdf)"
CONTENT_TYPES = {
    "csv": "text/csv",  # Werkzeug adds "; charset=utf-8"
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
BASE = "/admin/voucher/rendiconti"
MONTH_PATH = f"{BASE}/<int:cooperative_id>/<funder>/<month>"


class PaymentForm(OnceForm):
    payment_reference = StringField(
        _l("Riferimento del pagamento (facoltativo: CRO del bonifico, numero del mandato)"),
        filters=[trimmed],
        validators=[FreeText(statements.REFERENCE_LENGTH), NO_CONTROL_CHARACTERS],
    )


# -- links -----------------------------------------------------------------------------------------


def funder_in_url(funder: str) -> str:
    """`district`, or `comune-<id>` for `comune:<id>`."""
    return funder.replace(":", "-")


def month_in_url(month: date) -> str:
    return month.strftime("%Y-%m")


def month_url(cooperative_id: int, funder: str, month: date, fmt: str | None = None) -> str:
    values = {
        "cooperative_id": cooperative_id,
        "funder": funder_in_url(funder),
        "month": month_in_url(month),
    }
    if fmt is None:
        return url_for("vouchers.statement_month", **values)
    return url_for("vouchers.statement_month_file", fmt=fmt, **values)


def _funder(text: str) -> str:
    """The stored funder a link names, or a 404."""
    if text == DISTRICT_FUNDER:
        return DISTRICT_FUNDER
    match = COMUNE_IN_URL.fullmatch(text)
    if match is None:
        abort(404)
    return funder_key(int(match.group(1)))


def _month(text: str) -> date:
    """The first day of the month a link names (`yyyy-mm`), or a 404."""
    match = MONTH_IN_URL.fullmatch(text)
    if match is None:
        abort(404)
    year, month = int(match.group(1)), int(match.group(2))
    if not budgets.FIRST_YEAR <= year <= budgets.LAST_YEAR:
        abort(404)
    return date(year, month, 1)


def _file(content: bytes, fmt: str, name: str):
    response = current_app.response_class(content, mimetype=CONTENT_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _export(sheet: statements.Sheet, fmt: str):
    statements.audit(sheet)
    db.session.commit()  # the audit rows of this reading
    if fmt == "csv":
        content = exports.statement_csv(sheet)
    elif fmt == "xlsx":
        content = exports.statement_xlsx(sheet)
    else:
        content = exports.statement_pdf(sheet, current_tenant().display_name)
    return _file(content, fmt, exports.filename(sheet, fmt))


# -- pages -----------------------------------------------------------------------------------------


@blueprint.get(BASE)
@allow(*READERS)
def statements_list():
    """Per month, cooperative and funder: to pay and paid, with links to each statement."""
    return render_template(
        "vouchers/statements.html",
        months=found(statements.months, signed_in_user()),
        month_url=month_url,
        month_name=exports.month_name,
    )


def _month_page(cooperative_id: int, funder: str, month: date, form=None, status: int = 200):
    user = signed_in_user()
    page = found(statements.month_page, user, cooperative_id, funder, month)
    statements.audit(page.to_pay)
    db.session.commit()  # the audit rows of this reading
    form = form or PaymentForm()
    return render_template(
        "vouchers/statement.html",
        page=page,
        sheet=page.to_pay,
        totals=page.to_pay.totals,
        month_name=exports.month_name(month),
        month_url=month_url,
        pay_url=url_for(
            "vouchers.pay_statement",
            cooperative_id=cooperative_id,
            funder=funder_in_url(funder),
            month=month_in_url(month),
        ),
        quantity=exports.quantity,
        submission=form.next_submission,
        values=shown_values(form),
        errors=shown_errors(form),
    ), status


@blueprint.get(MONTH_PATH)
@allow(*READERS)
def statement_month(cooperative_id: int, funder: str, month: str):
    """A month's statement: what is to pay, with its totals and the form that marks it paid,
    and the statements already paid for the month."""
    return _month_page(cooperative_id, _funder(funder), _month(month))


@blueprint.post(f"{MONTH_PATH}/paga")
@allow(*READERS)
def pay_statement(cooperative_id: int, funder: str, month: str):
    stored, first_day = _funder(funder), _month(month)
    user = signed_in_user()
    page = found(statements.month_page, user, cooperative_id, stored, first_day)
    if not page.may_pay:
        abort(404)
    form = PaymentForm()
    outcome = run_form(
        form,
        lambda: statements.pay(
            user,
            cooperative_id,
            stored,
            first_day,
            form.payment_reference.data,
            form.key("pay", user),
        ),
    )
    if outcome.status == 404:
        abort(404)
    if not outcome.done:
        return _month_page(cooperative_id, stored, first_day, form, outcome.status)
    flash(
        _(
            "Rendiconto segnato come pagato: %(total)s a %(name)s.",
            total=format_cents(outcome.result.total_cents),
            name=page.to_pay.cooperative.legal_name,
        ),
        "success",
    )
    return redirect(month_url(cooperative_id, stored, first_day))


# -- files -----------------------------------------------------------------------------------------


@blueprint.get(f"{MONTH_PATH}.<{FORMATS}:fmt>")
@allow(*READERS)
def statement_month_file(cooperative_id: int, funder: str, month: str, fmt: str):
    """What is still to pay for the month, as a file."""
    page = found(
        statements.month_page, signed_in_user(), cooperative_id, _funder(funder), _month(month)
    )
    return _export(page.to_pay, fmt)


@blueprint.get(f"{BASE}/pagati/<int:statement_id>.<{FORMATS}:fmt>")
@allow(*READERS)
def paid_statement_file(statement_id: int, fmt: str):
    """A paid statement, as a file."""
    return _export(found(statements.paid_statement, signed_in_user(), statement_id), fmt)
