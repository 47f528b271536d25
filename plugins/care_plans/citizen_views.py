"""What a person sees of themselves: their plans (and each plan's PDF), and everything recorded
about them in intake conversations, with who on the staff read or changed it. Read-only; another
person's plan is not found. A person reading their own records is not audited: the audit
answers "who else looked", and the person is its reader."""

from __future__ import annotations

from flask import abort, render_template

from condiviso.plugin_api import Audience, NotFound, allow, signed_in_user
from plugins.care_plans import forms, services
from plugins.care_plans.views import blueprint, pdf_response


def _own_plan(plan_id: int):
    try:
        return services.my_plan(signed_in_user(), plan_id)
    except NotFound:
        abort(404)


@blueprint.get("/il-mio-piano")
@allow(Audience.SIGNED_IN)
def my_plans():
    return render_template(
        "care_plans/my_plans.html",
        plans=services.plans_of(signed_in_user().id),
        statuses=forms.STATUSES,
    )


@blueprint.get("/il-mio-piano/<int:plan_id>")
@allow(Audience.SIGNED_IN)
def my_plan(plan_id: int):
    return render_template(
        "care_plans/my_plan.html",
        plan=_own_plan(plan_id),
        funding=forms.FUNDING,
        statuses=forms.STATUSES,
    )


@blueprint.get("/il-mio-piano/<int:plan_id>/pdf")
@allow(Audience.SIGNED_IN)
def my_plan_document(plan_id: int):
    return pdf_response(_own_plan(plan_id))


@blueprint.get("/i-miei-dati-sociali")
@allow(Audience.SIGNED_IN)
def my_records():
    user = signed_in_user()
    return render_template(
        "care_plans/my_records.html",
        intakes=services.intakes_of(user.id),
        plans=services.plans_of(user.id),
        accesses=services.who_looked(user),
        areas=forms.AREAS,
        levels=forms.LEVELS,
        statuses=forms.STATUSES,
        kinds=forms.RECORD_KINDS,
        actions=forms.ACTIONS,
    )
