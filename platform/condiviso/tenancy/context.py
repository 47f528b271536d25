"""Entering a tenant outside a request: the CLI, jobs and tests say which tenant they work for."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from flask_babel import gettext as _

from condiviso.database.binding import bind, bound_binding, current_binding, unbind
from condiviso.errors import NotFound
from condiviso.extensions import db
from condiviso.tenancy.engines import failed_database, is_database_outage
from condiviso.tenancy.runtime import get_runtime
from condiviso.tenancy.snapshot import TenantInfo, load_tenant_info


def current_tenant() -> TenantInfo:
    """The tenant bound to the current request or `tenant_context`; raises `NoTenantBound`."""
    return current_binding().tenant


def current_tenant_or_none() -> TenantInfo | None:
    binding = bound_binding()
    return binding.tenant if binding is not None else None


def find_tenant(slug: str, app: Flask | None = None) -> TenantInfo:
    """The tenant as the registry holds it now; `NotFound` if there is none (or it is gone)."""
    info = load_tenant_info(get_runtime(app).platform_engine, slug)
    if info is None:
        raise NotFound(_("Il distretto «%(slug)s» non esiste.", slug=slug))
    return info


@contextmanager
def tenant_context(tenant: str | TenantInfo, app: Flask | None = None) -> Iterator[TenantInfo]:
    """Bind a tenant (by slug, read fresh from the registry, or as given) for the block.

    Inside, `db.session` is a session of its own for that tenant, closed on exit: commit what
    should be kept before leaving the block. The tenant's database being missing or down comes
    out as `TenantDatabaseUnavailable` (a 503 naming the district, a clear line in the CLI).
    """
    from condiviso.outages import TenantDatabaseUnavailable

    app = app or current_app._get_current_object()
    info = tenant if isinstance(tenant, TenantInfo) else find_tenant(tenant, app)
    token = bind(get_runtime(app).binding_for(info))
    try:
        yield info
    except Exception as error:
        if is_database_outage(error) and failed_database(error) == "tenant":
            raise TenantDatabaseUnavailable(info) from error
        raise
    finally:
        db.session.remove()
        unbind(token)
