"""The wallet plugin's background jobs (found by `condiviso.jobs` in this module)."""

from __future__ import annotations

import logging
from typing import Any

from condiviso.plugin_api import current_tenant, job
from plugins.wallet.checking import CHECK_JOB, problems

log = logging.getLogger(__name__)


class LedgerBroken(RuntimeError):
    """The ledger's check found problems: the job fails, loudly, with the list."""


@job(CHECK_JOB)
def check(**kwargs: Any) -> None:
    """Check the current district's ledger; fail (logged, retried, seen) if anything is wrong."""
    found = problems()
    if found:
        log.error("ledger of %s: %d problems", current_tenant().slug, len(found))
        raise LedgerBroken("; ".join(found[:20]))
