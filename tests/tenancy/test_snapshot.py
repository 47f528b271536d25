"""The registry snapshot: cached per worker, O(1) host lookups; every change to the registry
audited and announced."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from condiviso.districts import provisioning
from condiviso.extensions import db
from condiviso.plugins import enablement
from condiviso.tenancy import get_runtime, lifecycle, registry
from condiviso.tenancy.models import RegistryAudit, RegistryState
from condiviso.tenancy.snapshot import RegistryCache, RegistrySnapshot, RegistryUnavailable
from tests.conftest import PLATFORM_DOMAIN, build_app, start_app
from tests.districts import ACTOR


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
        enablement.set_plugin(tenant.slug, "branding", ACTOR, True, {})
    assert client.get("/contatti").status_code == 200


def test_registry_change_reaches_another_worker_without_redis(tmp_path_factory, host_client):
    first = build_app(tmp_path_factory, REDIS_URL=None)
    second = start_app(first.test_settings)
    assert type(get_runtime(second).registry.version_source).__name__ == "DatabaseVersion"
    with first.app_context():
        provisioning.provision_tenant("solo", "Ambito solo", ACTOR)
    assert host_client(f"solo.{PLATFORM_DOMAIN}", second).get("/").status_code == 200
    with first.app_context():
        lifecycle.suspend_tenant("solo", ACTOR)
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
        assert registry.update_tenant(tenant.slug, "operator:anna", plan="plus")
        assert not registry.update_tenant(tenant.slug, "operator:anna", plan="plus")
        rows = db.session.scalars(
            sa.select(RegistryAudit).where(
                RegistryAudit.tenant_slug == tenant.slug, RegistryAudit.action == "tenant.updated"
            )
        ).all()
        assert [(r.actor, r.details) for r in rows] == [
            ("operator:anna", {"plan": ["base", "plus"]})
        ]
        assert db.session.scalar(sa.select(RegistryState.version)) == version + 1


class _Failing:
    """A version source (or a loader) that fails while `down` is set."""

    def __init__(self, version: int = 1, reads_platform_database: bool = True) -> None:
        self.version, self.down, self.reads = version, False, []
        self.reads_platform_database = reads_platform_database

    def read(self) -> int:
        self.reads.append(self.version)
        if self.down:
            raise ConnectionError("refused")
        return self.version


def _cache(source, now, loads, stale=10.0, retry=2.0, refresh=0.0):
    def load(version):
        if getattr(source, "database_down", False):
            raise ConnectionError("refused")
        loads.append(version)
        return RegistrySnapshot(version, {}, {})

    return RegistryCache(
        load, source, refresh, clock=lambda: now[0], stale_seconds=stale, retry_seconds=retry
    )


def test_a_failing_database_leaves_the_last_snapshot_served_for_the_stale_bound(caplog):
    now, loads, source = [0.0], [], _Failing()
    cache = _cache(source, now, loads)
    good = cache.snapshot()
    source.down = True
    served = []
    for tick in range(1, 100):
        now[0] = tick * 0.1  # ten seconds of requests, ten a second
        served.append(cache.snapshot())
    assert all(snapshot is good for snapshot in served)
    # Tried again once per retry interval, never on every request; logged once.
    assert len(source.reads) == 1 + 5
    assert sum("unreachable" in r.getMessage() for r in caplog.records) == 1
    now[0] = 10.5
    with pytest.raises(RegistryUnavailable):
        cache.snapshot()
    # Refused without touching the database until the next retry.
    reads = len(source.reads)
    now[0] = 11.0
    with pytest.raises(RegistryUnavailable):
        cache.snapshot()
    assert len(source.reads) == reads
    source.down = False
    now[0] = 12.6
    assert cache.snapshot() is good and loads == [1]
    assert any("answers again" in r.getMessage() for r in caplog.records)


def test_with_no_snapshot_ever_loaded_every_lookup_is_refused_until_the_database_answers():
    now, loads, source = [0.0], [], _Failing()
    source.down = True
    cache = _cache(source, now, loads)
    with pytest.raises(RegistryUnavailable):
        cache.snapshot()
    now[0] = 2.5
    source.down = False
    assert cache.snapshot().version == 1


def test_an_unreadable_version_in_redis_reloads_from_the_database_once_per_retry():
    now, loads, source = [0.0], [], _Failing(reads_platform_database=False)
    cache = _cache(source, now, loads)
    cache.snapshot()
    source.down = True
    for tick in range(1, 41):
        now[0] = tick * 0.1
        cache.snapshot()
    # Current all along (read from the database), at one load per retry interval.
    assert loads == [1, None, None]
    source.database_down = True
    now[0] = 30.0  # the database down too, long past the stale bound
    with pytest.raises(RegistryUnavailable):
        cache.snapshot()


def test_a_change_in_this_worker_is_reloaded_at_once_and_the_old_snapshot_kept_if_it_fails():
    now, loads, source = [0.0], [], _Failing()
    cache = _cache(source, now, loads, refresh=60.0)
    old = cache.snapshot()
    source.database_down = True
    cache.invalidate()
    assert cache.snapshot() is old
    source.database_down = False
    now[0] = 2.1
    assert cache.snapshot() is not old and loads == [1, 1]
