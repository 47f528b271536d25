"""The booking benchmark: free slots of busy desks, and a rush on the last slots.

Run it from anywhere in the repository with

    scripts/bench booking

It needs PostgreSQL and Redis (see common.py) and takes about a minute. It works in
`.bench/booking/` and in the `condiviso_bench_*` databases (removed at the start and at the end).

One district on PostgreSQL with 10 Social Points (open Monday to Friday 9:00-12:00 and
14:00-17:00, 30-minute appointments, 3 operators on duty a day) and 2,000 appointments already
booked over the next month.

1. p95 of the free-slot computation of one desk for the coming month (`free_slots`, the
   function the booking pages call), over every desk and 30 rounds;
2. 50 bookings at the same moment (50 threads, each with its own database connection, released
   together by a barrier) for the same 5 slots, each slot with one operator: exactly 5 must
   succeed and the 45 others get the "slot taken" answer.
"""

from __future__ import annotations

import contextlib
import random
import shutil
import signal
import statistics
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from common import (
    BenchError,
    Figure,
    check_postgresql_and_redis,
    clear_redis,
    close_app,
    deployment_settings,
    drop_bench_databases,
    open_app,
    print_summary,
    say,
)
from flask import Flask

from condiviso.accounts.models import RoleGrant, User
from condiviso.errors import Conflict
from condiviso.extensions import db
from condiviso.tenancy import services as registry
from condiviso.tenancy import tenant_context
from condiviso.territory.services import sync_comuni
from plugins.social_point import desks, services
from plugins.social_point.models import Booking, SocialPoint

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = ROOT / ".bench" / "booking"
TENANT = "sportelli"
ACTOR = "bench:booking"
SEED = 20261125

POINTS = 10
OPERATORS_PER_POINT = 3
BOOKINGS = 2_000
DAYS = 31
ROUNDS = 30
RUSH = 50
RUSH_SLOTS = 5
TARGET_MS = 50.0


def monday_after(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def build(app: Flask) -> dict[str, object]:
    """The district, its desks and operators, and BOOKINGS appointments over the next month."""
    rng = random.Random(SEED)
    with app.app_context():
        registry.provision_tenant(TENANT, "Ambito degli sportelli (benchmark)", ACTOR)
        registry.set_plugin(TENANT, "social_point", ACTOR, True, {})
        with tenant_context(TENANT):
            sync_comuni(
                [
                    {
                        "istat_code": "012127",
                        "name": "Tradate",
                        "cadastral_code": "L319",
                        "postal_code": "21049",
                        "population": 17729,
                        "is_lead": True,
                    }
                ]
            )
            db.session.commit()
            comune_id = db.session.scalar(sa.text("SELECT id FROM comune"))
            people = []
            for n in range(POINTS * OPERATORS_PER_POINT + BOOKINGS + RUSH):
                role = "operator" if n < POINTS * OPERATORS_PER_POINT else "citizen"
                user = User(email=f"persona{n}@esempio.example.org", full_name=f"Persona {n}")
                user.grants.append(RoleGrant(role=role))
                people.append(user)
            db.session.add_all(people)
            db.session.flush()
            operators = [u.id for u in people[: POINTS * OPERATORS_PER_POINT]]
            citizens = [u.id for u in people[POINTS * OPERATORS_PER_POINT :]]
            hours = [
                {"weekday": d, "opens": opens, "closes": closes}
                for d in range(5)
                for opens, closes in (("9:00", "12:00"), ("14:00", "17:00"))
            ]
            points = []
            for number in range(POINTS):
                staff = operators[number * OPERATORS_PER_POINT : (number + 1) * OPERATORS_PER_POINT]
                point = desks.save_point(
                    {
                        "name": f"Social Point {number + 1} (esempio)",
                        "comune_id": comune_id,
                        "address": f"Via di esempio {number + 1}, Tradate",
                        "slot_minutes": 30,
                        "modes": ["in_person", "phone", "video"],
                        "hours": hours,
                        "duties": [{"user_id": u, "weekday": d} for u in staff for d in range(5)],
                    }
                )
                points.append(point)
            db.session.commit()
            first = monday_after(date.today())
            rows, held = [], set()
            while len(rows) < BOOKINGS:
                point = rng.choice(points)
                day = first + timedelta(days=rng.randrange(DAYS))
                if day.weekday() >= 5:
                    continue
                start = rng.choice(
                    [s for o in point.hours for s in services._starts(o.opens, o.closes, 30)]
                )
                operator = rng.choice([d.user_id for d in point.duties])
                if (operator, day, start) in held:
                    continue
                held.add((operator, day, start))
                rows.append(
                    {
                        "point_id": point.id,
                        "operator_user_id": operator,
                        "day": day,
                        "start": start,
                        "minutes": 30,
                        "mode": "in_person",
                        "citizen_user_id": citizens[len(rows)],
                        "walk_in": False,
                        "status": "booked",
                        "created_at": datetime.now().astimezone(),
                    }
                )
            db.session.execute(sa.insert(Booking.__table__), rows)
            db.session.commit()
            rusher = User(email="operatore.corsa@esempio.example.org", full_name="Operatore")
            rusher.grants.append(RoleGrant(role="operator"))
            db.session.add(rusher)
            db.session.commit()
            # The rush's operator has no other appointment: the 5 slots are all free.
            return {"first": first, "citizens": citizens[BOOKINGS:], "operator": rusher.id}


def time_free_slots(app: Flask, first: date) -> list[float]:
    samples = []
    with app.app_context(), tenant_context(TENANT):
        points = db.session.scalars(sa.select(SocialPoint.id)).all()
        now = datetime.combine(first - timedelta(days=3), datetime.min.time())
        for round_number in range(ROUNDS + 2):
            for point_id in points:
                db.session.expire_all()  # every call reads the desk afresh, as a page would
                started = time.perf_counter()
                point = db.session.get(SocialPoint, point_id)
                slots = services.free_slots(point, first, first + timedelta(days=DAYS - 1), now)
                elapsed = (time.perf_counter() - started) * 1000
                if not slots:
                    raise BenchError(f"no free slot at desk {point_id}")
                if round_number >= 2:
                    samples.append(elapsed)
    return samples


def rush(app: Flask, first: date, citizens: list[int], operator: int) -> tuple[int, int, int]:
    """RUSH threads book RUSH_SLOTS slots that one operator holds: (booked, told, other)."""
    with app.app_context(), tenant_context(TENANT):
        point = desks.save_point(
            {
                "name": "Social Point della corsa (esempio)",
                "comune_id": db.session.scalar(sa.text("SELECT id FROM comune")),
                "address": "Via della corsa 1, Tradate",
                "slot_minutes": 30,
                "modes": ["phone"],
                "hours": [{"weekday": 0, "opens": "9:00", "closes": "11:30"}],
                "duties": [{"user_id": operator, "weekday": 0}],
            }
        )
        db.session.commit()
        point_id = point.id
    slots = [f"{first.isoformat()}T{9 + n // 2:02d}:{30 * (n % 2):02d}" for n in range(RUSH_SLOTS)]
    now = datetime.combine(first - timedelta(days=3), datetime.min.time())
    barrier = threading.Barrier(RUSH)
    outcomes: list[str] = []

    def attempt(number: int) -> None:
        with app.app_context(), tenant_context(TENANT):
            point = db.session.get(SocialPoint, point_id)
            db.session.connection()  # each thread holds its own connection before the start
            barrier.wait()
            try:
                services.book(
                    point, slots[number % RUSH_SLOTS], "phone", services.Who(citizens[number]),
                    now=now,
                )  # fmt: skip
                outcomes.append("booked")
            except Conflict as refused:
                outcomes.append("told" if "appena stato prenotato" in refused.message else "other")
            except Exception as error:
                outcomes.append(f"other: {error}")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(RUSH)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    others = [o for o in outcomes if o.startswith("other")]
    if others:
        say(f"  unexpected outcomes: {others[:3]}")
    return outcomes.count("booked"), outcomes.count("told"), RUSH - len(outcomes) + len(others)


def main() -> int:
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    say(f"Condiviso booking benchmark: {POINTS} desks, {BOOKINGS} appointments; work folder {WORK}")
    try:
        check_postgresql_and_redis()
        shutil.rmtree(WORK, ignore_errors=True)
        WORK.mkdir(parents=True)
        settings = deployment_settings(WORK / "postgresql", "postgresql")
        # Room for the rush: one connection per thread.
        app = open_app({**settings, "TENANT_POOL_OVERFLOW": str(RUSH + 5)})
        try:
            say("\nbuilding the district")
            built = build(app)
            say(
                f"\n[1] free slots of one desk for {DAYS} days, {ROUNDS} rounds over {POINTS} desks"
            )
            samples = time_free_slots(app, built["first"])
            p95 = statistics.quantiles(samples, n=100, method="inclusive")[94]
            say(
                f"  p50 {statistics.median(samples):.2f} ms, p95 {p95:.2f} ms, "
                f"max {max(samples):.2f} ms"
            )
            say(f"\n[2] {RUSH} bookings at once for the same {RUSH_SLOTS} slots")
            booked, told, other = rush(app, built["first"], built["citizens"], built["operator"])
            say(f"  booked {booked}, told the slot was taken {told}, anything else {other}")
        finally:
            close_app(app)
        figures = [
            Figure(
                "free slots, one desk, a month: p95", f"{p95:.1f} ms", "< 50 ms", p95 < TARGET_MS
            ),
            Figure(
                f"{RUSH} bookings for {RUSH_SLOTS} slots",
                f"{booked} booked, {told} told",
                f"{RUSH_SLOTS} booked",
                booked == RUSH_SLOTS and told == RUSH - RUSH_SLOTS and other == 0,
            ),
        ]
    except BenchError as error:
        say(f"\nbenchmark failed: {error}")
        return 1
    except KeyboardInterrupt:
        say("\ninterrupted: benchmark databases dropped")
        return 130
    finally:
        with contextlib.suppress(Exception):
            drop_bench_databases()
        with contextlib.suppress(Exception):
            clear_redis()
    print_summary(figures, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
