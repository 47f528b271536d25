"""Alembic histories and how they are run.

Three kinds of history: the platform database's, the core tenant schema's, and one per plugin
with tenant tables. Each keeps its own version table, so a plugin's history is independent of
the core's and of other plugins' (as Indico and CKAN do). Histories run without an `env.py`:
this module is the environment, so the CLI, provisioning and tests share one way to migrate.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_ROOT = Path(__file__).resolve().parent.parent / "migrations"


@dataclass(frozen=True)
class History:
    """One Alembic history: a folder with `versions/`, and the table recording where a
    database stands in it."""

    name: str
    directory: Path
    version_table: str

    @functools.cached_property
    def script(self) -> ScriptDirectory:
        return ScriptDirectory(str(self.directory))

    @functools.cached_property
    def config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.directory))
        return config

    def heads(self) -> tuple[str, ...]:
        return tuple(sorted(self.script.get_heads()))


PLATFORM_HISTORY = History("platform", MIGRATIONS_ROOT / "platform", "alembic_version")
CORE_TENANT_HISTORY = History("core", MIGRATIONS_ROOT / "tenant", "alembic_version")


def plugin_history(plugin_name: str, directory: Path) -> History:
    return History(plugin_name, Path(directory), f"{plugin_name}_alembic_version")


def current_heads(connection: Connection, history: History) -> tuple[str, ...]:
    context = MigrationContext.configure(connection, opts={"version_table": history.version_table})
    return tuple(sorted(context.get_current_heads()))


def _run(connection: Connection, history: History, target: str, upgrade: bool) -> None:
    script = history.script
    sqlite = connection.dialect.name == "sqlite"
    if sqlite and connection.in_transaction():
        connection.commit()  # so that each migration can run in a transaction of its own

    def steps(revision, _context):
        if upgrade:
            return script._upgrade_revs(target, revision)
        return script._downgrade_revs(target, revision)

    with EnvironmentContext(
        history.config, script, fn=steps, destination_rev=target, as_sql=False
    ) as environment:
        environment.configure(
            connection=connection,
            version_table=history.version_table,
            render_as_batch=True,
            # On SQLite each migration commits on its own: a migration that rebuilds a table
            # must switch foreign keys off, which SQLite ignores inside an open transaction
            # (pysqlite opens one at the previous migration's version update). PostgreSQL runs
            # a history's migrations in one transaction.
            transaction_per_migration=sqlite,
        )
        with environment.begin_transaction():
            environment.run_migrations()


def upgrade(connection: Connection, history: History, target: str = "heads") -> bool:
    """Bring a database to `target` in one history; False when it was already there."""
    if target == "heads" and current_heads(connection, history) == history.heads():
        return False
    _run(connection, history, target, upgrade=True)
    return True


def downgrade(connection: Connection, history: History, target: str) -> None:
    """Take a database back to `target` ("base" or a revision) in one history."""
    _run(connection, history, target, upgrade=False)


def upgrade_all(engine: Engine, histories: Sequence[History]) -> list[str]:
    """Upgrade a database through each history in order; the names of those that moved."""
    moved = []
    for history in histories:
        with engine.connect() as connection:
            if upgrade(connection, history):
                moved.append(history.name)
            connection.commit()
    return moved


def schema_fingerprint(histories: Iterable[History]) -> str:
    """A short digest of every history's heads: equal fingerprints, equal schemas."""
    digest = hashlib.sha256()
    for history in histories:
        digest.update(f"{history.name}={','.join(history.heads())};".encode())
    return digest.hexdigest()[:16]


def is_current(engine: Engine, histories: Sequence[History]) -> bool:
    with engine.connect() as connection:
        return all(current_heads(connection, h) == h.heads() for h in histories)


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())
