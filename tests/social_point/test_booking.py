"""Social Points: free slots from hours, closures, operators on duty and bookings; booking rules
with their messages; cancelling and moving; no slot given twice, also under concurrent
requests."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from condiviso.errors import Conflict, InvalidInput
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from condiviso.territory.models import Comune
from plugins.social_point import desks, services
from plugins.social_point.models import Booking, SocialPoint
from tests.districts import comune, provision
from tests.people import make_user

# A Monday well ahead, and "now" on the Friday before it.
MONDAY = date.today() + timedelta(days=14 - date.today().weekday())
TUESDAY = MONDAY + timedelta(days=1)
NOW = datetime.combine(MONDAY - timedelta(days=3), time(10, 0))


def _slot(day: date, hour: int, minute: int = 0) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


@pytest.fixture(scope="module")
def desk(app):
    """A desk open Monday to Friday 9:00-12:00 (30-minute appointments) and Monday afternoon;
    Anna on duty every weekday, Bruno on Mondays only; three citizens."""
    slug = "sportelli"
    provision(
        app,
        slug,
        "Ambito degli sportelli (test)",
        plugins={"social_point": {}},
        comuni=[comune("012127", "Tradate")],
    )
    ids = {
        name: make_user(app, slug, f"{name}@esempio.it", role)
        for name, role in (
            ("anna", "operator"),
            ("bruno", "operator"),
            ("carla", "citizen"),
            ("dario", "citizen"),
            ("elsa", "citizen"),
        )
    }
    with app.app_context(), tenant_context(slug):
        tradate = db.session.scalar(sa.select(Comune.id))
        point = desks.save_point(
            {
                "name": "Social Point di Tradate",
                "comune_id": tradate,
                "address": "Piazza Mazzini 6, Tradate (dato di esempio)",
                "step_free": True,
                "slot_minutes": 30,
                "modes": ["in_person", "phone"],
                "notice_hours": 24,
                "hours": [
                    *({"weekday": d, "opens": "9:00", "closes": "12:00"} for d in range(5)),
                    {"weekday": 0, "opens": "14:30", "closes": "16:00"},
                ],
                "duties": [
                    *({"user_id": ids["anna"], "weekday": d} for d in range(5)),
                    {"user_id": ids["bruno"], "weekday": 0},
                ],
            }
        )
        db.session.commit()
        ids["point"] = point.id
    return slug, ids


def _point(slug_ids) -> SocialPoint:
    return db.session.get(SocialPoint, slug_ids[1]["point"])


@pytest.fixture
def clean_bookings(app, desk):
    yield
    with app.app_context(), tenant_context(desk[0]):
        db.session.execute(sa.delete(Booking))
        db.session.commit()


def test_free_slots_follow_hours_operators_and_closures(app, desk, clean_bookings):
    slug, ids = desk
    with app.app_context(), tenant_context(slug):
        point = _point(desk)
        week = services.free_slots(point, MONDAY, MONDAY + timedelta(days=6), NOW)
        monday = [s for s in week if s.day == MONDAY]
        assert [s.start.strftime("%H:%M") for s in monday] == [
            "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "14:30", "15:00", "15:30",
        ]  # fmt: skip
        assert {s.free for s in monday} == {2}  # Anna and Bruno
        assert {s.free for s in week if s.day == TUESDAY} == {1}
        assert not [s for s in week if s.day.weekday() >= 5]  # closed at weekends

        desks.add_closure(point, MONDAY + timedelta(days=2), "Festa del patrono")
        db.session.commit()
        week = services.free_slots(point, MONDAY, MONDAY + timedelta(days=6), NOW)
        assert not [s for s in week if s.day == MONDAY + timedelta(days=2)]

        # Earlier today's slots are gone.
        at_ten = datetime.combine(MONDAY, time(10, 10))
        today = services.free_slots(point, MONDAY, MONDAY, at_ten)
        assert today[0].start == time(10, 30)

        services.book(point, _slot(MONDAY, 9), "in_person", services.Who(ids["carla"]), now=NOW)
        monday = services.free_slots(point, MONDAY, MONDAY, NOW)
        assert [s.free for s in monday if s.start == time(9, 0)] == [1]


@pytest.mark.parametrize(
    ("slot", "mode", "who", "field"),
    [
        ("domani alle 9", "in_person", {"citizen": "carla"}, "slot"),
        (_slot(MONDAY - timedelta(days=7), 9), "in_person", {"citizen": "carla"}, "slot"),
        (_slot(MONDAY, 9, 15), "in_person", {"citizen": "carla"}, "slot"),  # not a slot
        (_slot(MONDAY, 13), "in_person", {"citizen": "carla"}, "slot"),  # lunch break
        (_slot(MONDAY + timedelta(days=5), 9), "in_person", {"citizen": "carla"}, "slot"),
        (_slot(MONDAY + timedelta(days=200), 9), "in_person", {"citizen": "carla"}, "slot"),
        (_slot(MONDAY, 9), "video", {"citizen": "carla"}, "mode"),  # not offered here
        (_slot(MONDAY, 9), "in_person", {"guest_name": "Ida", "guest_phone": "x"}, "guest_phone"),
        (_slot(MONDAY, 9), "in_person", {"guest_phone": "0331 000 000"}, "guest_name"),
    ],
)
def test_bad_bookings_are_refused_with_a_reason(app, desk, slot, mode, who, field):
    slug, ids = desk
    person = services.Who(
        ids.get(who.get("citizen")), who.get("guest_name"), who.get("guest_phone")
    )
    with app.app_context(), tenant_context(slug):
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Booking))
        with pytest.raises(InvalidInput) as refused:
            services.book(_point(desk), slot, mode, person, now=NOW)
        assert field in refused.value.errors
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == before


def test_a_closed_day_and_a_taken_slot_are_refused(app, desk, clean_bookings):
    slug, ids = desk
    tuesday_nine = _slot(TUESDAY, 9)
    with app.app_context(), tenant_context(slug):
        point = _point(desk)
        desks.add_closure(point, MONDAY + timedelta(days=3), "Chiuso per trasloco")
        db.session.commit()
        with pytest.raises(InvalidInput) as closed:
            services.book(
                point, _slot(MONDAY + timedelta(days=3), 9), "phone", services.Who(ids["carla"]),
                now=NOW,
            )  # fmt: skip
        assert "chiuso" in closed.value.errors["slot"][0]

        first = services.book(point, tuesday_nine, "phone", services.Who(ids["carla"]), now=NOW)
        assert first.operator_user_id == ids["anna"]
        with pytest.raises(Conflict, match="appena stato prenotato"):
            services.book(point, tuesday_nine, "phone", services.Who(ids["dario"]), now=NOW)
        guest = services.Who(None, "Ida Bianchi", "+39 0331 000 000")
        with pytest.raises(Conflict):
            services.book(point, tuesday_nine, "in_person", guest, now=NOW)
        # Carla already has an appointment at 9 on Tuesday, at this desk or any other.
        monday_nine = _slot(MONDAY, 9)
        services.book(point, monday_nine, "phone", services.Who(ids["carla"]), now=NOW)
        with pytest.raises(Conflict, match="Hai già un appuntamento"):
            services.book(point, monday_nine, "phone", services.Who(ids["carla"]), now=NOW)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking)) == 2


def test_staff_book_for_a_citizen_they_name_by_e_mail(app, desk, clean_bookings):
    slug, ids = desk
    with app.app_context(), tenant_context(slug):
        point = _point(desk)
        nobody = services.Who(contact="nessuno@esempio.it")
        with pytest.raises(InvalidInput) as unknown:
            services.book(point, _slot(TUESDAY, 9), "phone", nobody, now=NOW)
        assert set(unknown.value.errors) == {"citizen_contact"}
        dario = services.Who(contact="Dario@Esempio.it", guest_name="ignorato")
        booking = services.book(
            point, _slot(TUESDAY, 9), "phone", dario, booked_by=ids["anna"], now=NOW
        )
        assert (booking.citizen_user_id, booking.guest_name) == (ids["dario"], None)


def test_cancel_and_move_up_to_the_notice(app, desk, clean_bookings):
    slug, ids = desk
    with app.app_context(), tenant_context(slug):
        point = _point(desk)
        booking = services.book(
            point, _slot(TUESDAY, 10), "in_person", services.Who(ids["elsa"]), now=NOW
        )
        booking_id = booking.id
        late = datetime.combine(TUESDAY, time(8, 0))
        with pytest.raises(Conflict, match="meno di 24 ore"):
            services.cancel(booking, now=late)
        with pytest.raises(Conflict, match="meno di 24 ore"):
            services.move(booking, _slot(TUESDAY, 11), now=late)

        # A move to a taken slot keeps the old appointment.
        services.book(point, _slot(TUESDAY, 11), "phone", services.Who(ids["dario"]), now=NOW)
        with pytest.raises(Conflict):
            services.move(db.session.get(Booking, booking_id), _slot(TUESDAY, 11), now=NOW)
        assert db.session.get(Booking, booking_id).status == "booked"

        moved = services.move(db.session.get(Booking, booking_id), _slot(TUESDAY, 9), now=NOW)
        assert (moved.start, moved.status) == (time(9, 0), "booked")
        assert db.session.get(Booking, booking_id).status == "cancelled"
        free_at_ten = services.free_slots(point, TUESDAY, TUESDAY, NOW)
        assert time(10, 0) in {s.start for s in free_at_ten}

        services.cancel(moved, now=NOW)
        assert moved.status == "cancelled" and moved.cancelled_at is not None
        with pytest.raises(Conflict):
            services.cancel(moved, now=NOW)


def test_the_last_slot_booked_at_once_by_many_goes_to_one(app, desk, clean_bookings):
    """Four people (as many as a worker's connections to a district) book Tuesday 11:30, with
    one operator on duty, at the same moment, each in a thread of its own with its own
    connection: exactly one gets it, the others are told."""
    slug = desk[0]
    citizens = [
        make_user(app, slug, f"corsa{n}-{MONDAY.isoformat()}@esempio.it", "citizen")
        for n in range(4)
    ]
    start = threading.Barrier(len(citizens))
    outcomes: list[str] = []

    def attempt(citizen_id: int) -> None:
        with app.app_context(), tenant_context(slug):
            point = _point(desk)
            start.wait()
            try:
                services.book(
                    point, _slot(TUESDAY, 11, 30), "phone", services.Who(citizen_id), now=NOW
                )
                outcomes.append("booked")
            except Conflict as refused:
                outcomes.append(refused.message)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("booked") == 1, outcomes
    assert len(outcomes) == len(citizens)
    assert all("appena stato prenotato" in o for o in outcomes if o != "booked")
    with app.app_context(), tenant_context(slug):
        held = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Booking)
            .where(Booking.day == TUESDAY, Booking.start == time(11, 30))
        )
    assert held == 1


def test_desk_settings_are_checked(app, desk):
    slug, ids = desk
    with app.app_context(), tenant_context(slug):
        tradate = db.session.scalar(sa.select(Comune.id))
        with pytest.raises(InvalidInput) as refused:
            desks.save_point(
                {
                    "name": "Social Point di Tradate",  # taken
                    "comune_id": 999999,
                    "address": "",
                    "slot_minutes": 7,
                    "modes": ["telepathy"],
                    "notice_hours": -1,
                    "hours": [
                        {"weekday": 1, "opens": "12:00", "closes": "9:00"},
                        {"weekday": 2, "opens": "9:00", "closes": "12:00"},
                        {"weekday": 2, "opens": "11:00", "closes": "13:00"},
                        {"weekday": 9, "opens": "9:00", "closes": "10:00"},
                    ],
                    "duties": [{"user_id": ids["carla"], "weekday": 1}],  # not an operator
                }
            )
        assert set(refused.value.errors) >= {
            "name", "comune_id", "address", "slot_minutes", "modes", "notice_hours",
            "hours.0.closes", "hours.2", "hours.3.weekday", "duties.0",
        }  # fmt: skip
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SocialPoint)) == 1
        assert tradate


def test_an_operator_busy_at_another_desk_is_busy_here(app, desk, clean_bookings):
    slug, ids = desk
    with app.app_context(), tenant_context(slug):
        point = _point(desk)
        other = desks.save_point(
            {
                "name": "Social Point di Venegono (esempio)",
                "comune_id": point.comune_id,
                "address": "Via Roma 1, Venegono (dato di esempio)",
                "modes": ["phone"],
                "hours": [{"weekday": 1, "opens": "9:00", "closes": "12:00"}],
                "duties": [{"user_id": ids["anna"], "weekday": 1}],
            }
        )
        db.session.commit()
        services.book(other, _slot(TUESDAY, 10), "phone", services.Who(ids["carla"]), now=NOW)
        here = services.free_slots(point, TUESDAY, TUESDAY, NOW)
        assert time(10, 0) not in {s.start for s in here}
        with pytest.raises(Conflict, match="appena stato prenotato"):
            services.book(point, _slot(TUESDAY, 10), "phone", services.Who(ids["dario"]), now=NOW)
        db.session.execute(sa.delete(Booking))
        db.session.delete(other)
        db.session.commit()
