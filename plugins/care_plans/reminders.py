"""Reminding each plan's operator of the plan's review, once per review date.

The reminder is claimed with one conditional UPDATE (`reminded_for` set to the review date
where it is not already), committed before the e-mail leaves: two workers running the job at
once send one e-mail. If the e-mail cannot be sent the claim is given back, so the next run
tries again.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import sqlalchemy as sa

from condiviso.plugin_api import current_tenant, db, send_mail, tenant_url, today
from plugins.care_plans.models import CarePlan, PlanStatus
from plugins.care_plans.schemas import DEFAULT_REMINDER_DAYS

log = logging.getLogger(__name__)
NAME = "care_plans"
REVIEW_REMINDERS = "care_plans.review_reminders"  # the job (jobs.py) that calls this module


def _not_reminded() -> sa.ColumnElement[bool]:
    return sa.or_(CarePlan.reminded_for.is_(None), CarePlan.reminded_for != CarePlan.review_on)


def due_plan_ids(on: date, within_days: int) -> list[int]:
    """Plans still running whose review is due by `on` + `within_days` (or overdue) and whose
    operator has not been reminded of that date."""
    return list(
        db.session.scalars(
            sa.select(CarePlan.id)
            .where(
                CarePlan.status != PlanStatus.CLOSED.value,
                CarePlan.operator_user_id.is_not(None),
                CarePlan.review_on <= on + timedelta(days=within_days),
                _not_reminded(),
            )
            .order_by(CarePlan.review_on, CarePlan.id)
        )
    )


def _claim(plan_id: int) -> tuple[bool, date | None]:
    """Mark the plan reminded for its review date: (whether this run claimed it, the date it
    had been reminded for before)."""
    before = db.session.scalar(sa.select(CarePlan.reminded_for).where(CarePlan.id == plan_id))
    claimed = db.session.execute(
        sa.update(CarePlan)
        .where(CarePlan.id == plan_id, _not_reminded())
        .values(reminded_for=CarePlan.review_on)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1, before


def _give_back(plan_id: int, before: date | None) -> None:
    db.session.execute(
        sa.update(CarePlan)
        .where(CarePlan.id == plan_id)
        .values(reminded_for=before)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def send_review_reminders(on: date | None = None, within_days: int | None = None) -> int:
    """E-mail the operators of the current tenant's plans due for review; how many were sent.
    Idempotent: a plan's operator hears once per review date, however often this runs; an
    e-mail that could not be sent is tried again on the next run."""
    tenant = current_tenant()
    on = on or today()
    if within_days is None:
        settings = tenant.plugins.get(NAME, {})
        within_days = int(settings.get("reminder_days", DEFAULT_REMINDER_DAYS))
    sent = 0
    for plan_id in due_plan_ids(on, within_days):
        plan = db.session.get(CarePlan, plan_id)
        operator = plan.operator if plan is not None else None
        if operator is None or operator.deleted_at is not None or not operator.email:
            continue
        claimed, before = _claim(plan_id)
        if not claimed:
            continue
        try:
            send_mail(
                tenant,
                operator.email,
                "care_plans_review",
                operator.locale or "it",
                plan=plan,
                operator=operator,
                url=tenant_url(tenant, f"/admin/piani/{plan_id}"),
            )
        except Exception:
            _give_back(plan_id, before)
            log.exception("review reminder for plan %s of %s not sent", plan_id, tenant.slug)
            continue
        sent += 1
    return sent
