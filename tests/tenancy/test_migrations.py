"""The migration histories create exactly what the models describe."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from condiviso.extensions import db
from condiviso.tenancy.engines import resolve_url


def _differences(engine, metadata):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _skip_version_tables}
        )
        return compare_metadata(context, metadata)


def _skip_version_tables(obj, name, type_, reflected, compare_to):
    """Version tables, and what a plugin declares it manages itself (a search index)."""
    if type_ == "table" and name.endswith("alembic_version"):
        return False
    unmanaged = db.metadatas[None].info.get("unmanaged", set())
    return not (
        reflected and compare_to is None and any(name.startswith(prefix) for prefix in unmanaged)
    )


def test_tenant_schema_matches_the_models(app, alpha):
    engine = sa.create_engine(
        resolve_url(alpha.database_url, app.config["INSTANCE_PATH"]), poolclass=sa.NullPool
    )
    try:
        assert _differences(engine, db.metadatas[None]) == []
    finally:
        engine.dispose()


def test_platform_schema_matches_the_models(app):
    with app.app_context():
        engine = db.engines["platform"]
    assert _differences(engine, db.metadatas["platform"]) == []
