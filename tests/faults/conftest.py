"""The fault suite's deployment: its platform database on a private PostgreSQL cluster (which
the tests stop), two districts (one of which loses its database: on PostgreSQL it lives on a
second private cluster), and workers built on the same settings with Redis, SMTP and the job
backend each test needs. Nothing here stops the shared PostgreSQL or Redis."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from condiviso.console.operators import create_operator
from condiviso.extensions import db
from condiviso.tenancy import registry
from tests.conftest import BACKEND, RUN_ID, base_settings, start_app
from tests.faults.forms import District, build_district
from tests.faults.processes import PostgresCluster, PostgresClusters, PrivateRedis
from tests.people import PASSWORD


@dataclass
class Deployment:
    settings: dict
    failing: District  # the district whose database the tests take away
    other: District  # a district that must go on being served
    platform: PostgresCluster  # the platform database's server
    tenants: PostgresCluster | None  # the failing district's server (PostgreSQL runs only)
    operator: str  # a platform operator's e-mail

    def worker(self, **overrides: object) -> Flask:
        """Another worker process of the deployment, with settings of its own."""
        return start_app({**self.settings, **overrides})

    def failing_database_file(self, app: Flask) -> Path:
        with app.app_context():
            url = registry.get_tenant(self.failing.slug).database_url
        from condiviso.tenancy.engines import sqlite_path

        path = sqlite_path(url, app.config["INSTANCE_PATH"])
        assert path is not None and path.exists()
        return path


@pytest.fixture(scope="session")
def clusters() -> Iterator[PostgresClusters]:
    made = PostgresClusters()
    yield made
    made.remove()


@pytest.fixture(scope="session")
def deployment(clusters: PostgresClusters, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    platform = clusters.new("platform")
    tenants = clusters.new("tenants") if BACKEND == "postgresql" else None
    settings = base_settings(
        tmp_path_factory.mktemp("instance"),
        DATABASE_URL=f"{platform.url}/condiviso_faults_{RUN_ID}_platform",
        REGISTRY_RETRY_SECONDS=0.2,
        REDIS_RETRY_SECONDS=0.2,
        REDIS_TIMEOUT_SECONDS=0.5,
        DATABASE_CONNECT_TIMEOUT=2,
        SMTP_TIMEOUT=1.0,
    )
    builder = start_app(
        {**settings, "TENANT_DATABASE_SERVER": tenants.url} if tenants else settings
    )
    builder.shared = True  # type: ignore[attr-defined]
    failing = build_district(builder, "guasti-a")
    second = start_app(settings)
    second.shared = True  # type: ignore[attr-defined]
    other = build_district(second, "guasti-b")
    operator = f"operatrice-{RUN_ID}@esempio.it"
    with builder.app_context():
        create_operator(operator, "Olga Operatrice", PASSWORD)
        db.session.commit()
    return Deployment(settings, failing, other, platform, tenants, operator)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.process is not None:
        server.stop()
