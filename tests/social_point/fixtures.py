"""A Social Point open every day, for the tests of the pages and the browser journeys."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from condiviso.territory.models import Comune
from plugins.social_point import desks


def desk_open_every_day(app: Flask, slug: str, operator_id: int) -> int:
    """A desk of the district's first comune, open 9:00-12:00 every day (30-minute
    appointments, 24 hours' notice, in person or by telephone) with the operator on duty every
    day; returns its id."""
    with app.app_context(), tenant_context(slug):
        point = desks.save_point(
            {
                "name": "Social Point di Tradate (esempio)",
                "comune_id": db.session.scalar(sa.select(Comune.id).order_by(Comune.id)),
                "address": "Piazza Mazzini 6",
                "phone": "0331 000000",
                "step_free": True,
                "modes": ["in_person", "phone"],
                "hours": [{"weekday": d, "opens": "9:00", "closes": "12:00"} for d in range(7)],
                "duties": [{"user_id": operator_id, "weekday": d} for d in range(7)],
            }
        )
        db.session.commit()
        return point.id
