"""Platform operators.

Revision ID: platform_0002
Revises: platform_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "platform_0002"
down_revision = "platform_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_operator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.Unicode(254), nullable=False),
        sa.Column("full_name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_platform_operator"),
        sa.UniqueConstraint("email", name="uq_platform_operator_email"),
    )


def downgrade() -> None:
    op.drop_table("platform_operator")
