"""Mask database passwords that earlier versions copied into the registry audit.

Revision ID: platform_0003
Revises: platform_0002
Create Date: 2026-12-02
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "platform_0003"
down_revision = "platform_0002"
branch_labels = None
depends_on = None

# The same pattern as condiviso.redaction (migrations do not import the application).
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@", re.IGNORECASE)


def _clean(value):
    if isinstance(value, str):
        return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}***@", value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def upgrade() -> None:
    audit = sa.table("registry_audit", sa.column("id", sa.Integer), sa.column("details", sa.JSON))
    connection = op.get_bind()
    for row in connection.execute(sa.select(audit.c.id, audit.c.details)).all():
        details = row.details if not isinstance(row.details, str) else json.loads(row.details)
        cleaned = _clean(details)
        if cleaned != details:
            connection.execute(audit.update().where(audit.c.id == row.id).values(details=cleaned))


def downgrade() -> None:
    """The passwords are gone; nothing to restore."""
