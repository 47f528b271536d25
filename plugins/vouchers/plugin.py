"""Social vouchers: budget lines per funder, fund and year; vouchers for families; deliveries by
the accredited cooperatives; monthly statements the comuni pay."""

from __future__ import annotations

from pathlib import Path

from condiviso.plugin_api import TenantInfo, hookimpl
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
def condiviso_periodic_jobs(tenant: TenantInfo):
    """Expiry runs on every tick; it releases each voucher once."""
    return [EXPIRY_JOB]


@hookimpl
def condiviso_account_erased(tenant: TenantInfo, user):
    from plugins.vouchers.erasure import erase_person

    erase_person(user.id)
