"""What the benchmarks share: the services they use, a deployment's settings, the clean-up, and
the summary table.

The benchmarks use PostgreSQL at 127.0.0.1:5432 (user postgres, trust authentication) and Redis
at 127.0.0.1:6379, or BENCH_POSTGRES_URL and BENCH_REDIS_URL. Their databases are named
`condiviso_bench_*` and their Redis keys start with `condiviso-bench:`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import redis
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.pool import NullPool
from werkzeug.test import Client

from condiviso.app import create_app
from condiviso.extensions import db
from condiviso.tenancy import get_runtime
from condiviso.tenancy.upgrade import upgrade_platform

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
DATABASE_PREFIX = "condiviso_bench_"
REDIS_PREFIX = "condiviso-bench:"
DOMAIN = "localhost"
# The comune a benchmark district needs (ISTAT's record of Tradate).
TRADATE = {
    "istat_code": "012127",
    "name": "Tradate",
    "cadastral_code": "L319",
    "postal_code": "21049",
    "population": 17729,
    "is_lead": True,
}


class BenchError(RuntimeError):
    """The benchmark could not measure something; the message says what and where to look."""


def say(message: str = "") -> None:
    print(message, flush=True)


def csrf_token(html: str) -> str | None:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match[1] if match else None


def signed_in_client(app: Flask, host: str, email: str, password: str, address: str) -> Client:
    """A client of `app` on `host` from the IP `address` (rate limits count per address),
    signed in through the real form over HTTPS, as in production."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address)
    page = client.get("/accedi", base_url=f"https://{host}")
    token = csrf_token(page.text)
    if token is None:
        raise BenchError(f"no sign-in form at https://{host}/accedi ({page.status_code})")
    response = client.post(
        "/accedi",
        base_url=f"https://{host}",
        data={"email": email, "password": password, "csrf_token": token},
        headers={"Referer": f"https://{host}/accedi"},  # CSRF over HTTPS checks the referrer
    )
    if response.status_code != 302:
        alert = re.findall(r"(?:invalid-feedback|alert)[^>]*>([^<]+)", response.text)
        raise BenchError(f"{email} could not sign in ({response.status_code}: {alert})")
    return client


def deployment_settings(instance: Path, backend: str) -> dict[str, str]:
    """One deployment's environment, every setting explicit: nothing comes from a `.env` file or
    from the caller's environment, so two runs always measure the same thing."""
    postgresql = backend == "postgresql"
    return {
        "CONDIVISO_ENV": "production",
        "CONDIVISO_ENV_FILE": os.devnull,
        "SECRET_KEY": "bench-secret-" + "k" * 40,
        "DATA_ENCRYPTION_KEYS": "1:YmVuY2gtZGF0YS1lbmNyeXB0aW9uLWtleS0zMi1ieXQ",
        "INSTANCE_PATH": str(instance),
        "PLATFORM_DOMAIN": DOMAIN,
        "DATABASE_URL": (
            f"{POSTGRES_URL}/{DATABASE_PREFIX}platform"
            if postgresql
            else "sqlite:///platform.sqlite"
        ),
        "TENANT_DATABASE_SERVER": POSTGRES_URL if postgresql else "",
        "DATABASE_NAME_PREFIX": DATABASE_PREFIX,
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": f"{REDIS_PREFIX}{backend}:",
        "LOG_LEVEL": "INFO",
    }


def process_environment(settings: Mapping[str, str], **extra: str) -> dict[str, str]:
    """The environment of a child process: the system basics plus the deployment's settings."""
    basics = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TZ"}}
    return {**basics, **settings, **extra}


def drop_bench_databases() -> None:
    """Drop every `condiviso_bench_*` database, closing whatever is still connected to it."""
    engine = sa.create_engine(
        f"{POSTGRES_URL}/postgres", poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as connection:
            names = connection.scalars(
                sa.text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
                {"pattern": DATABASE_PREFIX.replace("_", "\\_") + "%"},
            ).all()
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def clear_redis() -> None:
    """Remove the benchmark's Redis keys (the registry versions of its deployments)."""
    with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3) as client:
        for key in client.scan_iter(f"{REDIS_PREFIX}*"):
            client.delete(key)


def open_app(settings: Mapping[str, str]) -> Flask:
    """The app of a deployment, in this process, with its platform database migrated."""
    app = create_app(environ={**settings, "LOG_LEVEL": "WARNING"})
    upgrade_platform(app)
    return app


def close_app(app: Flask) -> None:
    """Give back every connection the in-process app holds."""
    get_runtime(app).engines.dispose_all()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@dataclass(frozen=True)
class Figure:
    name: str
    value: str
    target: str
    passed: bool | None  # None: reported for information, no target


def verdict(passed: bool | None) -> str:
    return "-" if passed is None else ("PASS" if passed else "FAIL")


def print_summary(figures: Sequence[Figure], elapsed: float) -> None:
    width = max(len(f.name) for f in figures)
    value_width = max(len(f.value) for f in figures)
    say("\nSummary")
    say(f"  {'figure':<{width}}  {'value':<{value_width}}  {'target':<15} result")
    for figure in figures:
        say(
            f"  {figure.name:<{width}}  {figure.value:<{value_width}}  {figure.target:<15} "
            f"{verdict(figure.passed)}"
        )
    failed = sum(1 for f in figures if f.passed is False)
    say(f"\n{failed} target(s) missed; benchmark run in {elapsed / 60:.1f} minutes.")


def check_postgresql_and_redis() -> None:
    """Fail early, with the reason, when PostgreSQL or Redis is missing; leave both clean."""
    try:
        drop_bench_databases()
    except sa.exc.OperationalError as error:
        raise BenchError(f"PostgreSQL is unreachable at {POSTGRES_URL}: {error}") from None
    try:
        clear_redis()
    except redis.RedisError as error:
        raise BenchError(f"Redis is unreachable at {REDIS_URL}: {error}") from None
