"""The tenant registry, its audit and its version counter.

Revision ID: platform_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "platform_0001"
down_revision = None
branch_labels = None
depends_on = None

_uuid = sa.Uuid()


def upgrade() -> None:
    op.create_table(
        "tenant",
        sa.Column("id", _uuid, nullable=False),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("database_url", sa.String(500), nullable=False),
        sa.Column("plan", sa.String(40), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archive_path", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_tenant"),
        sa.UniqueConstraint("slug", name="uq_tenant_slug"),
    )
    op.create_table(
        "tenant_domain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", _uuid, nullable=False),
        sa.Column("hostname", sa.String(253), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name="fk_tenant_domain_tenant_id_tenant",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tenant_domain"),
        sa.UniqueConstraint("hostname", name="uq_tenant_domain_hostname"),
    )
    op.create_index("ix_tenant_domain_tenant_id", "tenant_domain", ["tenant_id"])
    op.create_table(
        "tenant_plugin",
        sa.Column("tenant_id", _uuid, nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name="fk_tenant_plugin_tenant_id_tenant",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "name", name="pk_tenant_plugin"),
    )
    op.create_table(
        "registry_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("tenant_slug", sa.String(40), nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_registry_audit"),
    )
    op.create_index("ix_registry_audit_at", "registry_audit", ["at"])
    op.create_index("ix_registry_audit_tenant_slug", "registry_audit", ["tenant_slug"])
    state = op.create_table(
        "registry_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_registry_state"),
    )
    op.bulk_insert(state, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("registry_state")
    op.drop_index("ix_registry_audit_tenant_slug", table_name="registry_audit")
    op.drop_index("ix_registry_audit_at", table_name="registry_audit")
    op.drop_table("registry_audit")
    op.drop_table("tenant_plugin")
    op.drop_index("ix_tenant_domain_tenant_id", table_name="tenant_domain")
    op.drop_table("tenant_domain")
    op.drop_table("tenant")
