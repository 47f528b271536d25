"""The Social Points' background work: the reminder the day before each appointment."""

from __future__ import annotations

from condiviso.plugin_api import job
from plugins.social_point import notices


@job("social_point.send_reminders")
def send_reminders() -> None:
    """Remind tomorrow's appointments (each once: see `notices.send_reminders`)."""
    notices.send_reminders()
