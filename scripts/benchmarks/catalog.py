"""The catalog benchmark: searching a large catalog, and working through a large inbox.

Run it from anywhere in the repository with

    scripts/bench catalog

It needs PostgreSQL and Redis (see common.py) and takes about three minutes on 2 cores. It works
in `.bench/catalog/` (recreated at each run; the query plans stay there afterwards) and in the
`condiviso_bench_*` databases (removed at the start and at the end).

The district is the Tradate sample (`tenants/tradate`: 8 comuni, 14 cooperatives, their
accreditations, 65 services), its catalog grown to 5,000 services by variations of the sample
ones (each keeps its cooperative, category, comuni and accreditation; 92 % published) and
50,000 requests from 2,000 citizens and from guests, spread over two years and every status.

What it measures, in one run, each figure over every case below, as server time: every request
goes through the whole app in this process (host routing, tenant, session, access check,
queries, template) with the deployment's production settings, and the clock stops when the
response body is complete; there is no network and no HTTP client in the figure.

1. PostgreSQL: p95 of the citizen's search (`/servizi?...`): words (plural, accented, typo,
   hyphen), filters (comune, category, provider type, free, delivery), a later page; as a guest
   and as a signed-in citizen (whose comune is the default filter);
2. PostgreSQL: p95 of the staff inbox (`/admin/richieste?...`) of a cooperative's staff member,
   of a comune's staff member and of the district admin (who sees all 50,000), with each filter
   and a late page;
3. SQLite: p95 of the same searches on the same catalog.

Then the `EXPLAIN ANALYZE` plans (PostgreSQL) and `EXPLAIN QUERY PLAN` (SQLite) of the queries
one search and one inbox page run, in `.bench/catalog/plans-<backend>.txt`, the main ones also
printed. It ends with a summary table and exits 0 even when a target fails; 1 only when the
benchmark itself could not run.
"""

from __future__ import annotations

import contextlib
import random
import re
import secrets
import shutil
import signal
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from common import (
    DOMAIN,
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
    signed_in_client,
)
from flask import Flask
from werkzeug.test import Client

from condiviso.accounts.models import RoleGrant, User
from condiviso.accounts.passwords import hash_password
from condiviso.accounts.roles import Role
from condiviso.districts.definitions import apply_definition
from condiviso.extensions import db
from condiviso.tenancy import tenant_context
from condiviso.territory.models import Comune
from plugins.catalog import coverage
from plugins.catalog.models import Service, service_comune
from plugins.catalog.search import rebuild_index
from plugins.cooperatives.models import Category, Cooperative
from plugins.requests.models import Request, Status

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = ROOT / ".bench" / "catalog"
DEFINITION = ROOT / "tenants" / "tradate"
TENANT = "tradate"
HOST = f"{TENANT}.{DOMAIN}"
ACTOR = "bench:catalog"
PASSWORD = "una frase lunga per il benchmark"

SERVICES = 5_000
REQUESTS = 50_000
CITIZENS = 2_000
SEED = 20261125  # the same data set at every run

WARMUP_ROUNDS = 3
ROUNDS = 30  # every case is timed this many times; cases take turns, so drift hits all alike
SEARCH_TARGET_MS = 50.0
INBOX_TARGET_MS = 100.0

# Variations that turn one sample service into many plausible ones.
VARIANTS = [
    "",
    "sede di {comune}",
    "a {comune}",
    "turno serale",
    "il sabato mattina",
    "gruppo del martedì",
    "per famiglie numerose",
    "in estate",
    "percorso breve",
    "con trasporto",
    "per chi lavora",
    "nuova sede",
]


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    who: str  # "guest", or the name of a signed-in person


@dataclass
class Timed:
    case: Case
    milliseconds: list[float]

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.milliseconds, n=100, method="inclusive")[p - 1]


# -- the data set ---------------------------------------------------------------------------------


def grow_catalog(rng: random.Random) -> int:
    """Copies of the sample services until there are SERVICES, indexed and with their coverage
    (as the catalog's own writes keep them); the number indexed."""
    table = Service.__table__
    samples = [dict(row) for row in db.session.execute(sa.select(table)).mappings()]
    comuni_of: dict[int, list[int]] = {}
    for service_id, comune_id in db.session.execute(sa.select(service_comune)):
        comuni_of.setdefault(service_id, []).append(comune_id)
    names = dict(db.session.execute(sa.select(Comune.id, Comune.name)).all())
    now = datetime.now(UTC)
    next_id = max(s["id"] for s in samples) + 1
    services, links = [], []
    for number in range(SERVICES - len(samples)):
        base = samples[number % len(samples)]
        comuni = comuni_of[base["id"]]
        variant = VARIANTS[(number // len(samples)) % len(VARIANTS)].format(
            comune=names[rng.choice(comuni)]
        )
        status = rng.choices(["published", "draft", "unpublished"], [92, 5, 3])[0]
        services.append(
            {
                **base,
                "id": next_id,
                "slug": f"{base['slug']}-{number + 1}"[:80],
                "title": (f"{base['title']} - {variant}" if variant else base["title"])[:120],
                "status": status,
                "created_at": now,
                "updated_at": now,
                "published_at": now if status == "published" else None,
            }
        )
        links += [{"service_id": next_id, "comune_id": c} for c in comuni]
        next_id += 1
    db.session.execute(sa.insert(table), services)
    db.session.execute(sa.insert(service_comune), links)
    count = rebuild_index()
    coverage.refresh()
    db.session.commit()
    return count


def add_people() -> dict[str, int]:
    """Citizens (who sign in: one; the others only ask), and a desk member of each kind."""
    comuni = db.session.scalars(sa.select(Comune.id).order_by(Comune.name)).all()
    now = datetime.now(UTC)
    db.session.execute(
        sa.insert(User.__table__),
        [
            {
                "email": f"cittadino{n}@esempio.example.org",
                "full_name": f"Cittadino di esempio {n}",
                "comune_id": comuni[n % len(comuni)],
                "locale": "it",
                "email_verified_at": now,
                "session_version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(CITIZENS)
        ],
    )
    tradate = db.session.scalar(sa.select(Comune.id).where(Comune.name == "Tradate"))
    busiest = db.session.scalar(
        sa.select(Service.cooperative_id)
        .where(Service.cooperative_id.is_not(None))
        .group_by(Service.cooperative_id)
        .order_by(sa.func.count().desc(), Service.cooperative_id)
        .limit(1)
    )
    staff = {
        "citizen": (Role.CITIZEN, {}),
        "cooperative": (Role.COOPERATIVE_STAFF, {"cooperative_id": busiest}),
        "comune": (Role.COMUNE_STAFF, {"comune_id": tradate}),
        "admin": (Role.DISTRICT_ADMIN, {}),
    }
    for name, (role, scope) in staff.items():
        user = User(
            email=f"{name}@esempio.example.org",
            full_name=f"Persona di esempio ({name})",
            comune_id=tradate,
            password_hash=hash_password(PASSWORD),
            email_verified_at=now,
        )
        user.grants.append(RoleGrant(role=role.value, **scope))
        db.session.add(user)
    db.session.commit()
    return {"tradate": tradate, "cooperative": busiest}


MESSAGES = [
    "Buongiorno, vorrei avere informazioni per mia madre che vive da sola.",
    "Avrei bisogno di un aiuto per qualche ora alla settimana, anche il sabato.",
    "Mio figlio ha 8 anni: è possibile iscriverlo da settembre?",
    "Vorrei sapere i costi e se serve l'ISEE.",
    "Potete richiamarmi? Preferisco parlare al telefono.",
]


def add_requests(rng: random.Random) -> None:
    """REQUESTS requests over two years: 70 % from citizens, the rest from guests."""
    rows = db.session.execute(
        sa.select(Service.id, Service.provider_type, Service.cooperative_id, Service.comune_id)
    ).all()
    asked = [r for r in rows if r.provider_type != "public" or r.comune_id is not None]
    citizens = db.session.scalars(
        sa.select(User.id).where(User.email.like("cittadino%")).order_by(User.id)
    ).all()
    statuses = [s.value for s in Status]
    weights = [10, 10, 15, 55, 5, 5]
    now = datetime.now(UTC)
    batch = []
    for number in range(REQUESTS):
        service = rng.choice(asked)
        public = service.provider_type == "public"
        created = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        status = rng.choices(statuses, weights)[0]
        guest = rng.random() < 0.3
        batch.append(
            {
                "service_id": service.id,
                "cooperative_id": None if public else service.cooperative_id,
                "comune_id": service.comune_id if public else None,
                "requester_user_id": None if guest else rng.choice(citizens),
                "guest_name": f"Ospite di esempio {number}" if guest else None,
                "guest_phone": "+39 0331 000 000" if guest else None,
                "guest_email": None,
                "consent_version": 1 if guest else None,
                "message": rng.choice(MESSAGES),
                "preferred_times": "Mattina",
                "status": status,
                "refusal_reason": "Posti esauriti" if status == "rifiutata" else None,
                "submission_token": secrets.token_urlsafe(24),
                "created_at": created,
                "updated_at": created,
            }
        )
        if len(batch) == 5_000:
            db.session.execute(sa.insert(Request.__table__), batch)
            batch = []
    db.session.commit()


def build_district(app: Flask, with_requests: bool) -> dict[str, int]:
    """The Tradate sample, grown; vacuumed and analysed, as autovacuum does in a live district."""
    rng = random.Random(SEED)
    with app.app_context():
        started = time.perf_counter()
        apply_definition(DEFINITION, ACTOR)
        say(f"  sample district applied in {time.perf_counter() - started:.1f} s")
        with tenant_context(TENANT):
            started = time.perf_counter()
            indexed = grow_catalog(rng)
            say(
                f"  {SERVICES} services stored, the {indexed} published ones indexed, in "
                f"{time.perf_counter() - started:.1f} s"
            )
            ids = add_people()
            if with_requests:
                started = time.perf_counter()
                add_requests(rng)
                say(f"  {REQUESTS} requests stored in {time.perf_counter() - started:.1f} s")
            db.session.commit()
            engine = db.session.get_bind(mapper=Service)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql(
                    "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
                )
            ids["categories"] = len(db.session.scalars(sa.select(Category.id)).all())
            ids["anziani"] = db.session.scalar(
                sa.select(Category.id).where(Category.slug == "anziani")
            )
            ids["cooperatives"] = len(db.session.scalars(sa.select(Cooperative.id)).all())
    return ids


# -- the cases ------------------------------------------------------------------------------------


def search_cases(ids: dict[str, int]) -> list[Case]:
    tradate, anziani = ids["tradate"], ids["anziani"]
    paths = [
        ("one word, plural", "/servizi?q=anziani&comune="),
        ("two words", "/servizi?q=assistenza+domiciliare&comune="),
        ("accent-free", "/servizi?q=disabilita&comune="),
        ("typo", "/servizi?q=assitenza&comune="),
        ("hyphen joined", "/servizi?q=babysitter&comune="),
        ("no match", "/servizi?q=astronave&comune="),
        ("filters only", f"/servizi?comune={tradate}&categoria={anziani}"),
        ("words and every filter", f"/servizi?q=centro&comune={tradate}&tipo=accredited"),
        ("free, at home", "/servizi?comune=&gratuito=1&modalita=at_home"),
        ("later page", "/servizi?q=famiglie&comune=&pagina=5"),
        ("browse everything", "/servizi?comune="),
    ]
    cases = [Case(f"guest: {name}", path, "guest") for name, path in paths]
    cases.append(Case("citizen: own comune by default", "/servizi?q=anziani", "citizen"))
    cases.append(Case("citizen: browse own comune", "/servizi", "citizen"))
    return cases


def inbox_cases(ids: dict[str, int]) -> list[Case]:
    paths = [
        ("everything", "/admin/richieste"),
        ("status", "/admin/richieste?stato=inviata"),
        ("comune", f"/admin/richieste?comune={ids['tradate']}"),
        ("service words", "/admin/richieste?titolo=anziani"),
        ("older than 30 days", "/admin/richieste?giorni=30"),
        ("page 40", "/admin/richieste?pagina=40"),
    ]
    return [
        Case(f"{who}: {name}", path, who)
        for who in ("cooperative", "comune", "admin")
        for name, path in paths
    ]


# -- timing ---------------------------------------------------------------------------------------


def client_for(app: Flask, who: str) -> Client:
    """A client on the district's host, signed in through the real form unless a guest; one per
    person and app."""
    clients = app.extensions.setdefault("bench_clients", {})
    if who in clients:
        return clients[who]
    address = f"10.9.9.{len(clients) + 1}"
    if who == "guest":
        client = app.test_client()
        client.environ_base.update(REMOTE_ADDR=address)
    else:
        client = signed_in_client(app, HOST, f"{who}@esempio.example.org", PASSWORD, address)
    clients[who] = client
    return client


def time_cases(app: Flask, cases: Sequence[Case]) -> list[Timed]:
    clients = {who: client_for(app, who) for who in {c.who for c in cases}}
    timed = {case: Timed(case, []) for case in cases}
    for round_number in range(WARMUP_ROUNDS + ROUNDS):
        for case in cases:
            started = time.perf_counter()
            response = clients[case.who].get(case.path, base_url=f"https://{HOST}")
            body = response.get_data()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200 or not body:
                raise BenchError(f"{case.path} as {case.who}: HTTP {response.status_code}")
            if round_number >= WARMUP_ROUNDS:
                timed[case].milliseconds.append(elapsed)
    return list(timed.values())


def report(title: str, results: Sequence[Timed]) -> list[float]:
    say(f"\n{title}")
    say(f"  {'case':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for result in results:
        say(
            f"  {result.case.name:<44} {result.percentile(50):8.2f} {result.percentile(95):8.2f}"
            f" {max(result.milliseconds):8.2f}"
        )
    return [m for result in results for m in result.milliseconds]


def p95(samples: Sequence[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


def count_results(app: Flask, case: Case) -> str:
    response = client_for(app, case.who).get(case.path, base_url=f"https://{HOST}")
    found = re.search(r"([\d.]+) (?:servizi|richieste)", response.text)
    return found.group(1) if found else "?"


# -- query plans ----------------------------------------------------------------------------------


@contextlib.contextmanager
def recording(app: Flask) -> Iterator[list[tuple[str, object]]]:
    """The SQL statements the app runs on the district's database meanwhile."""
    statements: list[tuple[str, object]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if conn.engine.url.database and TENANT in conn.engine.url.database:
            statements.append((statement, parameters))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", remember)


def explain(app: Flask, case: Case, backend: str, tables: Sequence[str]) -> list[str]:
    """The plans of the statements a page runs that read the given tables."""
    client = client_for(app, case.who)
    with recording(app) as statements:
        client.get(case.path, base_url=f"https://{HOST}")
    chosen = [
        (s, p)
        for s, p in statements
        if s.lstrip().upper().startswith("SELECT") and any(f"FROM {t}" in s for t in tables)
    ]
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
        if backend == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    plans = []
    with app.app_context(), tenant_context(TENANT):
        raw = db.session.connection().connection.dbapi_connection
        for statement, parameters in chosen:
            cursor = raw.cursor()
            cursor.execute(prefix + statement, parameters)
            lines = [" | ".join(str(c) for c in row) for row in cursor.fetchall()]
            cursor.close()
            plans.append(f"-- {case.name}: {case.path}\n{statement}\n\n" + "\n".join(lines))
        db.session.rollback()
    return plans


def write_plans(backend: str, plans: Sequence[str]) -> Path:
    path = WORK / f"plans-{backend}.txt"
    path.write_text("\n\n\n".join(plans) + "\n")
    return path


# -- the runs -------------------------------------------------------------------------------------


def postgresql_figures() -> list[Figure]:
    say("\n[1-2] PostgreSQL: building the district")
    app = open_app(deployment_settings(WORK / "postgresql", "postgresql"))
    try:
        ids = build_district(app, with_requests=True)
        searches, inboxes = search_cases(ids), inbox_cases(ids)
        say(
            f"  {ids['cooperatives']} cooperatives, {ids['categories']} categories; "
            f"'{searches[0].path}' finds {count_results(app, searches[0])} services; "
            f"the admin's inbox holds {count_results(app, inboxes[-6])} requests, "
            f"the cooperative's {count_results(app, inboxes[0])}"
        )
        search_ms = report(f"[1] PostgreSQL search, {ROUNDS} rounds", time_cases(app, searches))
        inbox_ms = report(f"[2] PostgreSQL inbox, {ROUNDS} rounds", time_cases(app, inboxes))
        plans = explain(app, searches[3], "postgresql", ["catalog_service", "catalog_search_word"])
        plans += explain(app, searches[6], "postgresql", ["catalog_service"])
        plans += explain(app, inboxes[0], "postgresql", ["requests_request"])
        plans += explain(app, inboxes[-6], "postgresql", ["requests_request"])
        say(f"\n  query plans in {write_plans('postgresql', plans)}")
    finally:
        close_app(app)
    return [
        Figure(
            "PostgreSQL: search p95",
            f"{p95(search_ms):.1f} ms",
            "< 50 ms",
            p95(search_ms) < SEARCH_TARGET_MS,
        ),
        Figure(
            "PostgreSQL: inbox p95",
            f"{p95(inbox_ms):.1f} ms",
            "< 100 ms",
            p95(inbox_ms) < INBOX_TARGET_MS,
        ),
    ]


def sqlite_figures() -> list[Figure]:
    say("\n[3] SQLite: building the district")
    app = open_app(deployment_settings(WORK / "sqlite", "sqlite"))
    try:
        ids = build_district(app, with_requests=False)
        searches = search_cases(ids)
        search_ms = report(f"[3] SQLite search, {ROUNDS} rounds", time_cases(app, searches))
        plans = explain(app, searches[3], "sqlite", ["catalog_service", "catalog_search_word"])
        say(f"\n  query plans in {write_plans('sqlite', plans)}")
    finally:
        close_app(app)
    return [
        Figure(
            "SQLite: search p95",
            f"{p95(search_ms):.1f} ms",
            "< 50 ms",
            p95(search_ms) < SEARCH_TARGET_MS,
        ),
    ]


def main() -> int:
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    say(
        f"Condiviso catalog benchmark: {SERVICES} services, {REQUESTS} requests, {ROUNDS} timed "
        f"rounds of every case after {WARMUP_ROUNDS} of warm-up; work folder {WORK}"
    )
    try:
        check_postgresql_and_redis()
        shutil.rmtree(WORK, ignore_errors=True)
        WORK.mkdir(parents=True)
        figures = postgresql_figures()
        figures += sqlite_figures()
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
