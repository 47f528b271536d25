"""Social Points: the district's listening desks and the appointments citizens book there."""

from __future__ import annotations

from pathlib import Path

from condiviso.plugins import hookimpl
from plugins.social_point.models import Booking, Closure, Duty, OpeningHours, SocialPoint


@hookimpl
def condiviso_tenant_models():
    return [SocialPoint, OpeningHours, Closure, Duty, Booking]


@hookimpl
def condiviso_migrations():
    return Path(__file__).parent / "migrations"
