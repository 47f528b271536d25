"""The vouchers' pages as people use them: comune staff open a line and issue a voucher, the
family picks the cooperative, the cooperative records a delivery and corrects it, comune staff
dispute one, a desk prints the voucher; what each page shows, and what a refused form keeps."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import sqlalchemy as sa

from condiviso.extensions import db
from plugins.vouchers.models import BudgetLine, Delivery, Dispute, Voucher
from tests.accounts.flows import post_form
from tests.vouchers.fixtures import as_person, deliver, issue_voucher, make_line, today_of


def _submission(html: str) -> str:
    match = re.search(r'name="submission" value="([^"]+)"', html)
    assert match, "the page has no submission token"
    return match.group(1)


def _issue_data(district, line_id, **changes):
    data = {
        "line_id": str(line_id),
        "beneficiary": district.people["citizen"],
        "kind": "value",
        "value": "300,00",
        "category_ids": [str(district.ids["anziani"])],
        "valid_from": today_of(district).isoformat(),
        "valid_to": (today_of(district) + timedelta(days=120)).isoformat(),
        "copay_percent": "10",
        "reason": "Motivo riservato: dimissione ospedaliera, vive sola.",
    }
    data.update(changes)
    return data


def test_comune_staff_open_a_line_and_issue_a_voucher_once(district):
    client = district.client("comune_staff")
    page = client.get("/admin/voucher/voci/nuova")
    assert page.status_code == 200
    response = post_form(
        client,
        "/admin/voucher/voci/nuova",
        {
            "comune_id": str(district.ids["tradate"]),
            "fund_id": str(district.ids["fund"]),
            "year": str(today_of(district).year + 1),
            "amount": "12.000,00",
            "notes": "",
            "submission": _submission(page.text),
        },
    )
    assert response.status_code == 302, response.text
    line_id = int(response.headers["Location"].rsplit("/", 1)[1])
    line_page = client.get(f"/admin/voucher/voci/{line_id}")
    assert "12.000,00 €" in line_page.text

    form = client.get(f"/admin/voucher/emetti?voce={line_id}")
    assert form.status_code == 200
    token = _submission(form.text)
    data = {**_issue_data(district, line_id), "submission": token}
    first = post_form(client, "/admin/voucher/emetti", data)
    again = post_form(client, "/admin/voucher/emetti", data)
    assert first.status_code == 302, first.text
    assert again.headers["Location"] == first.headers["Location"]
    voucher_page = client.get(first.headers["Location"])
    assert "300,00 €" in voucher_page.text and "Motivo riservato" in voucher_page.text
    with as_person(district, "comune_staff"):
        line = db.session.get(BudgetLine, line_id)
        assert line.account.balance_cents == 1_200_000 - 30_000
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Voucher).where(Voucher.line_id == line_id)
            )
            == 1
        )


def test_an_overcommitting_voucher_is_refused_with_the_line_unchanged(district):
    line_id = make_line(district, 10_000)
    client = district.client("comune_staff")
    form = client.get(f"/admin/voucher/emetti?voce={line_id}")
    data = {**_issue_data(district, line_id, value="100,01"), "submission": _submission(form.text)}
    response = post_form(client, "/admin/voucher/emetti", data)
    assert response.status_code == 409
    assert "ha disponibili 100,00 €" in response.text
    assert "100,01" in response.text  # what was written stays on the form
    with as_person(district, "comune_staff"):
        assert db.session.get(BudgetLine, line_id).account.balance_cents == 10_000


def test_the_family_chooses_the_cooperative_which_then_records_and_corrects(district):
    line_id = make_line(district, 100_000)
    voucher_id = issue_voucher(district, line_id, value_cents=20_000, copay_percent=10)
    citizen = district.client("citizen")
    wallet = citizen.get("/il-mio-borsellino")
    assert wallet.status_code == 200 and "200,00 €" in wallet.text
    own = citizen.get(f"/il-mio-borsellino/{voucher_id}")
    assert "Il Girasole (esempio)" in own.text
    chosen = post_form(
        citizen,
        f"/il-mio-borsellino/{voucher_id}/cooperativa",
        {"cooperative_id": str(district.ids["girasole"])},
        page=f"/il-mio-borsellino/{voucher_id}",
    )
    assert chosen.status_code == 302

    staff = district.client("cooperative_staff")
    assert f"/voucher/{voucher_id}" in staff.get("/admin/voucher/cooperativa").text
    path = f"/admin/voucher/cooperativa/{district.ids['girasole']}/voucher/{voucher_id}"
    page = staff.get(path)
    assert page.status_code == 200
    recorded = post_form(
        staff,
        path,
        {
            "delivered_on": today_of(district).isoformat(),
            "service_id": "",
            "cost": "50,00",
            "units": "2",
            "note": "",
            "submission": _submission(page.text),
        },
    )
    assert recorded.status_code == 302, recorded.text
    with as_person(district, "citizen"):
        voucher = db.session.get(Voucher, voucher_id)
        assert voucher.balance_cents == 20_000 - 4_500  # 10% is the family's
        delivery = db.session.scalar(sa.select(Delivery).where(Delivery.voucher_id == voucher_id))
    reversed_ = post_form(
        staff,
        f"/admin/voucher/cooperativa/{district.ids['girasole']}/prestazioni/{delivery.id}/storna",
        {"reason": "Ore sbagliate"},
        page=path,
    )
    assert reversed_.status_code == 302
    with as_person(district, "citizen"):
        assert db.session.get(Voucher, voucher_id).balance_cents == 20_000
    assert "Correzione: Ore sbagliate" in citizen.get(f"/il-mio-borsellino/{voucher_id}").text


def test_comune_staff_dispute_a_delivery_and_uphold_it(district):
    line_id = make_line(district, 100_000)
    voucher_id = issue_voucher(district, line_id, value_cents=20_000)
    delivery_id = deliver(district, voucher_id, 8_000)
    client = district.client("comune_staff")
    page = f"/admin/voucher/{voucher_id}"
    disputed = post_form(
        client,
        f"/admin/voucher/prestazioni/{delivery_id}/contesta",
        {"reason": "La famiglia dice che quel giorno nessuno è venuto."},
        page=page,
    )
    assert disputed.status_code == 302
    with as_person(district, "comune_staff"):
        dispute = db.session.scalar(sa.select(Dispute).where(Dispute.delivery_id == delivery_id))
    resolved = post_form(
        client,
        f"/admin/voucher/contestazioni/{dispute.id}",
        {"outcome": "accolta", "note": ""},
        page=page,
    )
    assert resolved.status_code == 302
    with as_person(district, "comune_staff"):
        assert db.session.get(Voucher, voucher_id).balance_cents == 20_000


def test_a_desk_prints_the_voucher_with_its_code_and_a_qr_code(district):
    from pypdf import PdfReader

    line_id = make_line(district, 100_000)
    voucher_id = issue_voucher(district, line_id, value_cents=15_000)
    with as_person(district, "operator"):
        code = db.session.get(Voucher, voucher_id).code
    client = district.client("operator")
    found = client.get("/admin/voucher/persona", query_string={"q": district.people["citizen"]})
    assert f"/admin/voucher/{voucher_id}/stampa" in found.text
    pdf = client.get(f"/admin/voucher/{voucher_id}/stampa")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    assert code in text and "150,00 €" in text


def test_the_printed_qr_code_leads_the_cooperative_to_confirm_the_code(district):
    """The QR code holds the address of the page where a cooperative confirms the code."""
    import segno

    from condiviso.tenancy import find_tenant
    from plugins.vouchers.documents import qr_svg, scan_url

    line_id = make_line(district, 100_000)
    voucher_id = issue_voucher(district, line_id, value_cents=15_000)
    with as_person(district, "operator"):
        voucher = db.session.get(Voucher, voucher_id)
        url = scan_url(find_tenant(district.slug), voucher)
        svg = str(qr_svg(url))
    assert url.endswith(f"/admin/voucher/codice/{voucher.code}")
    expected = BytesIO()
    segno.make(url, error="m").save(expected, kind="svg", scale=4, border=2, xmldecl=False)
    assert svg == expected.getvalue().decode()
    page = district.client("cooperative_staff").get(f"/admin/voucher/codice/{voucher.code}")
    assert page.status_code == 200 and f'value="{voucher.code}"' in page.text
