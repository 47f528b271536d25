"""Care plans: intake conversations and personalised plans, built by operators with citizens."""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _

from condiviso.plugin_api import NavEntry, Role, TenantInfo, hookimpl
from plugins.care_plans import citizen_views  # noqa: F401  (registers the citizen's pages)
from plugins.care_plans.models import CarePlan, Intake, PlanItem
from plugins.care_plans.reminders import REVIEW_REMINDERS
from plugins.care_plans.schemas import CarePlansSettings
from plugins.care_plans.services import CARE_STAFF
from plugins.care_plans.views import blueprint


@hookimpl
def condiviso_requires():
    return ["catalog", "requests"]


@hookimpl
def condiviso_blueprint():
    return blueprint


@hookimpl
def condiviso_tenant_models():
    return [Intake, CarePlan, PlanItem]


@hookimpl
def condiviso_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def condiviso_settings_schema():
    return CarePlansSettings


@hookimpl
def condiviso_navigation(tenant: TenantInfo):
    return [
        NavEntry(
            _("Il mio piano"), "care_plans.my_plans", order=25, roles=frozenset({Role.CITIZEN})
        )
    ]


@hookimpl
def condiviso_admin_pages(tenant: TenantInfo):
    return [
        NavEntry(
            _("Colloqui e piani personalizzati"),
            "care_plans.search",
            order=15,
            roles=frozenset(CARE_STAFF),
            description=_(
                "Cerca la persona, registra il colloquio e costruisci con lei il piano dei servizi."
            ),
        )
    ]


@hookimpl
def condiviso_periodic_jobs(tenant: TenantInfo):
    """The review reminder runs on every clock tick; it sends each reminder once."""
    return [REVIEW_REMINDERS]


@hookimpl
def condiviso_account_erased(tenant: TenantInfo, user):
    from plugins.care_plans.services import erase_person

    erase_person(user.id)
