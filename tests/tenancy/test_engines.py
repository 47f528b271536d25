"""Tenant engines: created lazily, bounded, SQLite in WAL with a busy timeout."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
import sqlalchemy as sa

from condiviso.tenancy.engines import EngineCache, create_tenant_engine
from condiviso.tenancy.models import TenantStatus
from condiviso.tenancy.snapshot import TenantInfo
from tests.conftest import POSTGRES_URL


def _info(slug, url):
    return TenantInfo(uuid.uuid4(), slug, slug, TenantStatus.ACTIVE, url, "base")


def test_lru_is_bounded_and_disposes_what_it_evicts(tmp_path):
    disposed = []

    class Engine:
        def __init__(self, url):
            self.url = url

        def dispose(self):
            disposed.append(self.url)

    cache = EngineCache(2, Engine)
    a, b, c = (_info(s, f"sqlite:///{s}.sqlite") for s in "abc")
    first = cache.engine_for(a)
    cache.engine_for(b)
    assert cache.engine_for(a) is first
    cache.engine_for(c)
    assert len(cache) == 2
    assert disposed == ["sqlite:///b.sqlite"]
    assert [slug for slug, _ in cache.cached()] == ["a", "c"]
    moved = _info("a", "sqlite:///a-moved.sqlite")
    assert cache.engine_for(moved) is not first
    assert disposed[-1] == "sqlite:///a.sqlite"


def test_sqlite_tenant_engine_uses_wal_and_a_busy_timeout(app, tmp_path):
    sqlite3.connect(tmp_path / "tenant.sqlite").close()
    engine = create_tenant_engine(f"sqlite:///{tmp_path / 'tenant.sqlite'}", app.config)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_missing_sqlite_database_is_an_error_not_a_new_file(app, tmp_path):
    config = {**app.config, "INSTANCE_PATH": str(tmp_path)}
    engine = create_tenant_engine("sqlite:///tenants/ghost/tenant.sqlite", config)
    with pytest.raises(sa.exc.OperationalError):
        engine.connect()
    engine.dispose()
    assert not (tmp_path / "tenants" / "ghost" / "tenant.sqlite").exists()


def test_postgresql_tenant_pools_are_small(app):
    engine = create_tenant_engine(f"{POSTGRES_URL}/postgres", app.config)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    assert engine.pool.size() == app.config["TENANT_POOL_SIZE"] == 1
    engine.dispose()
