"""The vouchers plugin's background jobs (found by `condiviso.jobs` in this module)."""

from __future__ import annotations

from typing import Any

from condiviso.plugin_api import job
from plugins.vouchers.issuing import EXPIRY_JOB, expire_due


@job(EXPIRY_JOB)
def expire(**kwargs: Any) -> None:
    """Vouchers past their validity give back what they have left to their lines."""
    expire_due()
