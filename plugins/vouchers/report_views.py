"""The vouchers' report for comune staff and the district admin: issued, spent, expired and
cancelled per month and per category of a year, as tables (complete without JavaScript) that
a script draws as charts; and the movements of their lines as CSV and XLSX for the accounts
office. The script is the plugin's own file, served here under its content hash."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app, render_template, request, url_for

from condiviso.plugin_api import Role, allow, comuni_choices, signed_in_user, today, whole_number
from plugins.vouchers import access, budgets, movements, reports
from plugins.vouchers.views import blueprint, found

STATIC = Path(__file__).parent / "static"
CHART_SCRIPT = "report-charts.js"
ONE_YEAR = 31_536_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_STAFF = (Role.DISTRICT_ADMIN, Role.COMUNE_STAFF)


def _year() -> int:
    """The year asked for, or this one (anything else in `anno` is ignored, as on the budget
    page)."""
    year = whole_number(request.args.get("anno", ""), max_digits=4)
    if year is not None and budgets.FIRST_YEAR <= year <= budgets.LAST_YEAR:
        return year
    return today().year


def _comune() -> int | None:
    comune_id = whole_number(request.args.get("comune", ""))
    return comune_id if access.is_id(comune_id) else None


def _comuni(user) -> list[tuple[int, str]]:
    return [
        (i, n) for i, n in comuni_choices() if access.is_admin(user) or i in access.comuni_of(user)
    ]


@cache
def chart_script() -> bytes:
    """The script, read once (a few kilobytes; the app reads its static manifest once too)."""
    return (STATIC / CHART_SCRIPT).read_bytes()


@cache
def script_version() -> str:
    return hashlib.sha256(chart_script()).hexdigest()[:12]


@blueprint.get("/admin/voucher/report")
@allow(*MONEY_STAFF)
def report():
    user = signed_in_user()
    found(access.check_money_staff, user)
    year, comune_id = _year(), _comune()
    result = reports.year_report(user, year, comune_id)
    return render_template(
        "vouchers/report.html",
        report=result,
        year=year,
        comune_id=comune_id,
        comuni=_comuni(user),
        first=f"{year:04d}-01-01",
        last=f"{year:04d}-12-31",
        chart_script=url_for("vouchers.report_script", v=script_version()),
    )


def _movements():
    """The movements asked for, or the 400 page saying what is wrong with the days."""
    user = signed_in_user()
    found(access.check_money_staff, user)
    try:
        since, until = movements.day_range(request.args.get("dal"), request.args.get("al"))
    except movements.BadRange as refused:
        page = render_template(
            "vouchers/report_refused.html", message=refused.message, year=today().year
        )
        return None, (page, 400)
    return movements.movements(user, since, until, _comune()), None


def _attachment(body: bytes, mimetype: str, name: str):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/admin/voucher/movimenti.csv")
@allow(*MONEY_STAFF)
def movements_csv():
    found, refused = _movements()
    if refused is not None:
        return refused
    return _attachment(
        movements.movements_csv(found), "text/csv; charset=utf-8", movements.filename(found, "csv")
    )


@blueprint.get("/admin/voucher/movimenti.xlsx")
@allow(*MONEY_STAFF)
def movements_xlsx():
    found, refused = _movements()
    if refused is not None:
        return refused
    return _attachment(movements.movements_xlsx(found), XLSX, movements.filename(found, "xlsx"))


@blueprint.get("/admin/voucher/report-charts.js")
@allow(*MONEY_STAFF)
def report_script():
    """The charts' script. Its URL carries the file's hash (`v`): asked for under the current
    one, the browser keeps it for a year; under any other, it asks again next time."""
    current = request.args.get("v") == script_version()
    response = current_app.response_class(chart_script(), mimetype="text/javascript")
    response.set_etag(script_version())
    if current:
        response.cache_control.private = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)
