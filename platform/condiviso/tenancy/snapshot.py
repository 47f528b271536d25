"""What every worker knows about the tenants: an immutable snapshot of the registry, cached per
process and replaced when the registry's version changes (DESIGN.md §3).

Web requests read the snapshot (a dict lookup); code that must see the registry as it is right
now (provisioning, the CLI, jobs) loads a tenant with `load_tenant_info`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from condiviso.ops.episodes import FailureEpisode
from condiviso.tenancy.models import Tenant, TenantDomain, TenantPlugin, TenantStatus

log = logging.getLogger(__name__)

REGISTRY_VERSION_KEY = "registry:version"
SERVED_STATUSES = (TenantStatus.ACTIVE, TenantStatus.SUSPENDED)


@dataclass(frozen=True, slots=True)
class TenantInfo:
    """A tenant as the running code sees it; never a live ORM object."""

    id: uuid.UUID
    slug: str
    display_name: str
    status: TenantStatus
    database_url: str
    plan: str
    sample: bool = False
    plugins: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    domains: tuple[str, ...] = ()
    primary_domain: str | None = None

    @property
    def read_only(self) -> bool:
        return self.status is TenantStatus.SUSPENDED

    def has_plugin(self, name: str) -> bool:
        return name in self.plugins


@dataclass(frozen=True, slots=True)
class RegistrySnapshot:
    version: int | None
    by_slug: Mapping[str, TenantInfo]
    by_domain: Mapping[str, TenantInfo]


def _freeze(settings: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(settings or {}))


def _tenant_infos(
    connection: Connection, tenant_filter: sa.ColumnElement[bool]
) -> list[TenantInfo]:
    tenants = connection.execute(sa.select(Tenant.__table__).where(tenant_filter)).all()
    if not tenants:
        return []
    ids = [row.id for row in tenants]
    domains: dict[uuid.UUID, list[Any]] = {}
    for row in connection.execute(
        sa.select(TenantDomain.__table__)
        .where(TenantDomain.tenant_id.in_(ids), TenantDomain.verified.is_(True))
        .order_by(TenantDomain.hostname)
    ):
        domains.setdefault(row.tenant_id, []).append(row)
    plugins: dict[uuid.UUID, dict[str, Mapping[str, Any]]] = {}
    for row in connection.execute(
        sa.select(TenantPlugin.__table__).where(
            TenantPlugin.tenant_id.in_(ids), TenantPlugin.enabled.is_(True)
        )
    ):
        plugins.setdefault(row.tenant_id, {})[row.name] = _freeze(row.settings)
    infos = []
    for row in tenants:
        own_domains = domains.get(row.id, [])
        primary = next((d.hostname for d in own_domains if d.is_primary), None)
        infos.append(
            TenantInfo(
                id=row.id,
                slug=row.slug,
                display_name=row.display_name,
                status=TenantStatus(row.status),
                database_url=row.database_url,
                plan=row.plan,
                sample=row.sample,
                plugins=MappingProxyType(plugins.get(row.id, {})),
                domains=tuple(d.hostname for d in own_domains),
                primary_domain=primary,
            )
        )
    return infos


def load_tenant_info(engine: Engine, slug: str) -> TenantInfo | None:
    """The tenant as the platform database holds it now (offboarded tenants are None)."""
    with engine.connect() as connection:
        infos = _tenant_infos(
            connection, (Tenant.slug == slug) & (Tenant.status != TenantStatus.OFFBOARDED)
        )
    return infos[0] if infos else None


def load_snapshot(engine: Engine, version: int | None) -> RegistrySnapshot:
    """Every served tenant (active or suspended), indexed by slug and by verified domain."""
    with engine.connect() as connection:
        infos = _tenant_infos(connection, Tenant.status.in_(SERVED_STATUSES))
    by_domain = {domain: info for info in infos for domain in info.domains}
    return RegistrySnapshot(
        version=version,
        by_slug=MappingProxyType({info.slug: info for info in infos}),
        by_domain=MappingProxyType(by_domain),
    )


class RegistryUnavailable(RuntimeError):
    """No snapshot of the registry may be served: none was ever loaded, or the platform
    database (or the version source) has been failing for longer than the stale bound."""


class DatabaseVersion:
    """The registry version kept in the platform database (no Redis configured)."""

    # Reading it is a platform database query: when it fails, so would a reload.
    reads_platform_database = True

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def read(self) -> int:
        with self._engine.connect() as connection:
            value = connection.execute(sa.text("SELECT version FROM registry_state WHERE id = 1"))
            return int(value.scalar() or 0)

    def announce(self) -> None:
        """Nothing to do: the version row was bumped inside the registry change's transaction."""


class RedisVersion:
    """The registry version kept in Redis, so that polling costs no database query."""

    reads_platform_database = False

    def __init__(self, client: Any, key: str) -> None:
        self._client = client
        self._key = key

    def read(self) -> int:
        return int(self._client.get(self._key) or 0)

    def announce(self) -> None:
        self._client.incr(self._key)


class RegistryCache:
    """The per-process snapshot, checked against the version at most every `refresh_seconds`.

    When the version cannot be read or the snapshot cannot be loaded, the last good snapshot
    keeps being served for up to `stale_seconds` after it was last known to be current, and the
    source is tried again at most every `retry_seconds` (never on every request); past that
    bound, or with no snapshot ever loaded, `snapshot()` raises `RegistryUnavailable`. The first
    failure of an episode and its end are logged once. See docs/decisions/0016.
    """

    def __init__(
        self,
        load: Callable[[int | None], RegistrySnapshot],
        version_source: DatabaseVersion | RedisVersion,
        refresh_seconds: float,
        on_reload: Callable[[RegistrySnapshot], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        stale_seconds: float = 300.0,
        retry_seconds: float = 5.0,
    ) -> None:
        self._load = load
        self.version_source = version_source
        self._refresh_seconds = refresh_seconds
        self._stale_seconds = stale_seconds
        self._on_reload = on_reload
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: RegistrySnapshot | None = None
        # The snapshot requests get until the next check: the last good one, or None past the
        # stale bound (requests are then refused without touching the database).
        self._serving: RegistrySnapshot | None = None
        self._verified_at = float("-inf")
        self._next_check_at = float("-inf")
        self._reload_wanted = False
        self.episode = FailureEpisode(
            "the tenant registry",
            retry_seconds,
            log,
            f"serving its last snapshot for up to {stale_seconds:g} s",
            clock,
        )

    def snapshot(self) -> RegistrySnapshot:
        """The snapshot to route with; `RegistryUnavailable` when there is none to serve."""
        if self._clock() < self._next_check_at:
            return self._served()
        with self._lock:
            now = self._clock()
            if now < self._next_check_at:
                return self._served()
            try:
                version_error = self._refresh(now)
            except Exception as error:
                self.episode.failed(error)
                self._next_check_at = now + self.episode.retry_seconds
                fresh_enough = now - self._verified_at <= self._stale_seconds
                self._serving = self._snapshot if fresh_enough else None
            else:
                if version_error is None:
                    self.episode.succeeded()
                    self._next_check_at = now + self._refresh_seconds
                else:
                    # Current, read from the database; the version is checked again (and the
                    # snapshot reloaded) only after the retry interval.
                    self.episode.failed(version_error)
                    self._next_check_at = now + self.episode.retry_seconds
                self._serving = self._snapshot
            return self._served()

    def _served(self) -> RegistrySnapshot:
        snapshot = self._serving
        if snapshot is None:
            raise RegistryUnavailable("the tenant registry cannot be read")
        return snapshot

    def _refresh(self, now: float) -> Exception | None:
        """Make `_snapshot` current, or raise (leaving the last good one in place). Returns the
        version source's error when the version could not be read but the snapshot could."""
        version_error = None
        try:
            version: int | None = self.version_source.read()
        except Exception as error:
            if getattr(self.version_source, "reads_platform_database", True):
                raise
            # Version unknown (Redis down): the database is the truth. Reloading from it on
            # each retry, rather than on every request, keeps the snapshot current.
            version, version_error = None, error
        current = self._snapshot
        if current is None or self._reload_wanted or version is None or version != current.version:
            self._reload_wanted = False
            try:
                current = self._load(version)
            except Exception:
                self._reload_wanted = True
                raise
            self._snapshot = current
            if self._on_reload is not None:
                self._on_reload(current)
        self._verified_at = now
        return version_error

    def invalidate(self) -> None:
        """The registry changed: reload at the next lookup (the old snapshot stays the fallback
        should the reload fail)."""
        with self._lock:
            self._reload_wanted = True
            self._next_check_at = float("-inf")

    def announce_change(self) -> None:
        """Tell every worker (through the version source) and this one that the registry changed."""
        try:
            self.version_source.announce()
        except Exception:
            log.error("could not announce a registry change to other workers", exc_info=True)
        self.invalidate()


def tenants_missing_from(
    snapshot: RegistrySnapshot, cached: Iterable[tuple[str, str]]
) -> list[str]:
    """Slugs of cached (slug, database URL) pairs that the snapshot no longer serves as such."""
    stale = []
    for slug, url in cached:
        info = snapshot.by_slug.get(slug)
        if info is None or info.database_url != url:
            stale.append(slug)
    return stale
