"""Malformed, oversized and hostile data posted to every form of the Social Points, as the
district admin, the operator, a citizen and a guest: never a 500, and invalid data changes
nothing."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso import clock
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from plugins.social_point import desks, services
from plugins.social_point.models import Booking, Closure, Duty, OpeningHours, SocialPoint
from tests.accounts.flows import post_form, unique_email
from tests.clients import HostClient
from tests.conftest import PLATFORM_DOMAIN
from tests.districts import comune, provision
from tests.hostile import post_hostile
from tests.people import PASSWORD, make_user
from tests.social_point.fixtures import desk_open_every_day

SLUG = "sportelli-ostili"
BUTTON = object()


def _rows(app):
    with app.app_context(), tenant_context(SLUG):
        return [
            sorted(tuple(row) for row in db.session.execute(sa.select(model.__table__)))
            for model in (SocialPoint, OpeningHours, Closure, Duty, Booking)
        ]


def test_no_social_point_form_answers_500_or_changes_anything(app):
    provision(
        app,
        SLUG,
        "Ambito di prova (Social Point ostili)",
        plugins={"social_point": {}},
        comuni=[comune("012127", "Tradate")],
    )
    emails = {
        role: unique_email(role.replace("_", "-"))
        for role in ("district_admin", "operator", "citizen")
    }
    ids = {role: make_user(app, SLUG, email, role) for role, email in emails.items()}
    point_id = desk_open_every_day(app, SLUG, ids["operator"])
    with app.app_context(), tenant_context(SLUG):
        point = db.session.get(SocialPoint, point_id)
        desks.add_closure(point, clock.local_now().date().replace(year=2099), "Chiuso")
        booking = services.book(point, _next_slot(point), "phone", services.Who(ids["citizen"]))
        guest = services.book(
            point, _next_slot(point), "phone", services.Who(None, "Ospite", "333 1234567")
        )
        db.session.commit()
        booking_id, guest_id, token = booking.id, guest.id, guest.guest_token
    slot = _slot_key(app, point_id)
    forms = {
        "district_admin": [
            ("/admin/social-point/nuovo", None),
            (f"/admin/social-point/{point_id}", None),
            (f"/admin/social-point/{point_id}/chiusure", f"/admin/social-point/{point_id}"),
            (
                f"/admin/social-point/{point_id}/chiusure/1/elimina",
                f"/admin/social-point/{point_id}",
            ),
            ("/admin/social-point/99999999999999999999", None),
        ],
        "operator": [
            (
                f"/social-point/{point_id}/prenota",
                f"/social-point/{point_id}/prenota?orario={slot}",
            ),
            ("/operatore/giornata/accesso", "/operatore/giornata"),
            (f"/operatore/appuntamenti/{booking_id}", "/operatore/giornata"),
        ],
        "citizen": [
            (
                f"/social-point/{point_id}/prenota",
                f"/social-point/{point_id}/prenota?orario={slot}",
            ),
            (
                f"/i-miei-appuntamenti/{booking_id}/sposta",
                f"/i-miei-appuntamenti/{booking_id}/sposta?orario={slot}",
            ),
            (f"/i-miei-appuntamenti/{booking_id}", BUTTON),
        ],
        "guest": [
            (
                f"/social-point/{point_id}/prenota",
                f"/social-point/{point_id}/prenota?orario={slot}",
            ),
            (
                f"/appuntamenti/{guest_id}/{token}/sposta",
                f"/appuntamenti/{guest_id}/{token}/sposta?orario={slot}",
            ),
            (f"/appuntamenti/{guest_id}/{token}", BUTTON),
        ],
    }
    posted = 0
    for who, paths in forms.items():
        client = HostClient(app, f"{SLUG}.{PLATFORM_DOMAIN}")
        if who != "guest":
            assert (
                post_form(
                    client, "/accedi", {"email": emails[who], "password": PASSWORD}
                ).status_code
                == 302
            )
        for path, page in paths:
            if page is BUTTON:  # the cancel button of an appointment: it acts on its token
                posted += post_hostile(client, path, lambda: _rows(app), button=True)
            else:
                posted += post_hostile(client, path, lambda: _rows(app), page)
    assert posted > 100


def _next_slot(point) -> str:
    today = clock.local_now().date()
    from datetime import timedelta

    return services.free_slots(point, today + timedelta(days=3), today + timedelta(days=9))[0].key


def _slot_key(app, point_id) -> str:
    with app.app_context(), tenant_context(SLUG):
        return _next_slot(db.session.get(SocialPoint, point_id))
