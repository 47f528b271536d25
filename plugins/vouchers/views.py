"""The vouchers' pages for comune staff and the district admin: funds, budget lines with their
figures, issuing and cancelling vouchers, disputes; and for desks the printed voucher. Every page
works without JavaScript; each form posts on its own."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from condiviso.plugin_api import (
    NotFound,
    Role,
    allow,
    comuni_choices,
    current_tenant,
    db,
    run_form,
    shown_errors,
    shown_values,
    signed_in_user,
    today,
    whole_number,
)
from plugins.cooperatives.services import categories as all_categories
from plugins.vouchers import access, budgets, disputes, forms, issuing, redeeming
from plugins.wallet.money import format_cents, format_minutes

blueprint = Blueprint("vouchers", __name__, template_folder="templates")
blueprint.add_app_template_filter(format_cents, "cents")
blueprint.add_app_template_filter(format_minutes, "hours")
blueprint.add_app_template_filter(
    lambda choices: [(c.value, c.label) for c in choices], "choice_pairs"
)
MONEY_STAFF = access.MONEY_STAFF


def found(load, *args):
    """What `load` returns, or a 404 page for a record that is not there (or not theirs)."""
    try:
        return load(*args)
    except NotFound:
        abort(404)


def page_of(template: str, form, status: int = 200, **context):
    return render_template(
        template,
        form=form,
        values=shown_values(form),
        errors=shown_errors(form),
        **context,
    ), status


# -- funds -----------------------------------------------------------------------------------------


@blueprint.route("/admin/voucher/fondi", methods=["GET", "POST"])
@allow(Role.DISTRICT_ADMIN)
def funds():
    form = forms.FundForm()
    outcome = run_form(
        form,
        lambda: budgets.save_fund(
            signed_in_user(), None, form.name.data, form.description.data, form.active.data
        ),
    )
    if outcome.done:
        flash(_("Fondo «%(name)s» salvato.", name=outcome.result.name), "success")
        return redirect(url_for("vouchers.funds"))
    return page_of("vouchers/funds.html", form, outcome.status, funds=budgets.funds())


@blueprint.post("/admin/voucher/fondi/<int:fund_id>")
@allow(Role.DISTRICT_ADMIN)
def fund(fund_id: int):
    form = forms.FundForm()
    outcome = run_form(
        form,
        lambda: budgets.save_fund(
            signed_in_user(), fund_id, form.name.data, form.description.data, form.active.data
        ),
    )
    if outcome.done:
        flash(_("Fondo «%(name)s» salvato.", name=outcome.result.name), "success")
        return redirect(url_for("vouchers.funds"))
    if outcome.status == 404:
        abort(404)
    return page_of(
        "vouchers/funds.html", form, outcome.status, funds=budgets.funds(), editing=fund_id
    )


# -- budget lines ----------------------------------------------------------------------------------


def _year_filter() -> int | None:
    year = whole_number(request.args.get("anno", ""))
    return year if year is not None and budgets.FIRST_YEAR <= year <= budgets.LAST_YEAR else None


@blueprint.get("/admin/voucher")
@allow(*MONEY_STAFF)
def budget():
    """The budget page: each line the person manages with its four figures, by year and comune;
    totals, and committed and spent by category and by comune."""
    user = signed_in_user()
    found(access.check_money_staff, user)
    year = _year_filter() or today().year
    comune_id = whole_number(request.args.get("comune", ""))
    lines = budgets.lines(user, year, comune_id)
    figures = budgets.figures(lines)
    total = sum(figures.values(), budgets.Figures())
    return render_template(
        "vouchers/budget.html",
        lines=lines,
        figures=figures,
        total=total,
        year=year,
        comune_id=comune_id,
        comuni=[
            (i, n)
            for i, n in comuni_choices()
            if access.is_admin(user) or i in access.comuni_of(user)
        ],
        by_category=budgets.by_category(lines),
        by_comune=budgets.by_comune(lines),
        vouchers=issuing.vouchers_of_lines(user, limit=50),
        statuses=forms.STATUSES,
    )


def _funder_choices(user):
    comuni = [
        (str(i), n)
        for i, n in comuni_choices()
        if access.is_admin(user) or i in access.comuni_of(user)
    ]
    if access.is_admin(user):
        return [("", _("Distretto (Ufficio di Piano)")), *comuni]
    return comuni


def _line_form(user) -> forms.LineForm:
    form = forms.LineForm(
        funders=_funder_choices(user),
        funds=[(str(f.id), f.name) for f in budgets.funds(active_only=True)],
    )
    if request.method == "GET":
        form.year.data = str(today().year)
    return form


@blueprint.route("/admin/voucher/voci/nuova", methods=["GET", "POST"])
@allow(*MONEY_STAFF)
def new_line():
    user = signed_in_user()
    found(access.check_money_staff, user)
    form = _line_form(user)
    outcome = run_form(
        form, lambda: budgets.create_line(user, **form.values, key=form.key("line", user))
    )
    if outcome.done:
        flash(_("Voce di bilancio aperta."), "success")
        return redirect(url_for("vouchers.line", line_id=outcome.result.id))
    return page_of("vouchers/new_line.html", form, outcome.status, submission=form.next_submission)


def _line_page(line, form=None, status: int = 200):
    form = form or forms.AllocationForm()
    return render_template(
        "vouchers/line.html",
        line=line,
        figures=budgets.figures([line])[line.id],
        by_category=budgets.by_category([line]),
        by_comune=budgets.by_comune([line]),
        movements=budgets.line_movements(line),
        vouchers=issuing.vouchers_of_line(line),
        values=shown_values(form),
        errors=shown_errors(form),
        submission=form.next_submission,
        statuses=forms.STATUSES,
    ), status


@blueprint.get("/admin/voucher/voci/<int:line_id>")
@allow(*MONEY_STAFF)
def line(line_id: int):
    return _line_page(found(budgets.line, signed_in_user(), line_id))


@blueprint.post("/admin/voucher/voci/<int:line_id>")
@allow(*MONEY_STAFF)
def change_allocation(line_id: int):
    user = signed_in_user()
    record = found(budgets.line, user, line_id)
    form = forms.AllocationForm()
    outcome = run_form(
        form,
        lambda: budgets.change_allocation(
            user, line_id, form.cents, form.reason.data, form.key("allocation", user)
        ),
        "amount",
    )
    if not outcome.done:
        return _line_page(record, form, outcome.status)
    flash(_("Stanziamento aggiornato."), "success")
    return redirect(url_for("vouchers.line", line_id=line_id))


# -- vouchers --------------------------------------------------------------------------------------


def _voucher_form(user) -> forms.VoucherForm:
    lines = [
        (
            str(line.id),
            f"{format_cents(line.account.balance_cents)} {_('disponibili')} · "
            f"{line.funder_name} · {line.fund.name} {line.year}",
        )
        for line in budgets.lines(user)
        if line.fund.active
    ]
    services = [(str(s.id), f"{s.title} ({s.provider_name})") for s in issuing.coverable_services()]
    return forms.VoucherForm(
        lines=lines,
        categories=[(str(c.id), c.name) for c in all_categories()],
        services=services,
    )


def _prefill(form: forms.VoucherForm, user) -> None:
    """A new voucher's form: a line given in the link, and from a care plan's item its person,
    its service and its estimated cost."""
    form.line_id.data = request.args.get("voce", "")
    form.valid_from.data = today()
    item_id = whole_number(request.args.get("piano", ""))
    item = issuing.plan_item(item_id) if item_id else None
    if item is None:
        return
    form.care_plan_item_id.data = str(item.id)
    form.beneficiary.data = item.plan.citizen.username
    if item.service_id:
        form.service_ids.data = [str(item.service_id)]
    if item.cost:
        form.value.data = int(item.cost * 100)


@blueprint.route("/admin/voucher/emetti", methods=["GET", "POST"])
@allow(*MONEY_STAFF)
def issue():
    user = signed_in_user()
    found(access.check_money_staff, user)
    form = _voucher_form(user)
    if request.method == "GET":
        _prefill(form, user)
    outcome = run_form(
        form, lambda: issuing.issue(user, form.voucher_input(), form.key("issue", user))
    )
    if outcome.done:
        voucher = outcome.result
        flash(
            _(
                "Voucher %(code)s emesso: %(value)s.",
                code=voucher.code,
                value=format_cents(voucher.value_cents),
            ),
            "success",
        )
        return redirect(url_for("vouchers.voucher", voucher_id=voucher.id))
    return page_of(
        "vouchers/issue.html",
        form,
        outcome.status,
        submission=form.next_submission,
        category_choices=form.category_choices,
        service_choices=form.service_choices,
    )


def _voucher_page(voucher, form=None, status: int = 200):
    form = form or forms.CancelForm()
    user = signed_in_user()
    deliveries = redeeming.deliveries(voucher)
    return render_template(
        "vouchers/voucher.html",
        voucher=voucher,
        manages=access.may_manage_line(user, voucher.line),
        deliveries=deliveries,
        disputes={d.id: disputes.open_dispute(d) for d in deliveries},
        reversed_ids={d.reverses_id for d in deliveries if d.reverses_id},
        chosen=redeeming.chosen_cooperatives(voucher),
        movements=issuing.movements(voucher),
        values=shown_values(form),
        errors=shown_errors(form),
        statuses=forms.STATUSES,
        resolutions=[(r.value, str(forms.RESOLUTIONS[r])) for r in forms.RESOLUTIONS],
    ), status


@blueprint.get("/admin/voucher/<int:voucher_id>")
@allow(*access.DESK_STAFF)
def voucher(voucher_id: int):
    record = found(issuing.staff_voucher, signed_in_user(), voucher_id)
    db.session.commit()  # the audit row of this reading
    return _voucher_page(record)


@blueprint.post("/admin/voucher/<int:voucher_id>/annulla")
@allow(*MONEY_STAFF)
def cancel(voucher_id: int):
    user = signed_in_user()
    form = forms.CancelForm()
    outcome = run_form(form, lambda: issuing.cancel(user, voucher_id, form.reason.data))
    if outcome.status == 404:
        abort(404)
    if not outcome.done:
        return _voucher_page(found(issuing.staff_voucher, user, voucher_id), form, outcome.status)
    flash(_("Voucher annullato: quanto restava torna alla voce di bilancio."), "success")
    return redirect(url_for("vouchers.voucher", voucher_id=voucher_id))


@blueprint.get("/admin/voucher/<int:voucher_id>/stampa")
@allow(*access.DESK_STAFF)
def print_voucher(voucher_id: int):
    """The voucher on paper, with its code and a QR code, for a person without a smartphone."""
    from plugins.vouchers.documents import voucher_pdf

    record = found(issuing.staff_voucher, signed_in_user(), voucher_id, "read")
    db.session.commit()
    response = current_app.response_class(
        voucher_pdf(record, current_tenant()), mimetype="application/pdf"
    )
    response.headers["Content-Disposition"] = f'inline; filename="voucher-{record.code}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/admin/voucher/persona")
@allow(*access.DESK_STAFF)
def person_vouchers():
    """A desk finds a person's vouchers (e-mail, phone or codice fiscale) to print one."""
    form = forms.CodeForm(request.args, meta={"csrf": False})
    query = (request.args.get("q") or "").strip()[:254]
    person = forms.find_beneficiary(query) if query else None
    vouchers = issuing.vouchers_of_person(signed_in_user(), person) if person else []
    return render_template(
        "vouchers/person.html",
        query=query,
        person=person,
        vouchers=vouchers,
        searched=bool(query),
        statuses=forms.STATUSES,
        form=form,
    )


# -- disputes --------------------------------------------------------------------------------------


@blueprint.post("/admin/voucher/prestazioni/<int:delivery_id>/contesta")
@allow(*MONEY_STAFF)
def dispute(delivery_id: int):
    user = signed_in_user()
    delivery = found(disputes.line_delivery, user, delivery_id)
    form = forms.DisputeForm()
    outcome = run_form(form, lambda: disputes.dispute(user, delivery_id, form.reason.data))
    if not outcome.done:
        return _voucher_page(delivery.voucher, form, outcome.status)
    flash(_("Prestazione contestata: resta fuori dai rendiconti finché non la chiudi."), "success")
    return redirect(
        url_for("vouchers.voucher", voucher_id=delivery.voucher_id, _anchor="prestazioni")
    )


@blueprint.post("/admin/voucher/contestazioni/<int:dispute_id>")
@allow(*MONEY_STAFF)
def resolve(dispute_id: int):
    user = signed_in_user()
    record = found(disputes.line_dispute, user, dispute_id)
    form = forms.ResolveForm()
    outcome = run_form(
        form,
        lambda: disputes.resolve(user, dispute_id, form.outcome.data == "accolta", form.note.data),
    )
    if not outcome.done:
        return _voucher_page(record.delivery.voucher, form, outcome.status)
    flash(_("Contestazione chiusa."), "success")
    return redirect(
        url_for("vouchers.voucher", voucher_id=record.delivery.voucher_id, _anchor="prestazioni")
    )
