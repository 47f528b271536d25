"""The database session that sends platform tables to the platform database and everything
else to the database of the tenant bound to the current context."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.session import Session

from condiviso.database.binding import bound_binding, current_binding
from condiviso.errors import CondivisoError

PLATFORM_BIND = "platform"


class TenantSuspended(CondivisoError):
    """A write reached a suspended tenant: its data is kept, read-only."""

    status = 503

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or _(
                "Questo portale è temporaneamente sospeso: puoi consultare i contenuti, ma non "
                "è possibile inviare o modificare dati. I tuoi dati sono conservati."
            )
        )

    def title(self) -> str:
        return _("Portale in sola lettura")


def _table_of(mapper: Any, clause: Any) -> sa.Table | None:
    if mapper is not None:
        table = sa.inspect(mapper).local_table
        if isinstance(table, sa.Table):
            return table
    if isinstance(clause, sa.Table):
        return clause
    if isinstance(clause, sa.UpdateBase) and isinstance(clause.table, sa.Table):
        return clause.table
    return None


def is_platform_table(table: sa.Table) -> bool:
    return table.metadata.info.get("bind_key") == PLATFORM_BIND


class RoutingSession(Session):
    """Routes each statement by the plane its table belongs to; never falls back to a tenant."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):  # type: ignore[override]
        if bind is not None:
            return bind
        table = _table_of(mapper, clause)
        if table is not None and is_platform_table(table):
            return self._db.engines[PLATFORM_BIND]
        return current_binding().engine


@sa.event.listens_for(RoutingSession, "before_flush")
def _refuse_writes_while_suspended(session: RoutingSession, _context: Any, _instances: Any) -> None:
    binding = bound_binding()
    if binding is None or not binding.read_only:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not is_platform_table(sa.inspect(obj).mapper.local_table):
            raise TenantSuspended()
