"""Shared fixtures: one app per test session on the chosen database (SQLite or PostgreSQL,
from CONDIVISO_TEST_DATABASE), always with Redis; tenants provisioned through the real services.

Everything a run creates carries a run id (database names, Redis keys), and is removed at the
end, so that runs never see each other's data.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from condiviso.app import create_app
from condiviso.database.binding import bound_binding
from condiviso.extensions import db
from condiviso.jobs.local import local_runner
from condiviso.redis_connection import get_redis
from condiviso.tenancy import get_runtime
from condiviso.tenancy.upgrade import upgrade_platform
from tests.clients import HostClient
from tests.districts import provision

BACKEND = os.environ.get("CONDIVISO_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
RUN_ID = uuid.uuid4().hex[:8]
PLATFORM_DOMAIN = "condiviso.test"
# The tests' data-encryption key ring: one fixed key, version 1 (never a real one).
TEST_DATA_ENCRYPTION_KEYS = "1:dGVzdC1kYXRhLWtleS12ZXJzaW9uLTEtMzItYnl0ZXM"

if BACKEND not in {"sqlite", "postgresql"}:
    raise pytest.UsageError("CONDIVISO_TEST_DATABASE must be sqlite or postgresql")


def pytest_report_header() -> list[str]:
    return [f"condiviso: tenant databases on {BACKEND}, Redis at {REDIS_URL}, run {RUN_ID}"]


def base_settings(instance: Path, **overrides: object) -> dict[str, object]:
    """Settings of a test app; every run and every instance folder is isolated."""
    prefix = f"condiviso_test_{RUN_ID}_"
    settings: dict[str, object] = {
        "CONDIVISO_ENV": "testing",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-master-secret-" + "x" * 32,
        "DATA_ENCRYPTION_KEYS": TEST_DATA_ENCRYPTION_KEYS,
        "PLATFORM_DOMAIN": PLATFORM_DOMAIN,
        "TRUSTED_HOSTS_PATTERNS": [PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}"],
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": f"condiviso-test-{RUN_ID}:",
        "REGISTRY_REFRESH_SECONDS": 0.0,
        "DATABASE_NAME_PREFIX": prefix,
        "UPGRADE_JOBS": 2,
        # Keeps the PostgreSQL connections of a whole run well under the server's 100.
        "TENANT_ENGINE_CACHE_SIZE": 16,
        "LOG_LEVEL": "WARNING",
        "PUBLIC_PORT": None,
        # Jobs run at once in the tests' apps; tests/test_jobs.py builds its own on RQ.
        "JOBS_BACKEND": "inline",
    }
    if BACKEND == "postgresql":
        settings["DATABASE_URL"] = f"{POSTGRES_URL}/{prefix}platform_{instance.name[-12:]}"
        settings["TENANT_DATABASE_SERVER"] = POSTGRES_URL
    else:
        settings["DATABASE_URL"] = "sqlite:///platform.sqlite"
        settings["TENANT_DATABASE_SERVER"] = None
    settings.update(overrides)
    return settings


_apps: list[Flask] = []


def build_app(tmp_path_factory: pytest.TempPathFactory, **overrides: object) -> Flask:
    """A fresh app with its own instance folder and platform database, migrated."""
    instance = tmp_path_factory.mktemp("instance")
    return start_app(base_settings(instance, **overrides))


def start_app(settings: dict[str, object]) -> Flask:
    """An app on `settings` (two apps on the same settings are two workers of one deployment)."""
    app = create_app(settings, environ={})
    app.test_settings = settings  # type: ignore[attr-defined]
    upgrade_platform(app)
    _apps.append(app)
    return app


def close_app(app: Flask) -> None:
    """Stop the app's background jobs and release its database connections and Redis client."""
    local_runner(app).stop()
    get_runtime(app).engines.dispose_all()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()
    client = get_redis(app)
    if client is not None:
        client.close()


def _close_apps() -> None:
    for app in _apps:
        close_app(app)


@pytest.fixture(autouse=True)
def _close_apps_built_by_the_test() -> Iterator[None]:
    """Apps a test builds for itself release their connections when it ends."""
    before = len(_apps)
    yield
    for app in _apps[before:]:
        if not getattr(app, "shared", False):
            close_app(app)


def _drop_run_databases() -> None:
    engine = sa.create_engine(f"{POSTGRES_URL}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        names = connection.scalars(
            sa.text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
            {"pattern": f"condiviso\\_test\\_{RUN_ID}\\_%"},
        ).all()
        for name in names:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _cleanup_run() -> Iterator[None]:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3) as probe:
            probe.ping()
    except redis.RedisError as error:
        pytest.exit(f"Redis is required by the suite and unreachable at {REDIS_URL}: {error}", 2)
    yield
    _close_apps()
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*condiviso-test-{RUN_ID}:*"):
        client.delete(key)
    client.close()
    if BACKEND == "postgresql":
        _drop_run_databases()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    shared = build_app(tmp_path_factory)
    shared.shared = True  # type: ignore[attr-defined]
    return shared


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self, port: int | None = None) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        if port is None:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email.policy import default

        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str):
        found = self.to(address)
        assert found, f"no e-mail arrived for {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture(scope="session")
def mail_app(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpSink) -> Flask:
    """An app that sends its e-mail to the loopback SMTP server."""
    shared = build_app(
        tmp_path_factory,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp.controller.port,
        SMTP_STARTTLS=False,
        MAIL_FROM="portale@condiviso.test",
    )
    shared.shared = True  # type: ignore[attr-defined]
    return shared


@pytest.fixture(scope="session")
def alpha(app: Flask):
    """A tenant with the branding plugin enabled."""
    return provision(app, "alpha", "Ambito di Alpha (test)", plugins={"branding": {}})


@pytest.fixture(scope="session")
def beta(app: Flask):
    """A tenant with no plugin enabled."""
    return provision(app, "beta", "Ambito di Beta (test)")


@pytest.fixture
def new_tenant(app: Flask):
    """Provision a tenant of its own for a test that changes its lifecycle."""

    def make(plugins: dict | None = None, comuni: list | None = None):
        slug = f"t{uuid.uuid4().hex[:10]}"
        return provision(app, slug, f"Distretto {slug} (test)", plugins=plugins, comuni=comuni)

    return make


@pytest.fixture
def host_client(app: Flask):
    def make(host: str, flask_app: Flask | None = None) -> HostClient:
        return HostClient(flask_app or app, host)

    return make


def assert_no_tenant_bound() -> None:
    """Fail when a tenant is still bound to the test's context."""
    binding = bound_binding()
    if binding is not None:
        pytest.fail(
            f"the test left tenant {binding.tenant.slug!r} bound: use `with tenant_context(...)`",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def no_tenant_left_bound() -> Iterator[None]:
    yield
    assert_no_tenant_bound()
