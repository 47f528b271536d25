"""The per-process tenancy machinery of one app: registry cache, host resolver, engine cache, and
the request hooks that bind a request to its site."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, g, request
from werkzeug.wrappers import Request

from condiviso.database.binding import TenantBinding, bind, unbind
from condiviso.extensions import db
from condiviso.redis_connection import get_redis, redis_key
from condiviso.tenancy.engines import EngineCache, create_tenant_engine, mark_database_errors
from condiviso.tenancy.keys import TenantSessionInterface
from condiviso.tenancy.migrations import CORE_TENANT_HISTORY, History
from condiviso.tenancy.sites import HostResolver, Site, SiteKind
from condiviso.tenancy.snapshot import (
    REGISTRY_VERSION_KEY,
    DatabaseVersion,
    RedisVersion,
    RegistryCache,
    RegistrySnapshot,
    TenantInfo,
    load_snapshot,
    tenants_missing_from,
)

SITE_ENVIRON_KEY = "condiviso.site"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Reachable with any Host header and without the registry: load balancers probe by IP address,
# and a probe must answer even when the platform database does not.
HOST_INDEPENDENT_PATHS = frozenset({"/healthz", "/readyz"})


class TenancyRuntime:
    """Everything a worker keeps about tenants; one per app, in `app.extensions`."""

    def __init__(self, app: Flask) -> None:
        self.config = app.config
        platform_engine = db.engines["platform"]
        mark_database_errors(platform_engine, "platform")
        self.platform_engine = platform_engine
        self.engines = EngineCache(
            app.config["TENANT_ENGINE_CACHE_SIZE"],
            lambda url: create_tenant_engine(url, app.config),
        )
        redis = get_redis(app)
        version_source = (
            RedisVersion(redis, redis_key(REGISTRY_VERSION_KEY, app))
            if redis is not None
            else DatabaseVersion(platform_engine)
        )
        self.registry = RegistryCache(
            lambda version: load_snapshot(platform_engine, version),
            version_source,
            app.config["REGISTRY_REFRESH_SECONDS"],
            on_reload=self._drop_stale_engines,
            stale_seconds=app.config["REGISTRY_STALE_SECONDS"],
            retry_seconds=app.config["REGISTRY_RETRY_SECONDS"],
        )
        self.resolver = HostResolver(
            app.config["PLATFORM_DOMAIN"],
            app.config["TRUSTED_HOSTS_PATTERNS"],
            self.registry.snapshot,
        )
        # Blueprint name -> the kind of site its routes belong to.
        self.blueprint_sites: dict[str, SiteKind] = {}
        # The histories of a tenant database: the core's, then each installed plugin's (the
        # plugin machinery adds theirs when it starts).
        self.tenant_histories: list[History] = [CORE_TENANT_HISTORY]

    def _drop_stale_engines(self, snapshot: RegistrySnapshot) -> None:
        for slug in tenants_missing_from(snapshot, self.engines.cached()):
            self.engines.discard(slug)

    def binding_for(self, tenant: TenantInfo) -> TenantBinding:
        return TenantBinding(tenant, self.engines.engine_for, read_only=tenant.read_only)

    def site_of(self, req: Request) -> Site:
        """The site of a request, resolved once and kept in its WSGI environ."""
        site = req.environ.get(SITE_ENVIRON_KEY)
        if site is None:
            site = self.resolver.resolve(req.environ.get("HTTP_HOST") or req.host)
            req.environ[SITE_ENVIRON_KEY] = site
        return site


def get_runtime(app: Flask | None = None) -> TenancyRuntime:
    return (app or current_app).extensions["condiviso.tenancy"]


def current_site() -> Site:
    """The site of the current request."""
    return get_runtime().site_of(request)


def register_site_blueprint(app: Flask, blueprint: Any, site: SiteKind, **options: Any) -> None:
    """Register a blueprint whose routes exist only on one kind of site (404 elsewhere)."""
    app.register_blueprint(blueprint, **options)
    get_runtime(app).blueprint_sites[blueprint.name] = site


def _enter_site() -> None:
    runtime = get_runtime()
    if request.path in HOST_INDEPENDENT_PATHS:
        return
    site = runtime.site_of(request)
    if site.kind is SiteKind.UNTRUSTED:
        abort(400)
    if site.kind is SiteKind.UNKNOWN:
        abort(404)
    if site.tenant is not None:
        # Bound first, so that even an error page of this request sees its tenant.
        g.tenant_binding_token = bind(runtime.binding_for(site.tenant))
    blueprint = request.blueprints[-1] if request.blueprints else None
    required = runtime.blueprint_sites.get(blueprint) if blueprint else None
    if required is not None and required is not site.kind:
        abort(404)
    if site.tenant is not None and site.tenant.read_only and request.method not in SAFE_METHODS:
        from condiviso.database.session import TenantSuspended

        raise TenantSuspended()


def _leave_site(_exc: BaseException | None) -> None:
    token = g.pop("tenant_binding_token", None)
    if token is not None:
        # The tenant's session scope ends with the binding; close it while still bound.
        db.session.remove()
        unbind(token)


def init_app(app: Flask) -> None:
    runtime = TenancyRuntime(app)
    app.extensions["condiviso.tenancy"] = runtime
    app.session_interface = TenantSessionInterface(runtime.site_of, HOST_INDEPENDENT_PATHS)
    app.before_request(_enter_site)
    app.teardown_request(_leave_site)
