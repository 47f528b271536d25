"""The registry: cached per worker, O(1) host lookups, every change audited and announced."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.tenancy import get_runtime, services
from condiviso.tenancy.models import RegistryAudit, RegistryState
from condiviso.tenancy.registry import RegistryCache, RegistrySnapshot
from tests.conftest import PLATFORM_DOMAIN, build_app, start_app
from tests.helpers import ACTOR


def test_host_lookup_does_not_query_the_platform_database(app, host_client, alpha):
    client = host_client(f"alpha.{PLATFORM_DOMAIN}")
    client.get("/")
    statements = []
    with app.app_context():
        engine = db.engines["platform"]
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        for _ in range(20):
            assert client.get("/").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert statements == []


def test_registry_change_reaches_another_worker_through_redis(app, host_client, new_tenant):
    tenant = new_tenant()
    other_worker = start_app(app.test_settings)
    assert type(get_runtime(other_worker).registry.version_source).__name__ == "RedisVersion"
    client = host_client(f"{tenant.slug}.{PLATFORM_DOMAIN}", other_worker)
    assert client.get("/contatti").status_code == 404
    with app.app_context():
        services.set_plugin(tenant.slug, "branding", ACTOR, True, {})
    assert client.get("/contatti").status_code == 200


def test_registry_change_reaches_another_worker_without_redis(tmp_path_factory, host_client):
    first = build_app(tmp_path_factory, REDIS_URL=None)
    second = start_app(first.test_settings)
    assert type(get_runtime(second).registry.version_source).__name__ == "DatabaseVersion"
    with first.app_context():
        services.provision_tenant("solo", "Ambito solo", ACTOR)
    assert host_client(f"solo.{PLATFORM_DOMAIN}", second).get("/").status_code == 200
    with first.app_context():
        services.suspend_tenant("solo", ACTOR)
    assert host_client(f"solo.{PLATFORM_DOMAIN}", second).post("/").status_code == 503


def test_version_is_checked_at_most_once_per_interval():
    reads, loads, now = [], [], [0.0]

    class Source:
        version = 1

        def read(self):
            reads.append(now[0])
            return self.version

    source = Source()

    def load(version):
        loads.append(version)
        return RegistrySnapshot(version, {}, {})

    cache = RegistryCache(load, source, refresh_seconds=1.0, clock=lambda: now[0])
    cache.snapshot()
    now[0] = 0.5
    cache.snapshot()
    assert (len(reads), loads) == (1, [1])
    source.version = 2
    now[0] = 0.9
    assert cache.snapshot().version == 1
    now[0] = 1.1
    assert cache.snapshot().version == 2
    assert loads == [1, 2]


def test_every_change_is_audited_and_no_op_writes_nothing(app, new_tenant):
    tenant = new_tenant()
    with app.app_context():
        version = db.session.scalar(sa.select(RegistryState.version))
        assert services.update_tenant(tenant.slug, "operator:anna", plan="plus")
        assert not services.update_tenant(tenant.slug, "operator:anna", plan="plus")
        rows = db.session.scalars(
            sa.select(RegistryAudit).where(
                RegistryAudit.tenant_slug == tenant.slug, RegistryAudit.action == "tenant.updated"
            )
        ).all()
        assert [(r.actor, r.details) for r in rows] == [
            ("operator:anna", {"plan": ["base", "plus"]})
        ]
        assert db.session.scalar(sa.select(RegistryState.version)) == version + 1
