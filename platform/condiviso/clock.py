"""The one clock: now in UTC for what is stored, and the district's own day and wall clock for
what people read (a desk's opening hours, a validity date). Europe/Rome unless `TIMEZONE` says
otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """Now, aware, in UTC: what timestamps are stored as."""
    return datetime.now(UTC)


def district_zone() -> ZoneInfo:
    """The districts' time zone (`TIMEZONE`, Europe/Rome unless configured): their days and
    their desks' opening hours are counted in it."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def today() -> date:
    """Today where the district is."""
    return datetime.now(district_zone()).date()


def local_now() -> datetime:
    """Now on the district's wall clock, without a time zone (slots are wall-clock times)."""
    return datetime.now(district_zone()).replace(tzinfo=None)
