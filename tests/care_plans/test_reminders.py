"""The review reminder: the plan's operator gets one e-mail per review date when the review is
due within the district's days (or overdue), through the real job runner and a real SMTP
server; a new review date is reminded again; an e-mail that fails is tried again later."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.jobs import execute
from condiviso.plugins import tenant_hook
from condiviso.tenancy import find_tenant, tenant_context
from plugins.care_plans import reminders
from plugins.care_plans.models import CarePlan
from tests.accounts.flows import link_in, path_of
from tests.care_plans.fixtures import build_district, in_days, move, post_on, start_plan

JOB = "care_plans.review_reminders"


@pytest.fixture(scope="module")
def district(mail_app):
    return build_district(mail_app, "cura-promemoria", reminder_days=7)


def _subjects(smtp, address: str) -> list[str]:
    return [m["Subject"] for m in smtp.to(address)]


def _reminded_for(district, plan_id: int):
    with district.app.app_context(), tenant_context(district.slug):
        return db.session.scalar(sa.select(CarePlan.reminded_for).where(CarePlan.id == plan_id))


def test_the_operator_is_reminded_once_per_review_date(district, smtp):
    operator = district.client("operator")
    soon = start_plan(district, operator, review_on=in_days(5).isoformat())
    later = start_plan(district, operator, review_on=in_days(30).isoformat())
    closed = start_plan(district, operator, review_on=in_days(2).isoformat())
    for status in ("condiviso", "attivo", "concluso"):
        move(district, closed, status, operator)
    address = district.people["operator"]

    assert execute(district.app, JOB, district.slug, {}) == "done"
    mails = smtp.to(address)
    assert len(mails) == 1 and f"P-{soon:06d}" in mails[0]["Subject"]
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert "Maria Bianchi" not in body and "Uscire di casa" not in body  # nothing personal
    assert path_of(link_in(mails[0])) == f"/admin/piani/{soon}"
    assert operator.get(path_of(link_in(mails[0]))).status_code == 200
    assert _reminded_for(district, soon) == in_days(5)

    execute(district.app, JOB, district.slug, {})
    with district.app.app_context(), tenant_context(district.slug):
        assert reminders.send_review_reminders() == 0
    assert len(smtp.to(address)) == 1

    path = f"/admin/piani/{soon}"
    moved = post_on(operator, path, path, {"review_on": in_days(3).isoformat(), "goals": "x"})
    assert moved.status_code == 302
    execute(district.app, JOB, district.slug, {})
    execute(district.app, JOB, district.slug, {})
    assert len(smtp.to(address)) == 2 and f"P-{soon:06d}" in smtp.to(address)[-1]["Subject"]

    with district.app.app_context(), tenant_context(district.slug):
        assert reminders.send_review_reminders(on=in_days(25)) == 1
        assert reminders.send_review_reminders(on=in_days(25)) == 0
    assert f"P-{later:06d}" in smtp.to(address)[-1]["Subject"]
    assert not any(f"P-{closed:06d}" in s for s in _subjects(smtp, address))


def test_a_reminder_that_could_not_be_sent_is_tried_again(district, smtp, monkeypatch):
    operator = district.client("operator")
    plan_id = start_plan(district, operator, review_on=in_days(1).isoformat())
    sent_before = len(smtp.to(district.people["operator"]))

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    with district.app.app_context(), tenant_context(district.slug):
        assert reminders.send_review_reminders() == 0
    assert _reminded_for(district, plan_id) is None
    monkeypatch.undo()
    execute(district.app, JOB, district.slug, {})
    assert len(smtp.to(district.people["operator"])) == sent_before + 1
    assert _reminded_for(district, plan_id) == in_days(1)


def test_the_reminder_is_a_periodic_job_of_districts_with_care_plans(district, mail_app):
    with mail_app.app_context():
        tenant = find_tenant(district.slug, mail_app)
        names = [
            n for r in tenant_hook("condiviso_periodic_jobs", tenant)(tenant=tenant) for n in r
        ]
        assert JOB in names
