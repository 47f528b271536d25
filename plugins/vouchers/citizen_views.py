"""The citizen's wallet (/il-mio-borsellino): each voucher with what is left, what it covers,
where it can be spent, until when, and every movement; choosing the cooperative. Readable at
360 px without JavaScript. A person reading their own vouchers is not audited; the page shows
who on the staff read them."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from condiviso.plugin_api import Audience, accesses, allow, run_form, shown_errors, signed_in_user
from plugins.vouchers import forms, issuing, redeeming
from plugins.vouchers.views import blueprint, found

ACTIONS = {"read": "ha consultato", "create": "ha emesso", "update": "ha modificato"}


@blueprint.get("/il-mio-borsellino")
@allow(Audience.SIGNED_IN)
def wallet():
    user = signed_in_user()
    vouchers = redeeming.own_vouchers(user)
    return render_template(
        "vouchers/wallet.html",
        vouchers=vouchers,
        eligible={
            v.id: redeeming.eligible_cooperatives(v) for v in vouchers if v.status == "attivo"
        },
        chosen={v.id: redeeming.chosen_cooperatives(v) for v in vouchers},
        statuses=forms.STATUSES,
        who_looked=accesses(issuing.VOUCHER, subject_user_id=user.id, limit=30),
    )


def _own_page(voucher, form=None, status: int = 200):
    form = form or forms.ChooseForm()
    eligible = redeeming.eligible_cooperatives(voucher) if voucher.status == "attivo" else []
    return render_template(
        "vouchers/my_voucher.html",
        voucher=voucher,
        movements=issuing.movements(voucher),
        eligible=eligible,
        cooperative_options=[(str(c.id), c.legal_name) for c in eligible],
        chosen=redeeming.chosen_cooperatives(voucher),
        errors=shown_errors(form),
        statuses=forms.STATUSES,
    ), status


@blueprint.get("/il-mio-borsellino/<int:voucher_id>")
@allow(Audience.SIGNED_IN)
def my_voucher(voucher_id: int):
    return _own_page(found(redeeming.own_voucher, signed_in_user(), voucher_id))


@blueprint.post("/il-mio-borsellino/<int:voucher_id>/cooperativa")
@allow(Audience.SIGNED_IN)
def choose(voucher_id: int):
    user = signed_in_user()
    voucher = found(redeeming.own_voucher, user, voucher_id)
    form = forms.ChooseForm(
        cooperatives=[(str(c.id), c.legal_name) for c in redeeming.eligible_cooperatives(voucher)]
    )
    outcome = run_form(
        form, lambda: redeeming.choose(user, voucher_id, int(form.cooperative_id.data))
    )
    if not outcome.done:
        return _own_page(voucher, form, outcome.status)
    flash(
        _(
            "Hai scelto %(name)s: ora la cooperativa vede il tuo voucher.",
            name=outcome.result.legal_name,
        ),
        "success",
    )
    return redirect(url_for("vouchers.my_voucher", voucher_id=voucher_id))
