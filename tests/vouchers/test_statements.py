"""The monthly statements a comune pays each cooperative: what is payable (the month's deliveries,
not disputed, not paid), paying once (also sent twice, also by two people at once), what comes
after a payment (a late delivery, a reversal), who sees and pays what, the files (CSV, XLSX,
PDF) with their totals and without formulas, and a hostile payment form.

The district is shared by the module: each test works on a month of its own, counted back from
this one, so that no test sees another's deliveries."""

from __future__ import annotations

import csv
import io
import re
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from condiviso.errors import Conflict, InvalidInput, NotFound
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.vouchers import disputes, redeeming, statements
from plugins.vouchers.models import Delivery, Statement, statement_delivery
from plugins.wallet import ledger
from plugins.wallet.models import Transaction
from plugins.wallet.money import format_cents
from tests.care_plans.fixtures import post_on
from tests.vouchers.fixtures import as_person, deliver, issue_voucher, key, make_line, today_of

CSV_HEADER = [
    "Data",
    "Codice voucher",
    "Beneficiario",
    "Servizio",
    "Ore/Unità",
    "Costo",
    "Quota famiglia",
    "Quota voucher",
    "Accreditamento",
    "Note",
]


# -- helpers ---------------------------------------------------------------------------------------


def month_back(district, n: int) -> date:
    """The first day of the month `n` months before this one."""
    day = today_of(district)
    index = day.year * 12 + day.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def tradate(district) -> str:
    return f"comune:{district.ids['tradate']}"


def voucher_from(district, month: date, value_cents: int = 50_000, **changes) -> int:
    """A voucher of a line of Tradate (or of the district, `comune=None`) valid from `month`."""
    who = changes.pop("who", "comune_staff")
    comune = changes.pop("comune", "tradate")
    line_id = make_line(district, 1_000_000, who=who, comune=comune, year=month.year)
    return issue_voucher(
        district,
        line_id,
        who=who,
        value_cents=value_cents,
        valid_from=month,
        valid_to=today_of(district) + timedelta(days=90),
        **changes,
    )


def page_path(district, month: date, funder: str = "") -> str:
    funder = funder or f"comune-{district.ids['tradate']}"
    return f"/admin/voucher/rendiconti/{district.ids['girasole']}/{funder}/{month:%Y-%m}"


def submission(html: str) -> str:
    match = re.search(r'name="submission" value="([^"]+)"', html)
    assert match, "the page has no submission token"
    return match.group(1)


def pay_through_page(client, path: str, reference: str = "", token: str | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    data = {
        "payment_reference": reference,
        "submission": submission(page.text) if token is None else token,
    }
    return post_on(client, path, f"{path}/paga", data)


def pay(district, month: date, who: str = "comune_staff", same: str | None = None, **kwargs):
    """Pay Girasole's month on Tradate's vouchers through the service; the statement's id."""
    with as_person(district, who) as person:
        statement = statements.pay(
            person,
            district.ids["girasole"],
            kwargs.get("funder") or tradate(district),
            month,
            kwargs.get("reference"),
            same or key(),
        )
        db.session.commit()
        return statement.id


def payable_ids(district, month: date, funder: str | None = None) -> list[int]:
    with as_person(district, "comune_staff"):
        rows = statements.payable(district.ids["girasole"], funder or tradate(district), month)
        return [d.id for d in rows]


def statements_of(district, month: date) -> list[Statement]:
    with as_person(district, "comune_staff"):
        found = db.session.scalars(
            sa.select(Statement).where(
                Statement.cooperative_id == district.ids["girasole"], Statement.month == month
            )
        ).all()
        for statement in found:
            statement.deliveries  # noqa: B018  (loaded while bound)
        db.session.expunge_all()
        return list(found)


def balances(district, funder: str) -> tuple[int, int]:
    """(Girasole's receivable from `funder`, what `funder` paid out)."""
    with as_person(district, "comune_staff"):
        receivable = ledger.account_by_reference(
            f"vouchers.receivable:{district.ids['girasole']}:{funder}"
        )
        paid_out = ledger.account_by_reference(f"vouchers.paid_out:{funder}")
        return (
            receivable.balance_cents if receivable else 0,
            paid_out.balance_cents if paid_out else 0,
        )


def cents_of(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    euros, rest = text.lstrip("-").split(",")
    return sign * (int(euros) * 100 + int(rest))


# -- what is payable -------------------------------------------------------------------------------


def test_payable_lists_the_months_deliveries_minus_disputed_and_reversed(district):
    month = month_back(district, 1)
    voucher_id = voucher_from(district, month)
    kept = deliver(district, voucher_id, 4_000, on=month + timedelta(days=2))
    disputed = deliver(district, voucher_id, 3_000, on=month + timedelta(days=3))
    upheld = deliver(district, voucher_id, 2_000, on=month + timedelta(days=4))
    corrected = deliver(district, voucher_id, 1_500, on=month + timedelta(days=5))
    dismissed = deliver(district, voucher_id, 1_000, on=month + timedelta(days=6))
    next_month = deliver(district, voucher_id, 500, on=statements.next_month(month))
    with as_person(district, "comune_staff") as staff:
        disputes.dispute(staff, disputed, "Nessuno è venuto quel giorno")
        upheld_dispute = disputes.dispute(staff, upheld, "Ore non fatte")
        dismissed_dispute = disputes.dispute(staff, dismissed, "Da verificare")
        db.session.commit()
        disputes.resolve(staff, upheld_dispute.id, True, None)
        disputes.resolve(staff, dismissed_dispute.id, False, "Verificato: c'era")
        db.session.commit()
    with as_person(district, "cooperative_staff") as staff:
        redeeming.reverse_delivery(staff, district.ids["girasole"], corrected, "Importo sbagliato")
        db.session.commit()
    # A delivery reversed before it was paid is left out with its reversal.
    assert payable_ids(district, month) == [kept, dismissed]
    assert next_month in payable_ids(district, statements.next_month(month))
    with as_person(district, "comune_staff"):
        assert not statements.is_paid(db.session.get(Delivery, kept))


def test_pay_moves_the_money_once_and_a_late_delivery_is_payable_again(district):
    month = month_back(district, 2)
    funder = tradate(district)
    voucher_id = voucher_from(district, month, copay_percent=10)
    first = deliver(district, voucher_id, 10_000, on=month + timedelta(days=1))
    second = deliver(district, voucher_id, 2_550, on=month + timedelta(days=9))
    receivable, paid_out = balances(district, funder)
    same = key()
    statement_id = pay(district, month, same=same, reference="CRO 0012345")
    total = 9_000 + 2_295  # the voucher's 90 % of each cost
    assert balances(district, funder) == (receivable - total, paid_out + total)
    [statement] = statements_of(district, month)
    assert (statement.id, statement.total_cents) == (statement_id, total)
    assert [d.id for d in statement.deliveries] == [first, second]
    assert statement.payment_reference == "CRO 0012345"
    with as_person(district, "comune_staff") as staff:
        transaction = db.session.get(Transaction, statement.transaction_id)
        assert transaction.kind == "vouchers.payment"
        assert sorted(e.amount_cents for e in transaction.entries) == [-total, total]
        assert statements.is_paid(db.session.get(Delivery, first))
        with pytest.raises(Conflict) as already:  # a paid delivery is not disputed
            disputes.dispute(staff, first, "Troppo tardi")
        assert "già stata pagata" in already.value.message
        db.session.rollback()
    assert pay(district, month, same=same) == statement_id  # the same form, sent again
    with pytest.raises(Conflict) as nothing:  # another form: nothing is left to pay
        pay(district, month)
    assert "nulla da pagare" in nothing.value.message
    assert balances(district, funder) == (receivable - total, paid_out + total)
    late = deliver(district, voucher_id, 1_000, on=month + timedelta(days=20))
    assert payable_ids(district, month) == [late]
    pay(district, month)
    assert len(statements_of(district, month)) == 2


def test_a_reversal_after_payment_is_netted_on_the_next_statement(district):
    month = month_back(district, 3)
    funder = tradate(district)
    voucher_id = voucher_from(district, month)
    paid = deliver(district, voucher_id, 8_000, on=month + timedelta(days=3))
    pay(district, month)
    receivable, paid_out = balances(district, funder)
    with as_person(district, "cooperative_staff") as staff:
        reversal = redeeming.reverse_delivery(
            staff, district.ids["girasole"], paid, "Ore sbagliate"
        ).id
        db.session.commit()
    assert payable_ids(district, month) == [reversal]
    with pytest.raises(Conflict) as negative:  # more reversals than deliveries
        pay(district, month)
    assert "-80,00 €" in negative.value.message
    assert balances(district, funder) == (receivable - 8_000, paid_out)
    again = deliver(district, voucher_id, 10_000, on=month + timedelta(days=3))
    assert payable_ids(district, month) == [reversal, again]
    statement_id = pay(district, month)
    [_first, second] = statements_of(district, month)
    assert second.id == statement_id and second.total_cents == 2_000
    assert {d.id: d.amount_cents for d in second.deliveries} == {reversal: -8_000, again: 10_000}
    assert balances(district, funder) == (receivable, paid_out + 2_000)


# -- who sees and pays what ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paid_month(district):
    """A month of Girasole on Tradate's vouchers with a statement paid and a delivery to pay."""
    month = month_back(district, 5)
    voucher_id = voucher_from(district, month)
    deliver(district, voucher_id, 3_000, on=month + timedelta(days=1))
    statement_id = pay(district, month)
    deliver(district, voucher_id, 2_000, on=month + timedelta(days=2))
    return {"month": month, "statement": statement_id}


def test_other_comunes_and_cooperatives_staff_find_nothing(district, paid_month):
    path = page_path(district, paid_month["month"])
    paid = f"/admin/voucher/rendiconti/pagati/{paid_month['statement']}"
    for who in ("other_comune_staff", "other_cooperative_staff"):
        client = district.client(who)
        for url in (path, f"{path}.csv", f"{path}.xlsx", f"{path}.pdf", f"{paid}.csv"):
            assert client.get(url).status_code == 404, (who, url)
        assert client.get(f"{paid}.pdf").status_code == 404
        listing = client.get("/admin/voucher/rendiconti")
        assert listing.status_code == 200
        assert page_path(district, paid_month["month"]) not in listing.text
    # Their own page's form token does not open Tradate's payment either.
    other = district.client("other_comune_staff")
    posted = post_on(other, "/admin/voucher/rendiconti", f"{path}/paga", {"submission": "s" * 24})
    assert posted.status_code == 404
    assert len(statements_of(district, paid_month["month"])) == 1
    for who in ("citizen", "operator"):
        assert district.client(who).get(path).status_code in {403, 404}


def test_cooperative_staff_read_their_own_and_cannot_pay(district, paid_month):
    path = page_path(district, paid_month["month"])
    client = district.client("cooperative_staff")
    page = client.get(path)
    assert page.status_code == 200
    assert "20,00 €" in page.text and "Segna come pagato" not in page.text
    assert client.get(f"{path}.csv").status_code == 200
    paid = client.get(f"/admin/voucher/rendiconti/pagati/{paid_month['statement']}.csv")
    assert paid.status_code == 200
    assert "Il Girasole (esempio)" in client.get("/admin/voucher/rendiconti").text
    posted = post_on(client, path, f"{path}/paga", {"submission": "c" * 24})
    assert posted.status_code in {403, 404}
    with as_person(district, "cooperative_staff") as staff:
        with pytest.raises(NotFound):
            statements.pay(
                staff,
                district.ids["girasole"],
                tradate(district),
                paid_month["month"],
                None,
                key(),
            )
        db.session.rollback()
    assert len(statements_of(district, paid_month["month"])) == 1


def test_the_list_shows_each_month_to_its_readers(district, paid_month):
    month = paid_month["month"]
    for who in ("comune_staff", "admin", "cooperative_staff"):
        with as_person(district, who) as person:
            [line] = [
                m
                for m in statements.months(person)
                if m.month == month and m.funder == tradate(district)
            ]
            assert (line.to_pay_cents, line.to_pay_count) == (2_000, 1)
            assert (line.paid_cents, line.statements) == (3_000, 1)
            assert line.may_pay == (who != "cooperative_staff")
    with as_person(district, "other_comune_staff") as person:
        assert all(m.funder != tradate(district) for m in statements.months(person))
    with as_person(district, "citizen") as person, pytest.raises(NotFound):
        statements.months(person)
    page = district.client("comune_staff").get("/admin/voucher/rendiconti")
    assert page.status_code == 200
    assert page_path(district, month) in page.text


def test_the_districts_own_lines_are_the_admins(district):
    month = month_back(district, 11)
    voucher_id = voucher_from(district, month, who="admin", comune=None)
    deliver(district, voucher_id, 4_200, on=month + timedelta(days=1))
    path = page_path(district, month, "district")
    assert district.client("comune_staff").get(path).status_code == 404
    assert district.client("cooperative_staff").get(path).status_code == 200  # their own
    admin = district.client("admin")
    assert "42,00 €" in admin.get(path).text
    with as_person(district, "comune_staff") as staff:
        assert all(m.funder != "district" for m in statements.months(staff))
        with pytest.raises(NotFound):
            statements.pay(staff, district.ids["girasole"], "district", month, None, key())
        db.session.rollback()
    response = pay_through_page(admin, path, "Mandato 77/2026")
    assert response.status_code == 302, response.text
    assert balances(district, "district")[1] >= 4_200


def test_malformed_links_are_not_found(district):
    client = district.client("admin")
    base = f"/admin/voucher/rendiconti/{district.ids['girasole']}"
    for path in (
        f"{base}/comune-abc/2026-01",
        f"{base}/comune-0/2026-01",
        f"{base}/comune:{district.ids['tradate']}/2026-01",
        f"{base}/comune-99999999/2026-01",
        f"{base}/comune-{district.ids['tradate']}/2026-13",
        f"{base}/comune-{district.ids['tradate']}/2026-1",
        f"{base}/comune-{district.ids['tradate']}/1999-01",
        f"{base}/comune-{district.ids['tradate']}/2026-01.doc",
        f"{base}/district/2026-01-01",
        "/admin/voucher/rendiconti/99999/district/2026-01",
        f"/admin/voucher/rendiconti/{2**40}/district/2026-01",
        "/admin/voucher/rendiconti/pagati/99999999.csv",
        "/admin/voucher/rendiconti/pagati/1.exe",
    ):
        assert client.get(path).status_code == 404, path


# -- the files -------------------------------------------------------------------------------------

HOSTILE_NOTES = ['=HYPERLINK("http://example.org","clic")', "+1+2", "-3", "@SUM(A1)"]


@pytest.fixture(scope="module")
def exported(district):
    month = month_back(district, 6)
    voucher_id = voucher_from(district, month, copay_percent=20)
    for days, (cost, note) in enumerate(
        zip([1_250, 3_333, 10_000, 99], HOSTILE_NOTES, strict=True)
    ):
        deliver(district, voucher_id, cost, on=month + timedelta(days=days), note=note)
    deliver(district, voucher_id, 700, on=month + timedelta(days=8), note="Tutto regolare")
    with as_person(district, "comune_staff"):
        rows = statements.payable(district.ids["girasole"], tradate(district), month)
        expected = statements.totals(rows)
    return {"month": month, "path": page_path(district, month), "totals": expected}


def test_the_csv_parses_with_its_totals_and_no_formula(district, exported):
    response = district.client("comune_staff").get(f"{exported['path']}.csv")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="rendiconto-[a-z0-9-]+\.csv"', disposition)
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == CSV_HEADER
    body = rows[1:]
    assert len(body) == exported["totals"].count == 5
    assert sum(cents_of(r[7]) for r in body) == exported["totals"].voucher_cents
    assert sum(cents_of(r[5]) for r in body) == exported["totals"].cost_cents
    assert sum(cents_of(r[6]) for r in body) == exported["totals"].family_cents
    first = body[0]
    assert first[0] == (exported["month"]).strftime("%d/%m/%Y")
    assert (first[2], first[5], first[6], first[7]) == ("Maria Bianchi", "12,50", "2,50", "10,00")
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2}", first[1])
    notes = [r[9] for r in body]
    assert notes == [f"'{n}" for n in HOSTILE_NOTES] + ["Tutto regolare"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in body for cell in r[1:5] + r[8:])


def test_the_xlsx_opens_with_its_totals_as_numbers_and_no_formula(district, exported):
    from openpyxl import load_workbook

    response = district.client("comune_staff").get(f"{exported['path']}.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert "Il Girasole (esempio)" in sheet["A1"].value
    assert "Tradate" in sheet["A1"].value
    rows = list(sheet.iter_rows(values_only=False))
    header = next(i for i, r in enumerate(rows) if r[0].value == "Data")
    assert [c.value for c in rows[header]] == CSV_HEADER
    body = rows[header + 1 : -1]
    totals = rows[-1]
    assert totals[0].value == "Totale"
    assert len(body) == 5
    for column, expected in ((5, "cost_cents"), (6, "family_cents"), (7, "voucher_cents")):
        cells = [Decimal(str(r[column].value)) for r in body]
        assert Decimal(str(totals[column].value)) == sum(cells)
        assert Decimal(str(totals[column].value)) * 100 == getattr(exported["totals"], expected)
        assert totals[column].number_format == "#,##0.00 €"
        assert all(r[column].data_type == "n" for r in body)
    assert body[0][0].number_format == "DD/MM/YYYY"
    assert body[0][0].value.date() == exported["month"]
    notes = [r[9].value for r in body]
    assert notes == [f"'{n}" for n in HOSTILE_NOTES] + ["Tutto regolare"]
    assert all(c.data_type != "f" for r in rows for c in r)
    assert sheet.column_dimensions["C"].width > 10


def test_the_pdf_has_the_cooperative_and_the_totals(district, exported):
    from pypdf import PdfReader

    response = district.client("comune_staff").get(f"{exported['path']}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Il Girasole (esempio)" in text
    assert "01234560124" in text
    assert format_cents(exported["totals"].voucher_cents) in text
    assert format_cents(exported["totals"].cost_cents) in text
    assert re.search(r"\d+,\d\d €", text)
    months = "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre"
    months += " novembre dicembre"
    month = months.split()[exported["month"].month - 1]
    assert f"{month} {exported['month'].year}" in text


def test_a_paid_statement_downloads_with_its_payment(district):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    month = month_back(district, 9)
    voucher_id = voucher_from(district, month)
    deliver(district, voucher_id, 4_321, on=month + timedelta(days=1), note="-1 ora")
    client = district.client("comune_staff")
    response = pay_through_page(client, page_path(district, month), "Bonifico CRO 998877")
    assert response.status_code == 302
    [statement] = statements_of(district, month)
    base = f"/admin/voucher/rendiconti/pagati/{statement.id}"
    page = client.get(page_path(district, month)).text
    assert f"{base}.xlsx" in page and "Bonifico CRO 998877" in page
    rows = list(
        csv.reader(io.StringIO(client.get(f"{base}.csv").data.decode("utf-8-sig")), delimiter=";")
    )
    assert [r[7] for r in rows[1:]] == ["43,21"] and rows[1][9] == "'-1 ora"
    book = load_workbook(io.BytesIO(client.get(f"{base}.xlsx").data)).active
    assert "Bonifico CRO 998877" in book["A2"].value
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(client.get(f"{base}.pdf").data)).pages
    )
    assert "Bonifico CRO 998877" in text and "43,21 €" in text


# -- the form --------------------------------------------------------------------------------------


def test_the_page_pays_once_however_many_times_the_form_is_sent(district):
    month = month_back(district, 10)
    voucher_id = voucher_from(district, month)
    deliver(district, voucher_id, 1_111, on=month + timedelta(days=1))
    client = district.client("comune_staff")
    path = page_path(district, month)
    token = submission(client.get(path).text)
    for _ in range(3):
        response = pay_through_page(client, path, "CRO 1", token=token)
        assert response.status_code == 302, response.text
    assert len(statements_of(district, month)) == 1
    assert "11,11 €" in client.get(path).text
    refused = pay_through_page(client, path, "CRO 2", token="n" * 24)  # another form
    assert refused.status_code == 409
    assert "nulla da pagare" in refused.text
    assert len(statements_of(district, month)) == 1


def test_a_hostile_payment_form_is_refused_with_nothing_paid(district):
    month = month_back(district, 7)
    voucher_id = voucher_from(district, month)
    deliver(district, voucher_id, 5_000, on=month + timedelta(days=1))
    client = district.client("comune_staff")
    path = page_path(district, month)
    for reference in ("x" * 10_000, "CRO\x00123", "CRO\x07123", "CRO\n123", "CRO\u2028123"):
        response = pay_through_page(client, path, reference)
        assert response.status_code == 400, (reference[:10], response.status_code)
        assert "caratteri" in response.text
    for token in ("", "corto", "x" * 65, "a b" * 10):
        assert pay_through_page(client, path, "CRO", token=token).status_code == 400
    no_csrf = client.post(f"{path}/paga", data={"payment_reference": "x", "submission": "s" * 24})
    assert no_csrf.status_code == 400
    assert statements_of(district, month) == []
    assert len(payable_ids(district, month)) == 1
    with as_person(district, "comune_staff") as staff:
        with pytest.raises(InvalidInput):
            statements.pay(
                staff, district.ids["girasole"], tradate(district), month, "a\x1bb", key()
            )
        db.session.rollback()


# -- people at once --------------------------------------------------------------------------------


def _at_once(district, works) -> list[str]:
    """Run each of `works` (given the person it runs as) in its own thread, all released
    together, each in its own context and session (a connection taken only once released):
    what each ended with ("ok" and what it returned, or the refusal's class name)."""
    from condiviso.accounts.models import User

    barrier = threading.Barrier(len(works))
    outcomes: list[str] = [""] * len(works)

    def run(i: int) -> None:
        who, work = works[i]
        with district.app.app_context(), tenant_context(district.slug):
            try:
                barrier.wait(timeout=60)
                result = work(db.session.get(User, district.ids[who]))
                db.session.commit()
                outcomes[i] = f"ok {result}"
            except Conflict:
                db.session.rollback()
                outcomes[i] = "Conflict"
            except Exception as error:  # reported by the assertion
                db.session.rollback()
                outcomes[i] = f"{type(error).__name__}: {error}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _paying(cooperative_id: int, funder: str, month: date, same: str | None = None):
    def work(person) -> int:
        return statements.pay(person, cooperative_id, funder, month, None, same or key()).id

    return work


def test_people_paying_the_same_month_at_once_pay_it_once(district):
    month = month_back(district, 8)
    voucher_id = voucher_from(district, month)
    ids = [deliver(district, voucher_id, 1_000 + i, on=month + timedelta(days=i)) for i in range(4)]
    funder = tradate(district)
    receivable, paid_out = balances(district, funder)
    work = _paying(district.ids["girasole"], funder, month)
    outcomes = _at_once(district, [("comune_staff", work), ("admin", work)] * 3)
    [statement] = statements_of(district, month)
    assert sorted(outcomes) == ["Conflict"] * 5 + [f"ok {statement.id}"], outcomes
    assert sorted(d.id for d in statement.deliveries) == ids
    total = sum(1_000 + i for i in range(4))
    assert statement.total_cents == total
    assert balances(district, funder) == (receivable - total, paid_out + total)
    with as_person(district, "comune_staff"):
        paid_rows = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(statement_delivery)
            .where(statement_delivery.c.delivery_id.in_(ids))
        )
        assert paid_rows == len(ids)


def test_the_same_payment_sent_at_once_is_one_statement(district):
    month = month_back(district, 4)
    voucher_id = voucher_from(district, month)
    deliver(district, voucher_id, 2_500, on=month + timedelta(days=1))
    work = _paying(district.ids["girasole"], tradate(district), month, same=key())
    outcomes = _at_once(district, [("comune_staff", work)] * 4)
    [statement] = statements_of(district, month)
    assert outcomes == [f"ok {statement.id}"] * 4, outcomes
    assert statement.total_cents == 2_500


def test_two_cooperatives_first_paid_at_once_share_one_paid_out_account(district):
    """Castelseprio pays for the first time, Girasole and La Quercia at once: the account of
    what it paid out is opened once."""
    from plugins.cooperatives.models import Accreditation

    month = month_back(district, 1)
    with as_person(district, "admin"):
        for cooperative in ("girasole", "quercia"):
            db.session.add(
                Accreditation(
                    cooperative_id=district.ids[cooperative],
                    comune_id=district.ids["castelseprio"],
                    category_id=district.ids["anziani"],
                    valid_from=date(2025, 1, 1),
                )
            )
        db.session.commit()
    funder = f"comune:{district.ids['castelseprio']}"
    assert balances(district, funder) == (0, 0)
    for cooperative, staff in (
        ("girasole", "cooperative_staff"),
        ("quercia", "other_cooperative_staff"),
    ):
        voucher_id = voucher_from(district, month, who="other_comune_staff", comune="castelseprio")
        deliver(district, voucher_id, 3_000, who=staff, cooperative=cooperative, on=month)
    outcomes = _at_once(
        district,
        [
            ("other_comune_staff", _paying(district.ids["girasole"], funder, month)),
            ("admin", _paying(district.ids["quercia"], funder, month)),
        ],
    )
    assert [o.split()[0] for o in outcomes] == ["ok", "ok"], outcomes
    assert balances(district, funder)[1] == 6_000
    with as_person(district, "admin"):
        assert ledger.account_by_reference(f"vouchers.paid_out:{funder}") is not None
