"""The tenancy benchmark: what serving many districts from one deployment costs.

Run it from anywhere in the repository with

    scripts/bench tenancy

It needs wrk (`apt-get install -y wrk`), PostgreSQL at 127.0.0.1:5432 (user postgres, trust
authentication) and Redis at 127.0.0.1:6379; BENCH_POSTGRES_URL and BENCH_REDIS_URL point
elsewhere. It takes about six minutes on 2 cores. It works in `.bench/tenancy/` (recreated at
each run; the servers' logs stay there afterwards), in the PostgreSQL databases named
`condiviso_bench_*` and in the Redis keys under `condiviso-bench:` (both removed at the start
and at the end).

What it measures, in one run, on this machine, with the servers under gunicorn
(`config/gunicorn.conf.py` as it is, worker recycling included: 2 sync workers) and the load
from wrk (`tenants.lua`) in another process:

1. requests/s of a tenant's `/comuni/<istat>` page ÷ the same page in a plain single-database
   Flask app (`baseline_app.py`), for a tenant without plugins and, as an extra line, for a
   tenant with the branding plugin; the two servers take turns, three rounds; then, as a
   diagnostic line, one more round with gunicorn's worker recycling off for both;
2. median latency with 600 tenants (requests spread evenly over 100 of them, round robin) ÷
   median latency of the same deployment when it had 1 tenant; then, as a diagnostic line, the
   same spread with TENANT_ENGINE_CACHE_SIZE=64 (smaller than the spread: every request misses);
3. the RSS of a single worker (recycling off, so that it stays the same process) after touching
   600 tenants minus after touching 64;
4. seconds to provision one tenant (SQLite, PostgreSQL), and seconds for `condiviso db upgrade`
   over 600 PostgreSQL tenants, once with every tenant current and once really migrating.

It ends with a summary table (figure, target, PASS/FAIL) and exits 0 even when a target fails;
it exits 1 only when the benchmark itself could not run.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import baseline_app  # scripts/benchmarks/ is this script's folder, hence on sys.path
import sqlalchemy as sa
from common import (
    DOMAIN,
    POSTGRES_URL,
    BenchError,
    Figure,
    check_postgresql_and_redis,
    clear_redis,
    close_app,
    deployment_settings,
    drop_bench_databases,
    open_app,
    print_summary,
    process_environment,
    say,
)
from flask import Flask
from servers import GUNICORN_CONF, VENV_BIN, Server, fetch, serving
from sqlalchemy.pool import NullPool

from condiviso.districts import provisioning
from condiviso.extensions import db
from condiviso.plugins import enablement, get_plugins
from condiviso.tenancy import registry, tenant_context
from condiviso.tenancy.engines import resolve_url
from condiviso.tenancy.migrations import History, current_heads, downgrade
from condiviso.territory.services import sync_comuni

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WRK_SCRIPT = HERE / "tenants.lua"
WORK = ROOT / ".bench" / "tenancy"
LOGS = WORK / "logs"

ACTOR = "bench:tenancy"

TENANTS = 600
SPREAD = 100  # tenants the many-tenant latency run spreads its requests over
ENGINE_CACHE = 64  # tenants touched before the first memory reading (figure 3)
DIAGNOSTIC_CACHE = 64  # an engine cache smaller than SPREAD, for the latency diagnostic
TOUCHES = 3  # requests per tenant when touching tenants for the memory figure
BRANDED = TENANTS  # t0600 has the branding plugin; t0001..t0599 have no plugin
UPGRADE_JOBS = 4  # processes taking the branding history back to base (as UPGRADE_JOBS does)

WRK_THREADS = 2
THROUGHPUT_CONNECTIONS = 16
LATENCY_CONNECTIONS = 16
MEASURE_SECONDS = 10
WARMUP_SECONDS = 3
THROUGHPUT_ROUNDS = 3  # baseline and Condiviso take turns, so that drift hits both alike

COMUNE = {
    "istat_code": "012127",
    "name": "Tradate",
    "cadastral_code": "L319",
    "postal_code": "21049",
    "population": 19187,
    "is_lead": True,
}
PAGE = f"/comuni/{COMUNE['istat_code']}"
PAGE_MARK = f"Comune di {COMUNE['name']}"


def slug(number: int) -> str:
    """Tenant number n is `t000n`: the wrk script builds the same hosts."""
    return f"t{number:04d}"


# -- settings and clean-up ------------------------------------------------------------------------


def check_services() -> None:
    """Fail early, with the reason, when wrk, PostgreSQL or Redis is missing."""
    if shutil.which("wrk") is None:
        raise BenchError(
            "wrk is missing: install it with `apt-get update && apt-get install -y wrk`"
        )
    check_postgresql_and_redis()


# -- tenants, in-process --------------------------------------------------------------------------


def provision(app: Flask, numbers: Iterable[int]) -> list[float]:
    """Provision tenants one after the other; the seconds `provision_tenant` took for each."""
    seconds = []
    with app.app_context():
        for number in numbers:
            started = time.perf_counter()
            provisioning.provision_tenant(slug(number), baseline_app.SHELL_NAME, ACTOR)
            seconds.append(time.perf_counter() - started)
    return seconds


def add_comune(app: Flask, numbers: Iterable[int]) -> None:
    """Give each tenant the comune the benchmarked page shows (the baseline holds the same)."""
    with app.app_context():
        for number in numbers:
            with tenant_context(slug(number)):
                sync_comuni([COMUNE])
                db.session.commit()


def enable_branding(app: Flask, number: int) -> None:
    with app.app_context():
        enablement.set_plugin(slug(number), "branding", ACTOR, True, {})


# -- servers --------------------------------------------------------------------------------------


def check_page(server: Server, number: int) -> int:
    """The benchmarked page answers 200 with the comune on tenant `number`; its size in bytes."""
    status, body = fetch(server.port, f"{slug(number)}.{DOMAIN}:{server.port}", PAGE)
    if status != 200 or PAGE_MARK.encode() not in body:
        raise BenchError(f"{server.name}: GET {PAGE} on {slug(number)} gave {status}")
    return len(body)


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers of a master: the processes whose parent it is."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
    return sorted(children)


def rss_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS for process {pid}")


def worker_boots(server: Server) -> int:
    """How many workers the master has booted so far (restarts show up as extra boots)."""
    return server.log.read_text(errors="replace").count("Booting worker with pid")


# -- wrk ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    median_ms: float
    requests: int
    bad_responses: int
    socket_errors: str | None


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> Load:
    """The figures of wrk's report (run with --latency)."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    median = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    if not (rate and median and total):
        raise BenchError(f"could not read wrk's report:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.+)", output)
    return Load(
        requests_per_second=float(rate.group(1)),
        median_ms=float(median.group(1)) * _UNITS_MS[median.group(2)],
        requests=int(total.group(1)),
        bad_responses=int(bad.group(1)) if bad else 0,
        socket_errors=errors.group(1).strip() if errors else None,
    )


def wrk(
    server: Server, first: int, count: int, seconds: int, connections: int, record: str | None
) -> Load:
    """Load `PAGE` on tenants first..first+count-1, each request to the next one in turn.

    Every run goes through the same Lua script, so the client's own cost is the same whatever
    the spread. `record` names the log file keeping wrk's report (None: a warm-up)."""
    command = [
        "wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency",
        "-s", str(WRK_SCRIPT), f"http://127.0.0.1:{server.port}{PAGE}",
        "--", str(count), f"{DOMAIN}:{server.port}", str(first),
    ]  # fmt: skip
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    if record is not None:
        (LOGS / f"wrk-{record}.txt").write_text(" ".join(command) + "\n\n" + completed.stdout)
    load = parse_wrk(completed.stdout)
    if record is not None and load.bad_responses:
        raise BenchError(
            f"{server.name}: {load.bad_responses} of {load.requests} responses were errors; "
            f"see {server.log}"
        )
    return load


def measure(
    server: Server, first: int, count: int, connections: int, record: str
) -> tuple[Load, int]:
    """Warm the workers up, then measure; also how many workers restarted during the measure."""
    wrk(server, first, count, WARMUP_SECONDS, connections, record=None)
    boots = worker_boots(server)
    load = wrk(server, first, count, MEASURE_SECONDS, connections, record=record)
    return load, worker_boots(server) - boots


# -- the figures ----------------------------------------------------------------------------------


# variant -> (requests per second, page size in bytes)
Measured = dict[str, tuple[float, int]]


def describe_load(label: str, load: Load, restarts: int) -> str:
    extra = f", {restarts} worker restart(s) during the run" if restarts else ""
    errors = f", socket errors: {load.socket_errors}" if load.socket_errors else ""
    return (
        f"  {label:<48} {load.requests_per_second:7.1f} req/s, median {load.median_ms:6.2f} ms"
        f"   ({load.requests} requests{extra}{errors})"
    )


def baseline_round(
    database: Path, settings: Mapping[str, str], round_name: str, **extra_env: str
) -> Measured:
    """One turn of the plain Flask app: warmed up, then measured."""
    args = ["--pythonpath", str(HERE), "baseline_app:create_app()"]
    name = f"throughput-baseline-{round_name}"
    env = {"BASELINE_DATABASE": str(database), **extra_env}
    with serving(name, settings, 2, args, logs=LOGS, **env) as server:
        size = check_page(server, 1)
        load, restarts = measure(server, 1, 1, THROUGHPUT_CONNECTIONS, name)
    say(describe_load(f"round {round_name}, plain Flask app", load, restarts))
    return {"baseline": (load.requests_per_second, size)}


def condiviso_round(settings: Mapping[str, str], round_name: str, **extra_env: str) -> Measured:
    """One turn of Condiviso: t0001 (no plugin), then t0600 (branding), on the same server."""
    measured: Measured = {}
    with serving(
        f"throughput-condiviso-{round_name}", settings, 2, logs=LOGS, **extra_env
    ) as server:
        for variant, number in (("no plugin", 1), ("branding", BRANDED)):
            size = check_page(server, number)
            record = f"throughput-{variant.replace(' ', '-')}-{round_name}"
            load, restarts = measure(server, number, 1, THROUGHPUT_CONNECTIONS, record)
            label = f"round {round_name}, Condiviso, {slug(number)} ({variant})"
            say(describe_load(label, load, restarts))
            measured[variant] = (load.requests_per_second, size)
    return measured


def throughput_rounds(
    settings: Mapping[str, str], database: Path, names: Sequence[str], **extra_env: str
) -> Measured:
    """The servers take turns (never at the same time), once per round name; the mean req/s of
    each variant over the rounds, so that drift on the machine hits both alike."""
    rates: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}
    for name in names:
        for measured in (
            baseline_round(database, settings, name, **extra_env),
            condiviso_round(settings, name, **extra_env),
        ):
            for variant, (rate, size) in measured.items():
                rates.setdefault(variant, []).append(rate)
                sizes[variant] = size
    return {variant: (statistics.fmean(rates[variant]), sizes[variant]) for variant in rates}


def throughput_figures(settings: Mapping[str, str], baseline_database: Path) -> list[Figure]:
    """Figure 1: the tenant-routed page against the same page in a plain Flask app, both under
    config/gunicorn.conf.py as it is; then, as a diagnostic, one more round with worker
    recycling off for both, which tells how much of the gap the workers' restarts make."""
    say(f"\n[1] Throughput of GET {PAGE}: Condiviso ÷ plain Flask app")
    rounds = [str(n) for n in range(1, THROUGHPUT_ROUNDS + 1)]
    mean = throughput_rounds(settings, baseline_database, rounds)
    rate = {variant: value[0] for variant, value in mean.items()}
    plain, branded = rate["no plugin"] / rate["baseline"], rate["branding"] / rate["baseline"]
    say(
        f"  page sizes: plain Flask {mean['baseline'][1]} B, Condiviso {mean['no plugin'][1]} B, "
        f"with branding {mean['branding'][1]} B"
    )
    say(
        f"  mean req/s: plain Flask {rate['baseline']:.1f}, Condiviso {rate['no plugin']:.1f}, "
        f"with branding {rate['branding']:.1f}"
    )
    say(f"  ratio, tenant without plugins: {plain:.3f}   (target >= 0.85)")
    say(f"  ratio, tenant with branding:   {branded:.3f}   (extra line, no target)")

    steady = throughput_rounds(
        settings, baseline_database, ["no-recycling"], GUNICORN_MAX_REQUESTS="0"
    )
    diagnostic = steady["no plugin"][0] / steady["baseline"][0]
    say(
        "  diagnostic: with worker recycling off for both servers (GUNICORN_MAX_REQUESTS=0; "
        f"the config recycles every 5000 requests) the ratio is {diagnostic:.3f}"
    )
    return [
        Figure("1. throughput ÷ plain Flask (no plugin)", f"{plain:.3f}", ">= 0.85", plain >= 0.85),
        Figure("1b. throughput ÷ plain Flask (branding)", f"{branded:.3f}", "(extra)", None),
        Figure("1c. same, recycling off (diagnostic)", f"{diagnostic:.3f}", "(diagnostic)", None),
    ]


def latency_one_tenant(settings: Mapping[str, str]) -> Load:
    """The denominator of figure 2: a deployment with one tenant, every request to it."""
    with serving("latency-1-tenant", settings, 2, logs=LOGS) as server:
        check_page(server, 1)
        load, restarts = measure(server, 1, 1, LATENCY_CONNECTIONS, "latency-1-tenant")
        say(describe_load("1 tenant provisioned, all to t0001", load, restarts))
        return load


def latency_many_tenants(
    settings: Mapping[str, str], name: str, label: str, **extra_env: str
) -> Load:
    """The numerator of figure 2: 600 tenants provisioned, requests spread over 100."""
    with serving(name, settings, 2, logs=LOGS, **extra_env) as server:
        for number in range(1, SPREAD + 1):
            check_page(server, number)
        load, restarts = measure(server, 1, SPREAD, LATENCY_CONNECTIONS, name)
        say(describe_load(label, load, restarts))
        return load


def latency_figures(settings: Mapping[str, str], one: Load) -> list[Figure]:
    """Figure 2 (default settings), and the same spread again with an engine cache smaller than
    the spread: a diagnostic (not a figure) showing what a thrashing engine cache costs."""
    many = latency_many_tenants(
        settings, "latency-600-tenants", f"{TENANTS} provisioned, spread over {SPREAD}"
    )
    ratio = many.median_ms / one.median_ms
    say(
        f"  median {many.median_ms:.2f} ms ÷ {one.median_ms:.2f} ms = {ratio:.3f}   (target <= 1.2)"
    )
    larger = latency_many_tenants(
        settings,
        f"latency-600-tenants-cache-{DIAGNOSTIC_CACHE}",
        f"same, TENANT_ENGINE_CACHE_SIZE={DIAGNOSTIC_CACHE}",
        TENANT_ENGINE_CACHE_SIZE=str(DIAGNOSTIC_CACHE),
    )
    diagnostic = larger.median_ms / one.median_ms
    say(
        f"  diagnostic: with TENANT_ENGINE_CACHE_SIZE={DIAGNOSTIC_CACHE}, smaller than the "
        f"{SPREAD} tenants served, the ratio is {diagnostic:.3f}"
    )
    return [
        Figure(f"2. median latency, {TENANTS} tenants ÷ 1", f"{ratio:.3f}", "<= 1.2", ratio <= 1.2),
        Figure(
            f"2b. same, engine cache {DIAGNOSTIC_CACHE} (diagnostic)",
            f"{diagnostic:.3f}",
            "(diagnostic)",
            None,
        ),
    ]


def touch(server: Server, numbers: Iterable[int]) -> None:
    """A few requests to each tenant, one after the other."""
    for number in numbers:
        for _ in range(TOUCHES):
            status, _body = fetch(server.port, f"{slug(number)}.{DOMAIN}:{server.port}", PAGE)
            if status != 200:
                raise BenchError(f"GET {PAGE} on {slug(number)} gave {status}")


def memory_figure(settings: Mapping[str, str]) -> Figure:
    """Figure 3: one worker (never recycled while measured) touches 64 tenants, then all 600."""
    say(
        f"\n[3] Worker memory: RSS after touching {TENANTS} tenants - after touching {ENGINE_CACHE}"
    )
    with serving("memory", settings, 1, logs=LOGS, GUNICORN_MAX_REQUESTS="0") as server:
        workers = worker_pids(server.pid)
        if len(workers) != 1:
            raise BenchError(f"expected one gunicorn worker, found {workers}")
        touch(server, range(1, ENGINE_CACHE + 1))
        first = rss_megabytes(workers[0])
        touch(server, range(1, TENANTS + 1))
        second = rss_megabytes(workers[0])
        if worker_pids(server.pid) != workers:
            raise BenchError("the gunicorn worker was replaced while its memory was measured")
    growth = second - first
    say(f"  after {ENGINE_CACHE} tenants: {first:.1f} MB; after {TENANTS}: {second:.1f} MB")
    say(f"  difference: {growth:.1f} MB   (target < 30 MB)")
    return Figure(
        f"3. worker RSS, {TENANTS} - {ENGINE_CACHE} tenants",
        f"{growth:.1f} MB ({first:.0f} -> {second:.0f})",
        "< 30 MB",
        growth < 30,
    )


def provisioning_figures(backend: str, seconds: Sequence[float]) -> list[Figure]:
    """Figure 4a: the first provisioning (which builds the schema template) on its own, then
    the median and the maximum of the others."""
    first, rest = seconds[0], seconds[1:]
    median, worst = statistics.median(rest), max(rest)
    say(
        f"  {backend}: first {first:.3f} s (builds the schema template); next {len(rest)}: "
        f"median {median:.3f} s, max {worst:.3f} s   (target < 2 s)"
    )
    return [
        Figure(f"4. provision on {backend}, first", f"{first:.3f} s", "< 2 s", first < 2),
        Figure(
            f"4. provision on {backend}, next {len(rest)}",
            f"median {median:.3f} s, max {worst:.3f} s",
            "< 2 s",
            worst < 2,
        ),
    ]


# -- PostgreSQL: provisioning and `condiviso db upgrade` ------------------------------------------


class ConnectionWatch:
    """Samples the server's client connections in the background; `peak` is the most seen."""

    def __init__(self, interval: float = 0.1) -> None:
        self.peak = 0
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._engine = sa.create_engine(f"{POSTGRES_URL}/postgres", poolclass=NullPool)

    def _run(self) -> None:
        query = sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        )
        with self._engine.connect() as connection:
            while not self._stop.is_set():
                self.peak = max(self.peak, connection.scalar(query) or 0)
                connection.rollback()
                self._stop.wait(self._interval)

    def __enter__(self) -> ConnectionWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._engine.dispose()


@dataclass(frozen=True)
class UpgradeRun:
    seconds: float
    moved: int
    current: int
    failed: int


def db_upgrade(settings: Mapping[str, str], record: str) -> UpgradeRun:
    """Time `condiviso db upgrade` (the command operators run, process start-up included)."""
    started = time.perf_counter()
    completed = subprocess.run(
        [str(VENV_BIN / "condiviso"), "db", "upgrade"],
        cwd=ROOT,
        env=process_environment(settings),
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    seconds = time.perf_counter() - started
    (LOGS / f"db-upgrade-{record}.log").write_text(completed.stdout + completed.stderr)
    counts = re.search(
        r"Distretti aggiornati: (\d+); già aggiornati: (\d+); errori: (\d+)", completed.stdout
    )
    if completed.returncode != 0 or counts is None:
        raise BenchError(
            f"`condiviso db upgrade` failed ({completed.returncode}); "
            f"see {LOGS / f'db-upgrade-{record}.log'}"
        )
    moved, current, failed = (int(n) for n in counts.groups())
    return UpgradeRun(seconds, moved, current, failed)


# Set before the pool's processes fork, so that they inherit it (as condiviso.tenancy.upgrade).
_downgrade_shared: dict[str, object] = {}


def _downgrade_one(url: str) -> tuple[str, ...]:
    """Take one tenant's branding history back to base; where it stands afterwards."""
    history = _downgrade_shared["history"]
    instance = _downgrade_shared["instance"]
    engine = sa.create_engine(resolve_url(url, instance), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            downgrade(connection, history, "base")
            connection.commit()
            return current_heads(connection, history)
    finally:
        engine.dispose()


def downgrade_branding(urls: Sequence[str], history: History, instance: str) -> float:
    """Every tenant's branding history back to base, a few processes at a time; seconds."""
    _downgrade_shared.update(history=history, instance=instance)
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=UPGRADE_JOBS, mp_context=context) as pool:
        heads = list(pool.map(_downgrade_one, urls, chunksize=10))
    if any(heads):
        raise BenchError("some tenants' branding history did not go back to base")
    return time.perf_counter() - started


def tenant_urls(app: Flask) -> list[str]:
    with app.app_context():
        return [registry.get_tenant(slug(n)).database_url for n in range(1, TENANTS + 1)]


def upgrade_figure(label: str, run: UpgradeRun) -> Figure:
    per_tenant = run.seconds / TENANTS
    say(
        f"  db upgrade, {label:<14} {run.seconds:6.1f} s total, {per_tenant:.4f} s per tenant"
        f"   (moved {run.moved}, already current {run.current}; target < 0.5 s per tenant)"
    )
    return Figure(
        f"4. db upgrade, {TENANTS} tenants {label}",
        f"{run.seconds:.1f} s, {per_tenant:.4f} s/tenant",
        "< 0.5 s/tenant",
        per_tenant < 0.5,
    )


def branding_history(app: Flask) -> History:
    with app.app_context():
        return get_plugins().get("branding").history


def postgresql_figures() -> list[Figure]:
    """Figure 4 on PostgreSQL: provision 600 tenants (timing each), then time
    `condiviso db upgrade` with every tenant current, and again after taking every tenant's
    branding history back to base, so that it really migrates all 600."""
    say(f"\n[4b] PostgreSQL: provisioning {TENANTS} tenants, then `condiviso db upgrade`")
    settings = deployment_settings(WORK / "postgresql", "postgresql")
    with ConnectionWatch() as watch:
        # Provisioning seeds each new district's database, leaving its engine's idle connection
        # in the cache: a smaller cache keeps this one process under PostgreSQL's
        # max_connections (100 by default), as PgBouncer would in production.
        app = open_app({**settings, "TENANT_ENGINE_CACHE_SIZE": "16"})
        try:
            figures = provisioning_figures("PostgreSQL", provision(app, range(1, TENANTS + 1)))
            urls, history = tenant_urls(app), branding_history(app)
        finally:
            close_app(app)

        current = db_upgrade(settings, "current")
        if current.current != TENANTS or current.moved or current.failed:
            raise BenchError(f"the first db upgrade should find {TENANTS} current: {current}")
        figures.append(upgrade_figure("all current", current))

        prepared = downgrade_branding(urls, history, settings["INSTANCE_PATH"])
        say(f"  (branding history of {len(urls)} tenants taken back to base in {prepared:.1f} s)")
        migrating = db_upgrade(settings, "migrating")
        if migrating.moved != TENANTS or migrating.failed:
            raise BenchError(f"the second db upgrade should migrate {TENANTS}: {migrating}")
        figures.append(upgrade_figure("migrating", migrating))
    say(f"  most PostgreSQL client connections seen at once: {watch.peak} (max_connections 100)")
    figures.append(
        Figure("4. peak PostgreSQL connections", str(watch.peak), "< 100", watch.peak < 100)
    )
    return figures


# -- the run --------------------------------------------------------------------------------------


def sqlite_figures() -> list[Figure]:
    """Figures 1 to 3 and SQLite provisioning, on one SQLite deployment grown from 1 tenant to
    600: the one-tenant latency is measured before the other 599 exist."""
    settings = deployment_settings(WORK / "sqlite", "sqlite")
    app = open_app(settings)
    try:
        say(f"\n[2] Median latency (wrk -c{LATENCY_CONNECTIONS}): {TENANTS} tenants ÷ 1 tenant")
        seconds = provision(app, [1])
        add_comune(app, [1])
        one = latency_one_tenant(settings)
        seconds += provision(app, range(2, TENANTS + 1))
        add_comune(app, range(2, TENANTS + 1))
        enable_branding(app, BRANDED)
        latency = latency_figures(settings, one)

        baseline_database = WORK / "baseline.sqlite"
        baseline_app.create_database(baseline_database, COMUNE)
        throughput = throughput_figures(settings, baseline_database)
        memory = memory_figure(settings)
    finally:
        close_app(app)
    say(f"\n[4a] SQLite: provisioning (timed while the deployment grew to {TENANTS} tenants)")
    return [*throughput, *latency, memory, *provisioning_figures("SQLite", seconds)]


def reset_workspace() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    LOGS.mkdir(parents=True)


def main() -> int:
    started = time.perf_counter()
    # A TERM (from a CI timeout, say) unwinds like Ctrl-C: servers stopped, databases dropped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    say(
        f"Condiviso tenancy benchmark: {os.cpu_count()} CPUs, gunicorn 2 sync workers "
        f"({GUNICORN_CONF.relative_to(ROOT)}), wrk -t{WRK_THREADS} -c{THROUGHPUT_CONNECTIONS} "
        f"-d{MEASURE_SECONDS}s after {WARMUP_SECONDS}s of warm-up; work folder {WORK}"
    )
    try:
        check_services()
        reset_workspace()
        figures = sqlite_figures()
        figures += postgresql_figures()
    except BenchError as error:
        say(f"\nbenchmark failed: {error}")
        return 1
    except KeyboardInterrupt:
        say("\ninterrupted: servers stopped, benchmark databases dropped")
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
