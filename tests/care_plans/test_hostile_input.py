"""Malformed, oversized and hostile data posted to every form of the care plans, as the
operator: never a 500, and invalid data changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.care_plans.models import CarePlan, Intake, PlanItem
from tests.care_plans.fixtures import (
    add_item,
    build_district,
    catalog_item,
    record_intake,
    start_plan,
)
from tests.hostile import post_hostile


def test_no_care_plan_form_answers_500_or_changes_anything(app):
    district = build_district(app, "piani-ostili")
    intake_id = record_intake(district)
    plan_id = start_plan(district)
    assert add_item(district, plan_id, **catalog_item(district, "sad")).status_code == 302
    citizen = district.ids["citizen"]

    def rows():
        with app.app_context(), tenant_context(district.slug):
            return [
                sorted(tuple(row) for row in db.session.execute(sa.select(model.__table__)))
                for model in (Intake, CarePlan, PlanItem)
            ]

    operator = district.client("operator")
    plan = f"/admin/piani/{plan_id}"
    forms = [
        (f"/admin/piani/persone/{citizen}/colloqui/nuovo", None),
        (f"/admin/piani/colloqui/{intake_id}", None),
        (f"/admin/piani/persone/{citizen}/piani/nuovo", None),
        (plan, None),
        (f"{plan}/servizi", plan),
        (f"{plan}/servizi/1/rimuovi", plan),
        (f"{plan}/stato", plan),
        (f"{plan}/richieste", plan),
        ("/admin/piani/99999999999999999999/stato", plan),
    ]
    posted = sum(post_hostile(operator, path, rows, page) for path, page in forms)
    assert posted > 80
