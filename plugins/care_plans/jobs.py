"""The care-plans plugin's background jobs (found by `condiviso.jobs` in this module)."""

from __future__ import annotations

from typing import Any

from condiviso.plugin_api import job
from plugins.care_plans.reminders import REVIEW_REMINDERS, send_review_reminders


@job(REVIEW_REMINDERS)
def review_reminders(**kwargs: Any) -> None:
    """Remind operators of the current tenant's plans due for review (once per review date)."""
    send_review_reminders()
