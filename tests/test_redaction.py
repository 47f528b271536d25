"""Credentials never leave the process: database passwords are masked in the registry audit,
on the console, in the CLI and in log lines; audit rows written before the fix are cleaned."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from condiviso.extensions import db
from condiviso.ops.logs import LOG_FORMAT, RedactingFormatter
from condiviso.redaction import redact_credentials
from condiviso.tenancy import registry
from condiviso.tenancy.migrations import PLATFORM_HISTORY, downgrade, upgrade
from condiviso.tenancy.models import RegistryAudit
from tests.conftest import build_app
from tests.districts import ACTOR

SECRET_URL = "postgresql+psycopg://condiviso:s3gr3t0-Sup3r@db.internal:5432/condiviso_t_x"


def test_passwords_in_urls_are_masked_and_nothing_else_changes():
    assert redact_credentials(f"engine {SECRET_URL} failed") == (
        "engine postgresql+psycopg://condiviso:***@db.internal:5432/condiviso_t_x failed"
    )
    for kept in ("sqlite:///tenants/x/tenant.sqlite", "redis://127.0.0.1:6379/0", "a:b@c"):
        assert redact_credentials(kept) == kept
    assert redact_credentials("redis://:pw@host:6379") == "redis://:***@host:6379"


def test_the_registry_audit_keeps_no_database_password(app, host_client):
    with app.app_context():
        registry.record_event(
            ACTOR, None, "tenant.registered", {"database_url": SECRET_URL, "nested": [SECRET_URL]}
        )
        row = db.session.scalar(sa.select(RegistryAudit).order_by(RegistryAudit.id.desc()))
    assert "s3gr3t0" not in str(row.details)
    assert row.details["database_url"].startswith("postgresql+psycopg://condiviso:***@db.internal")


def test_log_lines_and_tracebacks_carry_no_password():
    formatter = RedactingFormatter(LOG_FORMAT)
    try:
        raise RuntimeError(f"cannot reach {SECRET_URL}")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "condiviso", logging.ERROR, __file__, 1, "engine %s", (SECRET_URL,), sys.exc_info()
        )
    record.tenant = record.request_id = "-"
    line = formatter.format(record)
    assert "s3gr3t0" not in line and "condiviso:***@db.internal" in line


def test_audit_rows_written_before_are_cleaned_by_the_migration(tmp_path_factory):
    app = build_app(tmp_path_factory)
    with app.app_context():
        engine = db.engines["platform"]
    with engine.connect() as connection:
        downgrade(connection, PLATFORM_HISTORY, "platform_0002")
        connection.execute(
            sa.insert(RegistryAudit.__table__).values(
                actor=ACTOR,
                tenant_slug="x",
                action="tenant.registered",
                details={"database_url": SECRET_URL, "plan": "base"},
                at=sa.func.current_timestamp(),
            )
        )
        connection.commit()
        upgrade(connection, PLATFORM_HISTORY)
        connection.commit()
        details = connection.execute(
            sa.select(RegistryAudit.details).where(RegistryAudit.tenant_slug == "x")
        ).scalar_one()
    assert details == {
        "database_url": "postgresql+psycopg://condiviso:***@db.internal:5432/condiviso_t_x",
        "plan": "base",
    }
