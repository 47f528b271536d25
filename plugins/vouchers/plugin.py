"""Social vouchers: budget lines per funder, fund and year; vouchers for families; deliveries by
the accredited cooperatives; monthly statements the comuni pay."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from condiviso.plugin_api import NavEntry, Role, TenantInfo, hookimpl
from plugins.vouchers import (  # noqa: F401  (their routes)
    citizen_views,
    cooperative_views,
    report_views,
    statement_views,
)
from plugins.vouchers.access import DESK_STAFF, MONEY_STAFF
from plugins.vouchers.definition import import_budget, validate_definition
from plugins.vouchers.issuing import EXPIRY_JOB
from plugins.vouchers.models import (
    BudgetLine,
    Choice,
    Delivery,
    Dispute,
    Fund,
    Statement,
    Voucher,
)
from plugins.vouchers.views import blueprint


@hookimpl
def condiviso_requires():
    return ["wallet", "cooperatives", "catalog"]


@hookimpl
def condiviso_blueprint():
    return blueprint


@hookimpl
def condiviso_tenant_models():
    return [Fund, BudgetLine, Voucher, Choice, Delivery, Dispute, Statement]


@hookimpl
def condiviso_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def condiviso_validate_definition(definition: Mapping[str, Any], source_dir: Path):
    """Problems of the budget file the definition names, before anything changes."""
    return validate_definition(definition, source_dir) or None


@hookimpl
def condiviso_import_definition(tenant: TenantInfo, section: Mapping[str, Any], source_dir: Path):
    """The funds, budget lines, vouchers and deliveries of the budget file; no settings."""
    import_budget(tenant, section, source_dir)
    return None


@hookimpl
def condiviso_navigation(tenant: TenantInfo):
    return [
        NavEntry(
            _("Il mio borsellino"), "vouchers.wallet", order=27, roles=frozenset({Role.CITIZEN})
        )
    ]


@hookimpl
def condiviso_admin_pages(tenant: TenantInfo):
    return [
        NavEntry(
            _("Bilancio e voucher sociali"),
            "vouchers.budget",
            order=20,
            roles=frozenset(MONEY_STAFF),
            description=_(
                "Le voci di bilancio per fondo e anno, i voucher emessi, spesi e scaduti."
            ),
        ),
        NavEntry(
            _("Fondi dei voucher"),
            "vouchers.funds",
            order=21,
            roles=frozenset({Role.DISTRICT_ADMIN}),
            description=_("L'elenco dei fondi da cui le voci di bilancio attingono."),
        ),
        NavEntry(
            _("Voucher di una persona"),
            "vouchers.person_vouchers",
            order=22,
            roles=frozenset(DESK_STAFF),
            description=_("Trova i voucher di una persona e stampali allo sportello."),
        ),
        NavEntry(
            _("Rendiconti delle cooperative"),
            "vouchers.statements_list",
            order=24,
            roles=frozenset({*MONEY_STAFF, Role.COOPERATIVE_STAFF}),
            description=_(
                "Ogni mese, per cooperativa e comune, le prestazioni da pagare e quelle pagate."
            ),
        ),
        NavEntry(
            _("Voucher da erogare"),
            "vouchers.cooperative",
            order=23,
            roles=frozenset({Role.COOPERATIVE_STAFF}),
            description=_(
                "I voucher che le famiglie hanno portato alla cooperativa e le prestazioni."
            ),
        ),
    ]


@hookimpl
def condiviso_record_actions(tenant: TenantInfo, record_type: str, record):
    """A care plan's item paid by voucher offers comune staff to issue it."""
    from plugins.care_plans.models import Funding

    if record_type != "care_plans.item" or record.funding != Funding.VOUCHER.value:
        return None
    return [
        NavEntry(
            _("Emetti voucher"),
            url=url_for("vouchers.issue", piano=record.id),
            roles=frozenset(MONEY_STAFF),
        )
    ]


@hookimpl
def condiviso_periodic_jobs(tenant: TenantInfo):
    """Expiry runs on every tick; it releases each voucher once."""
    return [EXPIRY_JOB]


@hookimpl
def condiviso_account_erased(tenant: TenantInfo, user):
    from plugins.vouchers.erasure import erase_person

    erase_person(user.id)
