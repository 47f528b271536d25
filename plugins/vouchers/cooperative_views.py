"""The cooperative's pages: the vouchers it may deliver on, a code given at the service, the
delivery form on a voucher, its deliveries and their corrections."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from condiviso.plugin_api import (
    Role,
    allow,
    db,
    limited,
    run_form,
    shown_errors,
    shown_values,
    signed_in_user,
    today,
    whole_number,
)
from plugins.vouchers import access, forms, redeeming
from plugins.vouchers.views import blueprint, found

COOPERATIVE = (Role.COOPERATIVE_STAFF,)


def _cooperative_id() -> int:
    """The cooperative the page is for: the one asked (`?cooperativa=`) among the person's, or
    their only one."""
    mine = sorted(access.cooperatives_of(signed_in_user()))
    if not mine:
        abort(404)
    asked = whole_number(request.args.get("cooperativa", ""))
    return asked if asked in mine else mine[0]


@blueprint.get("/admin/voucher/cooperativa")
@allow(*COOPERATIVE)
def cooperative():
    user = signed_in_user()
    cooperative_id = _cooperative_id()
    code_form = forms.CodeForm()
    return render_template(
        "vouchers/cooperative.html",
        cooperative_id=cooperative_id,
        vouchers=redeeming.cooperative_vouchers(user, cooperative_id),
        deliveries=redeeming.cooperative_deliveries(user, cooperative_id, limit=50),
        values=shown_values(code_form),
        errors=shown_errors(code_form),
    )


@blueprint.post("/admin/voucher/cooperativa/<int:cooperative_id>/codice")
@allow(*COOPERATIVE)
@limited("20/minute", scope="vouchers-code")
def present_code(cooperative_id: int):
    user = signed_in_user()
    if cooperative_id not in access.cooperatives_of(user):
        abort(404)
    form = forms.CodeForm()
    outcome = run_form(
        form, lambda: redeeming.present_code(user, cooperative_id, form.code.data), "code"
    )
    if outcome.done:
        flash(
            _(
                "Voucher %(code)s trovato: ora puoi registrare le prestazioni.",
                code=outcome.result.code,
            ),
            "success",
        )
        return redirect(
            url_for(
                "vouchers.cooperative_voucher",
                cooperative_id=cooperative_id,
                voucher_id=outcome.result.id,
            )
        )
    return render_template(
        "vouchers/cooperative.html",
        cooperative_id=cooperative_id,
        vouchers=redeeming.cooperative_vouchers(user, cooperative_id),
        deliveries=redeeming.cooperative_deliveries(user, cooperative_id, limit=50),
        values=shown_values(form),
        errors=shown_errors(form),
    ), outcome.status


@blueprint.get("/admin/voucher/codice/<code>")
@allow(*COOPERATIVE)
def scanned(code: str):
    """Where the printed voucher's QR code leads: the cooperative confirms the code it read."""
    user = signed_in_user()
    form = forms.CodeForm(data={"code": code[:40]})
    return render_template(
        "vouchers/scanned.html",
        cooperative_id=_cooperative_id(),
        cooperatives=sorted(access.cooperatives_of(user)),
        values=shown_values(form),
        errors={},
    )


def _delivery_form(cooperative_id: int, voucher) -> forms.DeliveryForm:
    services = [
        (str(s.id), s.title)
        for s in (voucher.services or redeeming.covered_services(voucher))
        if s.cooperative_id == cooperative_id
    ]
    form = forms.DeliveryForm(services=services, hours=voucher.is_hours)
    if request.method == "GET":
        form.delivered_on.data = today()
    return form


def _voucher_page(
    cooperative_id: int, voucher, form, status: int = 200, reverse_form=None, reversing=None
):
    """The voucher's page; after a refused reversal, `reverse_form` on delivery `reversing`."""
    reverse_form = reverse_form or forms.ReverseForm()
    deliveries = [d for d in redeeming.deliveries(voucher) if d.cooperative_id == cooperative_id]
    return render_template(
        "vouchers/cooperative_voucher.html",
        cooperative_id=cooperative_id,
        voucher=voucher,
        deliveries=deliveries,
        reversed_ids={d.reverses_id for d in deliveries if d.reverses_id},
        service_choices=[(c.value, c.label) for c in form.service_id.choices],
        submission=form.next_submission,
        values=shown_values(form),
        errors=shown_errors(form),
        reverse_errors=shown_errors(reverse_form) if reversing else {},
        reverse_values=shown_values(reverse_form),
        reversing=reversing,
        statuses=forms.STATUSES,
    ), status


@blueprint.route(
    "/admin/voucher/cooperativa/<int:cooperative_id>/voucher/<int:voucher_id>",
    methods=["GET", "POST"],
)
@allow(*COOPERATIVE)
def cooperative_voucher(cooperative_id: int, voucher_id: int):
    user = signed_in_user()
    voucher = found(redeeming.cooperative_voucher, user, cooperative_id, voucher_id)
    db.session.commit()  # the audit row of this reading
    form = _delivery_form(cooperative_id, voucher)
    outcome = run_form(
        form,
        lambda: redeeming.record_delivery(
            user, cooperative_id, voucher_id, form.delivery_input(), form.key("delivery", user)
        ),
    )
    if outcome.done:
        flash(
            _(
                "Prestazione registrata: %(amount)s dal voucher.",
                amount=redeeming.format_cents(outcome.result.amount_cents),
            ),
            "success",
        )
        return redirect(
            url_for(
                "vouchers.cooperative_voucher",
                cooperative_id=cooperative_id,
                voucher_id=voucher_id,
                _anchor="prestazioni",
            )
        )
    return _voucher_page(cooperative_id, voucher, form, outcome.status)


@blueprint.post(
    "/admin/voucher/cooperativa/<int:cooperative_id>/prestazioni/<int:delivery_id>/storna"
)
@allow(*COOPERATIVE)
def reverse(cooperative_id: int, delivery_id: int):
    user = signed_in_user()
    form = forms.ReverseForm()
    outcome = run_form(
        form,
        lambda: redeeming.reverse_delivery(user, cooperative_id, delivery_id, form.reason.data),
    )
    if outcome.status == 404:
        abort(404)
    if outcome.done:
        flash(_("Prestazione stornata: l'importo torna sul voucher."), "success")
        voucher_id = outcome.result.voucher_id
    else:
        delivery = found(redeeming.cooperative_delivery, user, cooperative_id, delivery_id)
        voucher = found(redeeming.cooperative_voucher, user, cooperative_id, delivery.voucher_id)
        delivery_form = _delivery_form(cooperative_id, voucher)
        delivery_form.delivered_on.data = today()
        return _voucher_page(
            cooperative_id, voucher, delivery_form, outcome.status, form, reversing=delivery_id
        )
    return redirect(
        url_for(
            "vouchers.cooperative_voucher",
            cooperative_id=cooperative_id,
            voucher_id=voucher_id,
            _anchor="prestazioni",
        )
    )
