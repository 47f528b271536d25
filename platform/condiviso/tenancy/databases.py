"""Creating and dropping tenant databases.

A new tenant database is a copy of a *template* at the current schema version (one template per
schema fingerprint): `CREATE DATABASE ... TEMPLATE` on PostgreSQL, SQLite's backup API for files.
Both copies are all-or-nothing, so a provisioning killed half-way leaves either no database or a
complete one.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy_utils
from sqlalchemy.pool import NullPool

from condiviso.tenancy.engines import configure_sqlite, resolve_url, sqlite_path
from condiviso.tenancy.migrations import History, schema_fingerprint, upgrade_all

Config = Mapping[str, Any]


def tenant_directory(config: Config, slug: str) -> Path:
    """The tenant's folder under the instance path (its SQLite file, its files)."""
    return Path(config["INSTANCE_PATH"]) / "tenants" / slug


def tenant_files_path(config: Config, slug: str) -> Path:
    return tenant_directory(config, slug) / "files"


def database_name(config: Config, slug: str) -> str:
    return f"{config['DATABASE_NAME_PREFIX']}t_{slug.replace('-', '_')}"


def tenant_database_url(config: Config, slug: str) -> str:
    """Where a new tenant's database goes: the tenant database server if one is configured,
    else a SQLite file (stored relative to the instance folder)."""
    server = config["TENANT_DATABASE_SERVER"]
    if server:
        return f"{server}/{database_name(config, slug)}"
    return f"sqlite:///tenants/{slug}/tenant.sqlite"


def database_exists(config: Config, url: str) -> bool:
    path = sqlite_path(url, config["INSTANCE_PATH"])
    if path is not None:
        return path.exists()
    return sqlalchemy_utils.database_exists(resolve_url(url, config["INSTANCE_PATH"]))


def _one_off_engine(url: sa.URL | str, config: Config, **options: Any) -> sa.Engine:
    engine = sa.create_engine(url, poolclass=NullPool, **options)
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine, config["SQLITE_BUSY_TIMEOUT_MS"])
    return engine


def migrate_database(config: Config, url: str | sa.URL, histories: Sequence[History]) -> list[str]:
    """Upgrade an existing database through `histories`; the names of those that moved."""
    engine = _one_off_engine(resolve_url(url, config["INSTANCE_PATH"]), config)
    try:
        return upgrade_all(engine, histories)
    finally:
        engine.dispose()


# -- SQLite ---------------------------------------------------------------------------------------


def _sqlite_template(config: Config, histories: Sequence[History]) -> Path:
    directory = Path(config["INSTANCE_PATH"]) / "tenants" / "_templates"
    template = directory / f"{schema_fingerprint(histories)}.sqlite"
    if not template.exists():
        directory.mkdir(parents=True, exist_ok=True)
        building = template.with_suffix(f".building-{os.getpid()}")
        building.unlink(missing_ok=True)
        engine = sa.create_engine(f"sqlite:///{building}", poolclass=NullPool)
        try:
            upgrade_all(engine, histories)
        finally:
            engine.dispose()
        os.replace(building, template)
    return template


def _clone_sqlite(template: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(template)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = WAL")
    finally:
        copy.close()
        source.close()
    os.replace(partial, target)


# -- PostgreSQL -----------------------------------------------------------------------------------


def _server_engine(config: Config, url: sa.URL) -> sa.Engine:
    return _one_off_engine(url.set(database="postgres"), config, isolation_level="AUTOCOMMIT")


def _pg_template(config: Config, url: sa.URL, histories: Sequence[History]) -> str:
    name = f"{config['DATABASE_NAME_PREFIX']}tpl_{schema_fingerprint(histories)}"
    server = _server_engine(config, url)
    try:
        with server.connect() as connection:
            exists = sa.text("SELECT 1 FROM pg_database WHERE datname = :name")
            if connection.scalar(exists, {"name": name}):
                return name
            # One builder per template across every process sharing the server.
            connection.execute(sa.text("SELECT pg_advisory_lock(hashtext(:n))"), {"n": name})
            try:
                if not connection.scalar(exists, {"name": name}):
                    quote = connection.dialect.identifier_preparer.quote
                    building = f"{name}_building"
                    connection.execute(sa.text(f"DROP DATABASE IF EXISTS {quote(building)}"))
                    connection.execute(sa.text(f"CREATE DATABASE {quote(building)}"))
                    migrate_database(config, url.set(database=building), histories)
                    connection.execute(
                        sa.text(f"ALTER DATABASE {quote(building)} RENAME TO {quote(name)}")
                    )
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": name})
    finally:
        server.dispose()
    return name


# -- both -----------------------------------------------------------------------------------------


def create_tenant_database(config: Config, url: str, histories: Sequence[History]) -> None:
    """Create a tenant database at the current schema version, as a copy of the template."""
    path = sqlite_path(url, config["INSTANCE_PATH"])
    if path is not None:
        _clone_sqlite(_sqlite_template(config, histories), path)
        return
    parsed = resolve_url(url, config["INSTANCE_PATH"])
    template = _pg_template(config, parsed, histories)
    sqlalchemy_utils.create_database(parsed, template=template)


def drop_tenant_database(config: Config, url: str) -> None:
    """Drop a tenant database (closing other sessions first); nothing if it is already gone."""
    path = sqlite_path(url, config["INSTANCE_PATH"])
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    parsed = resolve_url(url, config["INSTANCE_PATH"])
    server = _server_engine(config, parsed)
    try:
        with server.connect() as connection:
            quote = connection.dialect.identifier_preparer.quote
            connection.execute(
                sa.text(f"DROP DATABASE IF EXISTS {quote(parsed.database)} WITH (FORCE)")
            )
    finally:
        server.dispose()


def remove_tenant_directory(config: Config, slug: str) -> None:
    shutil.rmtree(tenant_directory(config, slug), ignore_errors=True)
