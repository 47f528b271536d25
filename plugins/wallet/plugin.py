"""The wallet: the district's double-entry ledger, on which vouchers, company credit and card
payments move money (decision 0024)."""

from __future__ import annotations

from pathlib import Path

from condiviso.plugin_api import TenantInfo, hookimpl
from plugins.wallet.checking import CHECK_JOB
from plugins.wallet.cli import wallet_cli
from plugins.wallet.models import Account, Entry, Transaction


@hookimpl
def condiviso_tenant_models():
    return [Account, Transaction, Entry]


@hookimpl
def condiviso_migrations():
    return Path(__file__).parent / "migrations"


@hookimpl
def condiviso_commands():
    return [wallet_cli]


@hookimpl
def condiviso_periodic_jobs(tenant: TenantInfo):
    """The ledger is checked on every tick of the job clock (a few indexed sums)."""
    return [CHECK_JOB]
