"""The booking benchmark: free slots of busy desks, and a rush on the last slots.

Run it from anywhere in the repository with

    scripts/bench booking

It needs PostgreSQL and Redis (see common.py) and takes about a minute. It works in
`.bench/booking/` and in the `condiviso_bench_*` databases (removed at the start and at the end).

One district on PostgreSQL with 10 Social Points (open Monday to Friday 9:00-12:00 and
14:00-17:00, 30-minute appointments, 3 operators on duty a day) and 2,000 appointments already
booked over the next month.

1. p95 of the free-slot computation of one desk for the coming month (`free_slots`, the
   function the booking pages call), over every desk and 30 rounds; and, for reference, p95 of
   the desk's page of free times (a week) served by the whole app in-process with production
   settings, as a guest;
2. 50 citizens, each signed in through the real form in their own client, send the booking
   form at the same moment (50 threads released together by a barrier, each request with its
   own database connection) for the same 5 slots, each slot with one operator: exactly 5 must
   be booked and the 45 others must get the page saying the slot was just taken.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from common import (
    DOMAIN,
    TRADATE,
    BenchError,
    Figure,
    check_postgresql_and_redis,
    clear_redis,
    close_app,
    csrf_token,
    deployment_settings,
    drop_bench_databases,
    open_app,
    print_summary,
    say,
    signed_in_client,
)
from flask import Flask

from condiviso.accounts.models import RoleGrant, User
from condiviso.accounts.passwords import hash_password
from condiviso.districts import provisioning
from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import tenant_context
from condiviso.territory.services import sync_comuni
from plugins.social_point import desks, services
from plugins.social_point.models import Booking, SocialPoint

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = ROOT / ".bench" / "booking"
TENANT = "sportelli"
HOST = f"{TENANT}.{DOMAIN}"
PASSWORD = "una frase lunga per il benchmark"
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
        provisioning.provision_tenant(TENANT, "Ambito degli sportelli (benchmark)", ACTOR)
        enablement.set_plugin(TENANT, "social_point", ACTOR, True, {})
        with tenant_context(TENANT):
            sync_comuni([TRADATE])
            db.session.commit()
            comune_id = db.session.scalar(sa.text("SELECT id FROM comune"))
            people = []
            password_hash = hash_password(PASSWORD)
            for n in range(POINTS * OPERATORS_PER_POINT + BOOKINGS + RUSH):
                role = "operator" if n < POINTS * OPERATORS_PER_POINT else "citizen"
                user = User(email=f"persona{n}@esempio.example.org", full_name=f"Persona {n}")
                if n >= POINTS * OPERATORS_PER_POINT + BOOKINGS:  # the rush signs in
                    user.password_hash = password_hash
                    user.email_verified_at = datetime.now(UTC)
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
            rush_emails = [
                f"persona{n}@esempio.example.org"
                for n in range(POINTS * OPERATORS_PER_POINT + BOOKINGS, len(people))
            ]
            return {"first": first, "citizens": rush_emails, "operator": rusher.id}


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


def time_desk_page(app: Flask, first: date) -> list[float]:
    """The page of a desk's free times for a week, as a guest sees it, through the whole app."""
    with app.app_context(), tenant_context(TENANT):
        points = db.session.scalars(sa.select(SocialPoint.id)).all()
    client = app.test_client()
    samples = []
    for round_number in range(ROUNDS + 2):
        for point_id in points:
            started = time.perf_counter()
            page = client.get(f"/social-point/{point_id}?dal={first}", base_url=f"https://{HOST}")
            elapsed = (time.perf_counter() - started) * 1000
            if page.status_code != 200 or "slot-list" not in page.text:
                raise BenchError(f"desk {point_id} page: {page.status_code}, or no free time")
            if round_number >= 2:
                samples.append(elapsed)
    return samples


def rush(app: Flask, first: date, emails: list[str], operator: int) -> tuple[int, int, int]:
    """RUSH citizens send the booking form for RUSH_SLOTS slots that one operator holds, all at
    once: (booked, told the slot was taken, anything else)."""
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
    say(f"  {RUSH} citizens sign in and open the booking form")
    ready = []
    for number, email in enumerate(emails):
        client = signed_in_client(
            app, HOST, email, PASSWORD, f"10.8.{number // 200}.{number % 200 + 1}"
        )
        path = f"/social-point/{point_id}/prenota"
        slot = slots[number % RUSH_SLOTS]
        form = client.get(f"{path}?orario={slot}", base_url=f"https://{HOST}")
        token = csrf_token(form.text)
        if token is None:
            raise BenchError(f"no booking form for {email} ({form.status_code})")
        ready.append((client, path, {"csrf_token": token, "orario": slot, "mode": "phone"}))
    barrier = threading.Barrier(RUSH)
    outcomes: list[str] = []

    def attempt(number: int) -> None:
        client, path, data = ready[number]
        barrier.wait()
        try:
            response = client.post(
                path,
                data=data,
                base_url=f"https://{HOST}",
                headers={"Referer": f"https://{HOST}{path}"},
            )
        except Exception as error:
            outcomes.append(f"other: {error}")
            return
        if response.status_code == 302 and "/i-miei-appuntamenti/" in response.location:
            outcomes.append("booked")
        elif response.status_code == 400 and "appena stato prenotato" in response.text:
            outcomes.append("told")
        else:
            outcomes.append(f"other: {response.status_code}")

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
            say(f"\n[1b] the desk's page of free times for a week, {ROUNDS} rounds, as a guest")
            pages = time_desk_page(app, built["first"])
            page_p95 = statistics.quantiles(pages, n=100, method="inclusive")[94]
            say(f"  p50 {statistics.median(pages):.2f} ms, p95 {page_p95:.2f} ms")
            say(f"\n[2] {RUSH} bookings at once for the same {RUSH_SLOTS} slots")
            booked, told, other = rush(app, built["first"], built["citizens"], built["operator"])
            say(f"  booked {booked}, told the slot was taken {told}, anything else {other}")
        finally:
            close_app(app)
        figures = [
            Figure(
                "free slots, one desk, a month: p95", f"{p95:.1f} ms", "< 50 ms", p95 < TARGET_MS
            ),
            Figure("desk page of free times: p95", f"{page_p95:.1f} ms", "(reference)", None),
            Figure(
                f"{RUSH} booking forms sent at once for {RUSH_SLOTS} slots",
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
