"""Who reaches the vouchers' pages and forms: every role on every route. Comune staff manage
only their comuni's lines, cooperative staff only the vouchers their cooperative sees, desks
print; a citizen sees only their own wallet; a refused form changes nothing."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.vouchers.models import Delivery, Voucher
from tests.clients import csrf_token
from tests.vouchers.fixtures import deliver, issue_voucher, make_line

ROLES = [
    "guest",
    "citizen",
    "other_citizen",
    "operator",
    "comune_staff",
    "other_comune_staff",
    "cooperative_staff",
    "other_cooperative_staff",
    "admin",
]
MONEY = {"comune_staff", "admin"}  # of Tradate's lines
DESK = {"comune_staff", "admin", "operator"}


@pytest.fixture(scope="module")
def records(district):
    line_id = make_line(district, 100_000)
    voucher_id = issue_voucher(district, line_id, value_cents=20_000)
    delivery_id = deliver(district, voucher_id, 3_000)
    with district.app.app_context(), tenant_context(district.slug):
        code = db.session.get(Voucher, voucher_id).code
    return {"line": line_id, "voucher": voucher_id, "delivery": delivery_id, "code": code}


@pytest.fixture(scope="module")
def clients(district):
    return {who: district.client(None if who == "guest" else who) for who in ROLES}


def _statement(district, r) -> str:
    """The to-pay statement of this month for Girasole and Tradate."""
    from tests.vouchers.fixtures import today_of

    day = today_of(district)
    return (
        f"/admin/voucher/rendiconti/{district.ids['girasole']}/comune-{district.ids['tradate']}/"
        f"{day:%Y-%m}"
    )


def pages(district, r) -> list[tuple[str, set[str]]]:
    girasole = district.ids["girasole"]
    statement = _statement(district, r)
    return [
        ("/admin/voucher", MONEY | {"other_comune_staff"}),
        ("/admin/voucher/fondi", {"admin"}),
        ("/admin/voucher/voci/nuova", MONEY | {"other_comune_staff"}),
        (f"/admin/voucher/voci/{r['line']}", MONEY),
        ("/admin/voucher/emetti", MONEY | {"other_comune_staff"}),
        (f"/admin/voucher/{r['voucher']}", DESK),
        (f"/admin/voucher/{r['voucher']}/stampa", DESK),
        ("/admin/voucher/persona", DESK | {"other_comune_staff"}),
        ("/admin/voucher/cooperativa", {"cooperative_staff", "other_cooperative_staff"}),
        (f"/admin/voucher/codice/{r['code']}", {"cooperative_staff", "other_cooperative_staff"}),
        (f"/admin/voucher/cooperativa/{girasole}/voucher/{r['voucher']}", {"cooperative_staff"}),
        (
            "/admin/voucher/rendiconti",
            MONEY | {"other_comune_staff", "cooperative_staff", "other_cooperative_staff"},
        ),
        (f"{statement}", MONEY | {"cooperative_staff"}),
        (f"{statement}.csv", MONEY | {"cooperative_staff"}),
        (f"{statement}.pdf", MONEY | {"cooperative_staff"}),
        ("/il-mio-borsellino", set(ROLES) - {"guest"}),
        (f"/il-mio-borsellino/{r['voucher']}", {"citizen"}),
    ]


def test_every_role_on_every_page(district, records, clients):
    wrong = []
    for path, allowed in pages(district, records):
        for who in ROLES:
            status = clients[who].get(path).status_code
            expected_ok = who in allowed
            if expected_ok != (status == 200) or status >= 500:
                wrong.append((path, who, status))
    assert wrong == []


def _state(district) -> str:
    """Every row of the ledger's and the vouchers' tables, as one digest."""
    digest = hashlib.sha256()
    with district.app.app_context(), tenant_context(district.slug):
        names = sorted(
            name for name in db.metadatas[None].tables if name.startswith(("wallet_", "vouchers_"))
        )
        for name in names:
            table = db.metadatas[None].tables[name]
            for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def forms(district, r) -> list[tuple[str, dict, set[str]]]:
    girasole, voucher = district.ids["girasole"], r["voucher"]
    issue = {
        "line_id": str(r["line"]),
        "beneficiary": district.people["citizen"],
        "kind": "value",
        "value": "10,00",
        "category_ids": str(district.ids["anziani"]),
        "valid_from": "2026-01-01",
        "valid_to": "2099-01-01",
        "copay_percent": "0",
        "submission": "s" * 24,
    }
    return [
        ("/admin/voucher/fondi", {"name": "Fondo rubato"}, {"admin"}),
        (
            f"/admin/voucher/voci/{r['line']}",
            {"direction": "take", "amount": "1,00", "reason": "x", "submission": "t" * 24},
            MONEY,
        ),
        ("/admin/voucher/emetti", issue, MONEY),
        (f"/admin/voucher/{voucher}/annulla", {"reason": "x"}, MONEY),
        (f"/admin/voucher/prestazioni/{r['delivery']}/contesta", {"reason": "x"}, MONEY),
        (
            f"/admin/voucher/cooperativa/{girasole}/voucher/{voucher}",
            {"delivered_on": "2026-01-01", "cost": "1,00", "submission": "u" * 24},
            {"cooperative_staff"},
        ),
        (
            f"/admin/voucher/cooperativa/{girasole}/prestazioni/{r['delivery']}/storna",
            {"reason": "x"},
            {"cooperative_staff"},
        ),
        (
            f"/il-mio-borsellino/{voucher}/cooperativa",
            {"cooperative_id": str(girasole)},
            {"citizen"},
        ),
    ]


def test_a_refused_role_changes_nothing_with_any_form(district, records, clients):
    """Each form posted by every role that may not use it (with a valid CSRF token of a page
    they can open): refused, and not a row of money or vouchers changes."""
    wrong = []
    for path, data, allowed in forms(district, records):
        for who in ROLES:
            if who in allowed:
                continue
            client = clients[who]
            token = csrf_token(
                client.get("/il-mio-borsellino" if who != "guest" else "/accedi").text
            )
            before = _state(district)
            status = client.post(path, data={**data, "csrf_token": token}).status_code
            if status not in (302, 400, 403, 404) or (status == 302 and who != "guest"):
                wrong.append((path, who, status))
            if _state(district) != before:
                wrong.append((path, who, "changed"))
    assert wrong == []


def test_another_districts_ids_are_not_found_here(app, district, records):
    """A district's voucher ids walked on another district: nothing there."""
    from tests.vouchers.fixtures import build_vouchers_district

    other = build_vouchers_district(app, "voucher-altro")
    client = other.client("admin")
    for path in (
        f"/admin/voucher/{records['voucher'] + 1000}",
        f"/admin/voucher/voci/{records['line'] + 1000}",
    ):
        assert client.get(path).status_code == 404
    with app.app_context(), tenant_context(other.slug):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
