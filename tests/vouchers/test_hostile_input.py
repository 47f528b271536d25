"""Malformed, oversized and hostile data posted to every vouchers form, as the person who may
use it: never a 500, and invalid data changes nothing."""

from __future__ import annotations

from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.vouchers.models import Voucher
from tests.hostile import post_hostile
from tests.vouchers.fixtures import deliver, issue_voucher, make_line
from tests.vouchers.test_access import _state


def test_no_vouchers_form_answers_500_or_changes_anything(district):
    line_id = make_line(district, 100_000)
    voucher_id = issue_voucher(district, line_id, value_cents=20_000)
    delivery_id = deliver(district, voucher_id, 3_000)
    with district.app.app_context(), tenant_context(district.slug):
        code = db.session.get(Voucher, voucher_id).code
    girasole = district.ids["girasole"]

    def state():
        return _state(district)

    staff, cooperative = district.client("comune_staff"), district.client("cooperative_staff")
    on_voucher = f"/admin/voucher/{voucher_id}"
    coop_voucher = f"/admin/voucher/cooperativa/{girasole}/voucher/{voucher_id}"
    posted = sum(
        [
            post_hostile(district.client("admin"), "/admin/voucher/fondi", state),
            post_hostile(
                district.client("admin"), "/admin/voucher/fondi/1", state, "/admin/voucher/fondi"
            ),
            post_hostile(staff, "/admin/voucher/voci/nuova", state),
            post_hostile(staff, f"/admin/voucher/voci/{line_id}", state),
            post_hostile(staff, "/admin/voucher/emetti", state),
            post_hostile(staff, f"{on_voucher}/annulla", state, on_voucher),
            post_hostile(
                staff, f"/admin/voucher/prestazioni/{delivery_id}/contesta", state, on_voucher
            ),
            post_hostile(staff, "/admin/voucher/contestazioni/99999999999", state, on_voucher),
            post_hostile(cooperative, coop_voucher, state),
            post_hostile(
                cooperative,
                f"/admin/voucher/cooperativa/{girasole}/codice",
                state,
                f"/admin/voucher/codice/{code}",
            ),
            post_hostile(
                cooperative,
                f"/admin/voucher/cooperativa/{girasole}/prestazioni/{delivery_id}/storna",
                state,
                coop_voucher,
            ),
            post_hostile(
                district.client("citizen"),
                f"/il-mio-borsellino/{voucher_id}/cooperativa",
                state,
                f"/il-mio-borsellino/{voucher_id}",
            ),
        ]
    )
    assert posted > 150
