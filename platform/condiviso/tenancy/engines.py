"""Database engines: one per tenant, created on first use, kept in a bounded LRU cache.

SQLite files are opened read-write but never created by a connection (a missing tenant database
is an error, not a new empty file), in WAL mode with a busy timeout; a pooled connection whose
file was removed or replaced is dropped at checkout. PostgreSQL engines keep small pools (600
tenants times a few workers must fit the server, PgBouncer in production), test connections
before use and give up connecting after `DATABASE_CONNECT_TIMEOUT` seconds.

Errors of a database that is down are told apart from bugs by `is_database_outage`, and every
engine marks its errors with the database they came from (`failed_database`).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from condiviso.database.binding import bound_binding

if TYPE_CHECKING:
    from condiviso.tenancy.snapshot import TenantInfo


def resolve_url(url: str | URL, instance_path: str | Path) -> URL:
    """A database URL with a relative SQLite path made absolute under the instance folder."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.is_absolute() and not parsed.database.startswith("file:"):
            parsed = parsed.set(database=str(Path(instance_path) / path))
    return parsed


def sqlite_path(url: str | URL, instance_path: str | Path) -> Path | None:
    """The file behind a SQLite URL, or None for other databases."""
    parsed = resolve_url(url, instance_path)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL journal, a busy timeout instead of instant 'database is locked', foreign keys on."""

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


OUTAGE_MARK = "condiviso_database"


def mark_database_errors(engine: Engine, which: str) -> None:
    """Label every error raised through `engine` with `which` ("tenant" or "platform")."""

    @sa.event.listens_for(engine, "handle_error")
    def _mark(context: Any) -> None:
        if context.sqlalchemy_exception is not None:
            setattr(context.sqlalchemy_exception, OUTAGE_MARK, which)


def failed_database(error: BaseException) -> str | None:
    """Which database an error came from ("tenant", "platform"), if an engine labelled it."""
    return getattr(error, OUTAGE_MARK, None)


def is_database_outage(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached or used now (down, refusing
    connections, timing out, file missing, pool exhausted), rather than a mistake in a query."""
    outage_types = (
        sa.exc.OperationalError,
        sa.exc.InterfaceError,
        sa.exc.TimeoutError,
        sa.exc.DisconnectionError,
    )
    if isinstance(error, outage_types):
        return True
    return isinstance(error, sa.exc.DBAPIError) and bool(error.connection_invalidated)


def _guard_file_identity(engine: Engine, path: Path) -> None:
    """Drop a pooled connection whose file is gone or replaced: SQLite would go on reading (and
    writing!) the removed file through it. The pool then connects anew, which fails while the
    file is missing: the district answers 503, and heals when its file is back."""

    def _identity() -> tuple[int, int]:
        stat = os.stat(path)
        return stat.st_dev, stat.st_ino

    @sa.event.listens_for(engine, "connect")
    def _remember(_dbapi_connection: Any, record: Any) -> None:
        record.info["file_identity"] = _identity()

    @sa.event.listens_for(engine, "checkout")
    def _check(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        try:
            current = _identity()
        except OSError:
            current = None
        if current != record.info.get("file_identity"):
            raise sa.exc.DisconnectionError(f"the database file {path} is missing or replaced")


def _guard_read_only(engine: Engine) -> None:
    """Make the database itself refuse writes while the bound tenant is suspended."""
    sqlite = engine.dialect.name == "sqlite"

    @sa.event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        binding = bound_binding()
        read_only = bool(binding is not None and binding.read_only)
        if record.info.get("read_only", False) == read_only:
            return
        cursor = dbapi_connection.cursor()
        if sqlite:
            cursor.execute(f"PRAGMA query_only = {'ON' if read_only else 'OFF'}")
        else:
            cursor.execute(f"SET default_transaction_read_only = {'on' if read_only else 'off'}")
            dbapi_connection.commit()
        cursor.close()
        record.info["read_only"] = read_only


def create_tenant_engine(url: str, config: dict[str, Any]) -> Engine:
    """An engine for one tenant database, configured as DESIGN.md §3 says."""
    parsed = resolve_url(url, config["INSTANCE_PATH"])
    if parsed.get_backend_name() == "sqlite":
        database = quote(str(parsed.database))
        parsed = parsed.set(database=f"file:{database}", query={"mode": "rw", "uri": "true"})
        engine = sa.create_engine(parsed, pool_size=2, max_overflow=8)
        configure_sqlite(engine, config["SQLITE_BUSY_TIMEOUT_MS"])
        _guard_file_identity(engine, Path(str(resolve_url(url, config["INSTANCE_PATH"]).database)))
    else:
        engine = sa.create_engine(
            parsed,
            pool_size=config["TENANT_POOL_SIZE"],
            max_overflow=config["TENANT_POOL_OVERFLOW"],
            pool_recycle=1800,
            pool_pre_ping=True,
            connect_args={"connect_timeout": config["DATABASE_CONNECT_TIMEOUT"]},
        )
    _guard_read_only(engine)
    mark_database_errors(engine, "tenant")
    return engine


class EngineCache:
    """A bounded LRU of tenant engines; an evicted or replaced engine is disposed."""

    def __init__(self, capacity: int, factory: Callable[[str], Engine]) -> None:
        self.capacity = capacity
        self._factory = factory
        self._entries: OrderedDict[str, tuple[str, Engine]] = OrderedDict()
        self._lock = threading.Lock()

    def engine_for(self, tenant: TenantInfo) -> Engine:
        with self._lock:
            entry = self._entries.get(tenant.slug)
            if entry is not None and entry[0] == tenant.database_url:
                self._entries.move_to_end(tenant.slug)
                return entry[1]
            if entry is not None:
                entry[1].dispose()
            engine = self._factory(tenant.database_url)
            self._entries[tenant.slug] = (tenant.database_url, engine)
            while len(self._entries) > self.capacity:
                _slug, (_url, evicted) = self._entries.popitem(last=False)
                evicted.dispose()
            return engine

    def discard(self, slug: str) -> None:
        with self._lock:
            entry = self._entries.pop(slug, None)
        if entry is not None:
            entry[1].dispose()

    def cached(self) -> Iterator[tuple[str, str]]:
        """(slug, database URL) of every cached engine, most recently used last."""
        with self._lock:
            return iter([(slug, url) for slug, (url, _engine) in self._entries.items()])

    def __len__(self) -> int:
        return len(self._entries)

    def dispose_all(self) -> None:
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
        for _url, engine in entries:
            engine.dispose()
