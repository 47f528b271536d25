"""Which tenant the running code works for: one context variable, set by a request or by
`tenant_context`, never guessed.

This module is the bottom of the tenancy package: it imports nothing from the rest of Condiviso,
so the database session can consult it without import cycles.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from condiviso.tenancy.snapshot import TenantInfo


class NoTenantBound(RuntimeError):
    """Tenant data was touched while no tenant was bound."""

    def __init__(self) -> None:
        super().__init__(
            "No tenant is bound: tenant data can only be read or written inside a tenant's "
            "request or inside `with tenant_context(slug):`."
        )


class TenantBinding:
    """The tenant bound to the current context and, created on first use, its engine."""

    __slots__ = ("_engine", "_engine_factory", "read_only", "tenant")

    def __init__(
        self, tenant: TenantInfo, engine_factory: Callable[[TenantInfo], Engine], read_only: bool
    ) -> None:
        self.tenant = tenant
        self.read_only = read_only
        self._engine_factory = engine_factory
        self._engine: Engine | None = None

    @property
    def engine_used(self) -> bool:
        """Whether anything reached the tenant's database through this binding."""
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self._engine_factory(self.tenant)
        return self._engine


_current: ContextVar[TenantBinding | None] = ContextVar("condiviso_tenant", default=None)


def current_binding() -> TenantBinding:
    """The binding of the current context; raises `NoTenantBound` when there is none."""
    binding = _current.get()
    if binding is None:
        raise NoTenantBound()
    return binding


def bound_binding() -> TenantBinding | None:
    """The binding of the current context, or None."""
    return _current.get()


def bind(binding: TenantBinding) -> Token:
    return _current.set(binding)


def unbind(token: Token) -> None:
    _current.reset(token)


def session_scope() -> tuple[int, int]:
    """Scope key of the database session: one session per app context *and* tenant binding,
    so objects loaded for one tenant can never be served from the identity map to another."""
    from flask.globals import app_ctx

    binding: Any = _current.get()
    return id(app_ctx._get_current_object()), id(binding)
