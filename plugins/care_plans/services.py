"""Intake conversations and care plans: what staff record and change, each read and change
audited in the same transaction; what a citizen sees of their own records.

Only operators and the district admin work on these records (`CARE_STAFF`); the views say so
with `allow`, and every staff function here checks it again, so no other door opens them.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.plugin_api import (
    ACCOUNT_RECORDS,
    AccessAudit,
    Conflict,
    InvalidInput,
    NotFound,
    Role,
    TenantSuspended,
    accesses,
    current_tenant,
    db,
    record_access,
)
from plugins.care_plans import forms
from plugins.care_plans.forms import IntakeInput, ItemInput, PlanInput
from plugins.care_plans.models import (
    EDITABLE_ITEMS,
    LARGEST_ID,
    TRANSITIONS,
    CarePlan,
    Intake,
    PlanItem,
    PlanStatus,
)
from plugins.catalog.finding import visible_services
from plugins.catalog.models import Service

CARE_STAFF = (Role.OPERATOR, Role.DISTRICT_ADMIN)
INTAKE = "care_plans.intake"
PLAN = "care_plans.plan"
FILE = "care_plans.file"  # the list of a citizen's intakes and plans
RECORD_TYPES = (INTAKE, PLAN, FILE)


def staff_label(user) -> str:
    """How staff are named in records and the audit: name and username."""
    return f"{user.full_name} <{user.username}>"


def check_staff(user) -> None:
    """Only care staff, and only where their reading can be audited: a suspended district's
    database is read-only, so its records stay closed rather than read without a trace."""
    if user is None or not user.has_role(*CARE_STAFF):
        raise NotFound(_("La pagina che cerchi non esiste."))
    if current_tenant().read_only:
        raise TenantSuspended(
            _(
                "Il portale è sospeso: colloqui e piani restano chiusi, perché ogni "
                "consultazione deve essere registrata."
            )
        )


# -- the citizen's file ----------------------------------------------------------------------------


def citizen_file(staff, citizen) -> tuple[list[Intake], list[CarePlan]]:
    """A citizen's intakes and plans, newest first; staff opening the file is audited."""
    check_staff(staff)
    record_access("read", FILE, citizen.id, subject_user_id=citizen.id)
    db.session.commit()
    return intakes_of(citizen.id), plans_of(citizen.id)


def intakes_of(citizen_id: int) -> list[Intake]:
    """A person's intakes, newest first (callers audit staff reads)."""
    return list(
        db.session.scalars(
            sa.select(Intake)
            .where(Intake.citizen_user_id == citizen_id)
            .order_by(Intake.held_on.desc(), Intake.id.desc())
        )
    )


def plans_of(citizen_id: int) -> list[CarePlan]:
    """A person's plans, newest first (callers audit staff reads)."""
    return list(
        db.session.scalars(
            sa.select(CarePlan)
            .where(CarePlan.citizen_user_id == citizen_id)
            .order_by(CarePlan.id.desc())
        )
    )


# -- intakes ---------------------------------------------------------------------------------------


def record_intake(staff, citizen, clean: IntakeInput) -> Intake:
    """A new intake conversation with `citizen`, held by `staff`."""
    check_staff(staff)
    intake = Intake(
        citizen_user_id=citizen.id,
        operator_user_id=staff.id,
        operator_label=staff_label(staff),
        held_on=clean.held_on,
        needs=json.dumps(clean.needs, ensure_ascii=False),
        notes=clean.notes,
    )
    db.session.add(intake)
    db.session.flush()
    record_access("create", INTAKE, intake.id, subject_user_id=citizen.id)
    db.session.commit()
    return intake


def staff_intake(staff, intake_id: int) -> Intake:
    """An intake, its reading audited."""
    check_staff(staff)
    intake = db.session.get(Intake, intake_id) if 0 < intake_id <= LARGEST_ID else None
    if intake is None:
        raise NotFound(_("Il colloquio che cerchi non esiste."))
    record_access("read", INTAKE, intake.id, subject_user_id=intake.citizen_user_id)
    db.session.commit()
    return intake


def update_intake(staff, intake: Intake, clean: IntakeInput) -> None:
    """Correct an intake: every field is written again from the form."""
    check_staff(staff)
    intake.held_on = clean.held_on
    intake.needs = json.dumps(clean.needs, ensure_ascii=False)
    intake.notes = clean.notes
    record_access("update", INTAKE, intake.id, subject_user_id=intake.citizen_user_id)
    db.session.commit()


# -- plans -----------------------------------------------------------------------------------------


def start_plan(staff, citizen, clean: PlanInput) -> CarePlan:
    """A new plan, in draft, with `staff` as its operator."""
    check_staff(staff)
    plan = CarePlan(
        citizen_user_id=citizen.id,
        operator_user_id=staff.id,
        operator_label=staff_label(staff),
        status=PlanStatus.DRAFT.value,
        review_on=clean.review_on,
        goals=clean.goals,
        notes=clean.notes,
    )
    db.session.add(plan)
    db.session.flush()
    record_access("create", PLAN, plan.id, subject_user_id=citizen.id)
    db.session.commit()
    return plan


def staff_plan(staff, plan_id: int, reason: str | None = None) -> CarePlan:
    """A plan, its reading audited (`reason`: e.g. the PDF was downloaded)."""
    check_staff(staff)
    plan = db.session.get(CarePlan, plan_id) if 0 < plan_id <= LARGEST_ID else None
    if plan is None:
        raise NotFound(_("Il piano che cerchi non esiste."))
    record_access("read", PLAN, plan.id, subject_user_id=plan.citizen_user_id, reason=reason)
    db.session.commit()
    return plan


def audit_change(plan: CarePlan, reason: str) -> None:
    """Record staff's change of a plan (`reason` says what changed) and commit it with it."""
    record_access("update", PLAN, plan.id, subject_user_id=plan.citizen_user_id, reason=reason)
    db.session.commit()


def _not_closed(plan: CarePlan) -> None:
    if plan.status == PlanStatus.CLOSED.value:
        raise Conflict(_("Il piano è concluso: non si può più modificare."))


def update_plan(staff, plan: CarePlan, clean: PlanInput) -> None:
    """New goals, notes or review date (a new date will be reminded of again)."""
    check_staff(staff)
    _not_closed(plan)
    plan.review_on, plan.goals, plan.notes = clean.review_on, clean.goals, clean.notes
    audit_change(plan, "plan")


def _items_editable(plan: CarePlan) -> None:
    if PlanStatus(plan.status) not in EDITABLE_ITEMS:
        raise Conflict(
            _(
                "Il piano è «%(status)s»: i servizi non si possono più cambiare.",
                status=forms.STATUSES[PlanStatus(plan.status)],
            )
        )


def includable_services() -> list[Service]:
    """The catalog services a plan can include today, of every provider type, by title."""
    return list(db.session.scalars(visible_services().order_by(Service.title)))


def catalog_service(service_id: int) -> Service | None:
    """A service of the catalog as it may be shown today, or None."""
    return db.session.scalar(visible_services().where(Service.id == service_id))


def add_item(staff, plan: CarePlan, clean: ItemInput) -> PlanItem:
    """A service on a plan still being agreed: from the catalog (its title and provider), or
    written in by hand."""
    check_staff(staff)
    _items_editable(plan)
    title, provider_name = clean.title, clean.provider_name
    if clean.service_id is not None:
        service = catalog_service(clean.service_id)
        if service is None:
            raise InvalidInput({"service_id": [_("Scegli un servizio del catalogo dall'elenco.")]})
        title, provider_name = service.title, service.provider_name
    item = PlanItem(
        service_id=clean.service_id,
        title=title,
        provider_name=provider_name,
        frequency=clean.frequency,
        cost=clean.cost,
        funding=clean.funding.value,
    )
    plan.items.append(item)
    db.session.flush()
    audit_change(plan, f"item {item.id} added")
    return item


def remove_item(staff, plan: CarePlan, item_id: int) -> None:
    """Take an item off a plan still being agreed (one already requested stays)."""
    check_staff(staff)
    _items_editable(plan)
    item = next((i for i in plan.items if i.id == item_id), None)
    if item is None:
        raise NotFound(_("Questo servizio non è nel piano."))
    if item.request_id is not None:
        raise Conflict(_("Per questo servizio c'è già una richiesta: non si può togliere."))
    plan.items.remove(item)
    audit_change(plan, f"item {item_id} removed")


def change_status(staff, plan: CarePlan, target: PlanStatus) -> None:
    """Move a plan on, only along the allowed transitions."""
    check_staff(staff)
    current = PlanStatus(plan.status)
    if target not in TRANSITIONS[current]:
        raise Conflict(
            _(
                "Il piano è «%(status)s»: non può passare a «%(target)s».",
                status=forms.STATUSES[current],
                target=forms.STATUSES[target],
            )
        )
    plan.status = target.value
    audit_change(plan, f"status {target.value}")


# -- what citizens see of themselves -------------------------------------------------------------


def my_plan(user, plan_id: int) -> CarePlan:
    """One of the person's own plans; any other id is not found."""
    plan = None
    if 0 < plan_id <= LARGEST_ID:
        plan = db.session.scalar(
            sa.select(CarePlan).where(CarePlan.id == plan_id, CarePlan.citizen_user_id == user.id)
        )
    if plan is None:
        raise NotFound(_("Il piano che cerchi non esiste."))
    return plan


def who_looked(user) -> list[AccessAudit]:
    """Staff reads and changes of the person's intakes, plans and account (a desk registering
    them, printing their sheet, making a new activation code), newest first."""
    kinds = (*RECORD_TYPES, *ACCOUNT_RECORDS)
    rows = [row for kind in kinds for row in accesses(kind, subject_user_id=user.id)]
    return sorted(rows, key=lambda row: row.id, reverse=True)


# -- erasure ---------------------------------------------------------------------------------------


def erase_person(citizen_id: int) -> None:
    """A person deleted their account: their intake interviews go, and their plans lose goals
    and notes and are closed (no more review reminders); the services, costs and who paid stay,
    anonymous, as the district's record of what it funded. The caller commits."""
    db.session.execute(sa.delete(Intake).where(Intake.citizen_user_id == citizen_id))
    for plan in plans_of(citizen_id):
        plan.goals = None
        plan.notes = None
        plan.status = PlanStatus.CLOSED.value
