"""The vouchers' money: a line is never overcommitted and a voucher never overspent, with fifty
people at it at once (real threads, on SQLite and PostgreSQL); cancelling and expiry give back
what is left, once; erasure keeps the money and drops the reason; the beneficiary is told."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from condiviso.accounts.models import User
from condiviso.errors import Conflict, InvalidInput
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.vouchers import budgets, issuing, redeeming
from plugins.vouchers.models import BudgetLine, Voucher, VoucherStatus
from plugins.wallet.ledger import Overdrawn
from plugins.wallet.models import Transaction
from tests.vouchers.fixtures import (
    as_person,
    deliver,
    issue_voucher,
    key,
    make_line,
    today_of,
    voucher_input,
)

PEOPLE_AT_ONCE = 50


def _at_once(district, work) -> list[str]:
    """Run `work(i)` in 50 threads released together, each in its own context and session;
    what each ended with ("ok", or the refusal's class name)."""
    barrier = threading.Barrier(PEOPLE_AT_ONCE)
    outcomes: list[str] = [""] * PEOPLE_AT_ONCE

    def run(i: int) -> None:
        with district.app.app_context(), tenant_context(district.slug):
            try:
                barrier.wait()
                work(i)
                db.session.commit()
                outcomes[i] = "ok"
            except (Overdrawn, Conflict, InvalidInput) as refused:
                db.session.rollback()
                outcomes[i] = type(refused).__name__
            except Exception as error:  # reported by the assertion
                db.session.rollback()
                outcomes[i] = f"{type(error).__name__}: {error}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(PEOPLE_AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_fifty_issuers_at_once_never_overcommit_a_line(district):
    line_id = make_line(district, 100_000)  # 1.000,00 €: room for 33 vouchers of 30,00 €
    with as_person(district, "comune_staff") as staff:
        staff_id = staff.id
    clean = voucher_input(district, line_id, value_cents=3_000)

    def issue(i: int) -> None:
        staff = db.session.get(User, staff_id)
        issuing.issue(staff, clean, key())

    outcomes = _at_once(district, issue)
    assert outcomes.count("ok") == 33, outcomes
    assert set(outcomes) == {"ok", "Overdrawn"}, outcomes
    with as_person(district, "comune_staff"):
        line = db.session.get(BudgetLine, line_id)
        assert line.account.balance_cents == 1_000
        assert budgets.figures([line])[line.id].committed == 33 * 3_000


def test_fifty_deliveries_at_once_never_overspend_a_voucher(district):
    line_id = make_line(district, 100_000)
    voucher_id = issue_voucher(district, line_id, value_cents=10_000)  # 100,00 €
    deliver(district, voucher_id, 1)  # the family chose the cooperative; 0,01 € spent
    with as_person(district, "cooperative_staff") as staff:
        staff_id = staff.id
    day = today_of(district)

    def record(i: int) -> None:
        staff = db.session.get(User, staff_id)
        clean = redeeming.DeliveryInput(delivered_on=day, cost_cents=700)
        redeeming.record_delivery(staff, district.ids["girasole"], voucher_id, clean, key())

    outcomes = _at_once(district, record)
    assert outcomes.count("ok") == 14, outcomes  # 99,99 € left: fourteen of 7,00 €
    assert set(outcomes) == {"ok", "Overdrawn"}, outcomes
    with as_person(district, "cooperative_staff"):
        assert db.session.get(Voucher, voucher_id).balance_cents == 9_999 - 14 * 700


def test_the_same_issue_sent_fifty_times_at_once_issues_one_voucher(district):
    line_id = make_line(district, 100_000)
    with as_person(district, "comune_staff") as staff:
        staff_id = staff.id
    clean, same = voucher_input(district, line_id, value_cents=1_000), key()
    _at_once(district, lambda i: issuing.issue(db.session.get(User, staff_id), clean, same))
    with as_person(district, "comune_staff"):
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Voucher).where(Voucher.line_id == line_id)
            )
            == 1
        )
        assert db.session.get(BudgetLine, line_id).account.balance_cents == 99_000


def test_cancelling_gives_back_what_is_left_and_only_once(district):
    line_id = make_line(district, 50_000)
    voucher_id = issue_voucher(district, line_id, value_cents=20_000)
    deliver(district, voucher_id, 5_000)
    with as_person(district, "comune_staff") as staff:
        issuing.cancel(staff, voucher_id, "La famiglia si è trasferita")
        db.session.commit()
        with pytest.raises(Conflict):
            issuing.cancel(staff, voucher_id, "Di nuovo")
        db.session.rollback()
        line = db.session.get(BudgetLine, line_id)
        figures = budgets.figures([line])[line.id]
        assert (figures.available, figures.committed, figures.spent) == (45_000, 0, 5_000)
        assert db.session.get(Voucher, voucher_id).status == VoucherStatus.CANCELLED.value


def test_expiry_releases_each_voucher_once_and_leaves_running_ones(district):
    line_id = make_line(district, 50_000)
    day = today_of(district)
    ending = issue_voucher(
        district, line_id, value_cents=10_000, valid_from=day - timedelta(days=5), valid_to=day
    )
    running = issue_voucher(district, line_id, value_cents=10_000, valid_to=day + timedelta(30))
    deliver(district, ending, 2_500)
    with as_person(district, "comune_staff"):
        assert issuing.expire_due(day) == 0  # valid through today
        assert issuing.expire_due(day + timedelta(days=1)) >= 1
        assert issuing.expire_due(day + timedelta(days=1)) == 0  # nothing twice
        assert db.session.get(Voucher, ending).status == VoucherStatus.EXPIRED.value
        assert db.session.get(Voucher, ending).balance_cents == 0
        assert db.session.get(Voucher, running).status == VoucherStatus.ACTIVE.value
        line = db.session.get(BudgetLine, line_id)
        assert line.account.balance_cents == 50_000 - 10_000 - 2_500
        releases = db.session.scalars(
            sa.select(Transaction).where(Transaction.kind == budgets.EXPIRY)
        ).all()
        assert sum(1 for t in releases if t.idempotency_key == f"vouchers.expiry:{ending}") == 1


def test_the_expiry_job_runs_for_districts_with_vouchers(district):
    from plugins.vouchers.jobs import expire
    from plugins.vouchers.plugin import condiviso_periodic_jobs

    assert issuing.EXPIRY_JOB in condiviso_periodic_jobs(tenant=None)
    line_id = make_line(district, 10_000)
    day = today_of(district)
    voucher_id = issue_voucher(
        district,
        line_id,
        value_cents=4_000,
        valid_from=day - timedelta(days=9),
        valid_to=day,
    )
    with as_person(district, "comune_staff"):
        # Time passes: the validity ended yesterday.
        db.session.get(Voucher, voucher_id).valid_to = day - timedelta(days=1)
        db.session.commit()
        expire()
        assert db.session.get(Voucher, voucher_id).status == VoucherStatus.EXPIRED.value
        assert db.session.get(BudgetLine, line_id).account.balance_cents == 10_000


def test_a_delivery_past_the_balance_or_outside_the_dates_is_refused(district):
    line_id = make_line(district, 50_000)
    day = today_of(district)
    voucher_id = issue_voucher(district, line_id, value_cents=3_000, valid_from=day)
    deliver(district, voucher_id, 1_000)
    with as_person(district, "cooperative_staff") as staff:
        for clean, field in [
            (redeeming.DeliveryInput(delivered_on=day, cost_cents=2_001), None),
            (
                redeeming.DeliveryInput(delivered_on=day - timedelta(1), cost_cents=100),
                "delivered_on",
            ),
            (
                redeeming.DeliveryInput(delivered_on=day + timedelta(1), cost_cents=100),
                "delivered_on",
            ),
        ]:
            with pytest.raises((Overdrawn, InvalidInput)) as refused:
                redeeming.record_delivery(staff, district.ids["girasole"], voucher_id, clean, key())
            db.session.rollback()
            if field:
                assert field in refused.value.errors
            else:
                assert "20,00 €" in refused.value.message
        assert db.session.get(Voucher, voucher_id).balance_cents == 2_000


def test_another_cooperative_never_sees_or_charges_the_voucher(district):
    line_id = make_line(district, 50_000)
    voucher_id = issue_voucher(district, line_id, value_cents=3_000)
    deliver(district, voucher_id, 500)
    with as_person(district, "other_cooperative_staff") as staff:
        quercia = district.ids["quercia"]
        assert voucher_id not in {v.id for v in redeeming.cooperative_vouchers(staff, quercia)}
        clean = redeeming.DeliveryInput(delivered_on=today_of(district), cost_cents=100)
        with pytest.raises(Exception) as refused:
            redeeming.record_delivery(staff, quercia, voucher_id, clean, key())
        assert getattr(refused.value, "status", None) == 404
        db.session.rollback()
        code = db.session.get(Voucher, voucher_id).code
        with pytest.raises(InvalidInput):  # not accredited for the voucher's category
            redeeming.present_code(staff, quercia, code)
        db.session.rollback()
        with pytest.raises(Exception) as walked:  # Girasole's own pages
            redeeming.cooperative_vouchers(staff, district.ids["girasole"])
        assert getattr(walked.value, "status", None) == 404


def test_comune_staff_never_issue_from_another_comunes_line(district):
    line_id = make_line(district, 50_000)  # Tradate's
    with as_person(district, "other_comune_staff") as staff:
        with pytest.raises(InvalidInput) as refused:
            issuing.issue(staff, voucher_input(district, line_id), key())
        assert "line_id" in refused.value.errors
        db.session.rollback()
        assert db.session.get(BudgetLine, line_id).account.balance_cents == 50_000


def test_erasure_keeps_the_money_and_erases_the_reason(app):
    from condiviso.accounts.erasure import anonymize
    from tests.vouchers.fixtures import build_vouchers_district

    district = build_vouchers_district(app, "voucher-cancellati")
    line_id = make_line(district, 50_000)
    voucher_id = issue_voucher(district, line_id, value_cents=10_000)
    deliver(district, voucher_id, 4_000)
    with as_person(district, "citizen") as citizen:
        anonymize(citizen)
        db.session.commit()
    with as_person(district, "comune_staff"):
        voucher = db.session.get(Voucher, voucher_id)
        assert voucher.reason is None
        assert voucher.balance_cents == 6_000
        person = voucher.beneficiary
        assert person.deleted_at is not None
        assert person.email == f"eliminato-{person.id}@anonimo.invalid"  # the anonymous id
        assert len(issuing.movements(voucher)) == 2
        assert redeeming.chosen_cooperatives(voucher)  # the choice stays, without the name
        assert "Maria" not in repr(
            db.session.execute(
                sa.text("SELECT chosen_by_label FROM vouchers_choice WHERE voucher_id = :v"),
                {"v": voucher_id},
            ).all()
        )


def test_the_beneficiary_is_told_by_e_mail_through_the_job_queue(mail_app, smtp):
    from tests.vouchers.fixtures import build_vouchers_district

    district = build_vouchers_district(mail_app, "voucher-posta")
    line_id = make_line(district, 50_000)
    voucher_id = issue_voucher(district, line_id, value_cents=12_345, copay_percent=20)
    with as_person(district, "citizen"):
        code = db.session.get(Voucher, voucher_id).code
    message = smtp.last_to(district.people["citizen"])
    body = message.get_content()
    assert "123,45 €" in message["Subject"]
    assert code in body and "20%" in body
    assert "non si cede e non si cambia in denaro" in body
    assert "/il-mio-borsellino" in body
    assert "Motivo riservato" not in body  # the reason is never in an e-mail


def test_a_voucher_naming_only_services_counts_under_their_category(district):
    """The budget's table by category adds up to the committed figure, also for a voucher that
    names a service and no category."""
    line_id = make_line(district, 50_000)
    issue_voucher(
        district,
        line_id,
        value_cents=7_000,
        category_ids=(),
        service_ids=(district.services["sad"],),
    )
    with as_person(district, "comune_staff"):
        line = db.session.get(BudgetLine, line_id)
        shares = budgets.by_category([line])
        assert [(s.label, s.committed) for s in shares] == [("Anziani", 7_000)]
        assert sum(s.committed for s in shares) == budgets.figures([line])[line_id].committed
