"""Re-encryption under the newest key of the ring, district by district.

Every value of every encrypted column is first read and decrypted (a survey that writes
nothing); if any value opens with no key, nothing is written anywhere. Then each value not yet
under the newest key is rewritten, in batches committed one by one: running it again, or after
an interruption, rewrites only what is left.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from condiviso.encryption.sealed import (
    UnreadableValue,
    encrypted_columns,
    key_ring,
    seal,
    stored_version,
    unseal,
)
from condiviso.errors import Conflict, NotFound
from condiviso.extensions import db
from condiviso.tenancy.databases import database_exists
from condiviso.tenancy.engines import create_tenant_engine
from condiviso.tenancy.registry import live_tenants

# Values listed when refusing: enough to find the cause, short enough to read.
SHOWN_UNREADABLE = 5


@dataclass
class DistrictReencryption:
    """What one district held, per key version (None: legacy), and what was rewritten."""

    slug: str
    found: Counter[int | None] = field(default_factory=Counter)
    rewritten: int = 0


@dataclass(frozen=True)
class _Column:
    name: str
    purpose: str


@dataclass(frozen=True)
class _District:
    slug: str
    tenant_id: uuid.UUID
    database_url: str


def _districts(only: Sequence[str]) -> list[_District]:
    tenants, missing = live_tenants(only)
    if missing:
        raise NotFound(
            _("Distretti inesistenti o dismessi: %(slugs)s.", slugs=", ".join(sorted(missing)))
        )
    config = current_app.config
    return [
        _District(t.slug, t.id, t.database_url)
        for t in tenants
        if database_exists(config, t.database_url)
    ]


def _columns(connection: sa.Connection) -> dict[sa.Table, list[_Column]]:
    """The encrypted columns of the district's tables, by the table as the models declare it."""
    inspector = sa.inspect(connection)
    found = {}
    for name, columns in encrypted_columns(db.metadata).items():
        if inspector.has_table(name):
            found[db.metadata.tables[name]] = [_Column(c, p) for c, p in columns.items()]
    return found


def _raw_table(table: sa.Table, columns: list[_Column]) -> sa.TableClause:
    """The table's key and encrypted columns with no type: values as the database holds them."""
    names = [c.name for c in table.primary_key.columns] + [c.name for c in columns]
    return sa.table(table.name, *(sa.column(name) for name in names))


def _batches(
    connection: sa.Connection, table: sa.Table, columns: list[_Column], size: int
) -> Iterator[list[sa.Row]]:
    """The rows' keys and stored (still encrypted) values, in key order, `size` at a time."""
    raw = _raw_table(table, columns)
    keys = [raw.c[c.name] for c in table.primary_key.columns]
    after: tuple | None = None
    while True:
        query = sa.select(raw).order_by(*keys).limit(size)
        if after is not None:
            query = query.where(sa.tuple_(*keys) > sa.tuple_(*after))
        rows = connection.execute(query).all()
        if not rows:
            return
        yield rows
        after = tuple(rows[-1][: len(keys)])


def _row_label(table: sa.Table, row: sa.Row) -> str:
    return ", ".join(f"{c.name}={row._mapping[c.name]}" for c in table.primary_key.columns)


def _survey(
    connection: sa.Connection, district: _District, size: int
) -> tuple[Counter[int | None], list[str]]:
    """Values per key version, and a description of each value no key opens."""
    found: Counter[int | None] = Counter()
    unreadable: list[str] = []
    for table, columns in _columns(connection).items():
        for rows in _batches(connection, table, columns, size):
            for row in rows:
                for column in columns:
                    stored = row._mapping[column.name]
                    if stored is None:
                        continue
                    try:
                        found[stored_version(stored)] += 1
                        unseal(stored, column.purpose, district.tenant_id)
                    except UnreadableValue as error:
                        unreadable.append(
                            f"«{district.slug}» {table.name}.{column.name} "
                            f"({_row_label(table, row)}): {error.reason()}"
                        )
    return found, unreadable


def _conditional_update(raw: sa.TableClause, keys: list[str], names: tuple[str, ...]) -> sa.Update:
    """UPDATE of `names` for one row, only while it still holds the values read: a change made
    meanwhile was written under the newest key already."""
    return (
        sa.update(raw)
        .where(*(raw.c[key] == sa.bindparam(f"key_{key}") for key in keys))
        .where(*(raw.c[name] == sa.bindparam(f"old_{name}") for name in names))
        .values({name: sa.bindparam(f"new_{name}") for name in names})
    )


def _rewrite(connection: sa.Connection, district: _District, size: int) -> int:
    """Rewrite every value not under the newest key; commit each batch."""
    newest = key_ring().newest[0]
    rewritten = 0
    for table, columns in _columns(connection).items():
        keys = [c.name for c in table.primary_key.columns]
        raw = _raw_table(table, columns)
        for rows in _batches(connection, table, columns, size):
            # Rows grouped by the columns they need rewritten: one statement per group.
            groups: dict[tuple[str, ...], list[dict]] = {}
            for row in rows:
                values = row._mapping
                stale = [
                    c
                    for c in columns
                    if values[c.name] is not None and stored_version(values[c.name]) != newest
                ]
                if not stale:
                    continue
                params = {f"key_{key}": values[key] for key in keys}
                for column in stale:
                    text = unseal(values[column.name], column.purpose, district.tenant_id)
                    params[f"old_{column.name}"] = values[column.name]
                    params[f"new_{column.name}"] = seal(text, column.purpose, district.tenant_id)
                groups.setdefault(tuple(c.name for c in stale), []).append(params)
            for names, params in groups.items():
                result = connection.execute(_conditional_update(raw, keys, names), params)
                rewritten += result.rowcount * len(names)
            connection.commit()
    return rewritten


def reencrypt_districts(
    only: Sequence[str] = (), batch_size: int = 500
) -> list[DistrictReencryption]:
    """Rewrite every encrypted value of every district (or of `only`) under the newest key.

    Refuses with `Conflict`, having written nothing, when any value opens with no key.
    Suspended districts are included: their data is kept, so it is re-keyed too."""
    districts = _districts(only)
    config = current_app.config
    reports, unreadable = [], []
    for district in districts:
        engine = create_tenant_engine(district.database_url, config)
        try:
            with engine.connect() as connection:
                found, bad = _survey(connection, district, batch_size)
        finally:
            engine.dispose()
        reports.append(DistrictReencryption(district.slug, found))
        unreadable.extend(bad)
    if unreadable:
        lines = [f"  {line}" for line in unreadable[:SHOWN_UNREADABLE]]
        if len(unreadable) > SHOWN_UNREADABLE:
            lines.append("  " + _("… e altri %(more)s.", more=len(unreadable) - SHOWN_UNREADABLE))
        raise Conflict(
            "\n".join(
                [
                    _(
                        "%(count)s valori cifrati non si decifrano con nessuna chiave:",
                        count=len(unreadable),
                    ),
                    *lines,
                    _("Rimetti in DATA_ENCRYPTION_KEYS la chiave che manca e riprova."),
                ]
            )
        )
    for district, report in zip(districts, reports, strict=True):
        engine = create_tenant_engine(district.database_url, config)
        try:
            with engine.connect() as connection:
                report.rewritten = _rewrite(connection, district, batch_size)
        finally:
            engine.dispose()
    return reports
