"""The comuni of the district.

Revision ID: core_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comune",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("istat_code", sa.String(6), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("cadastral_code", sa.String(4), nullable=True),
        sa.Column("postal_code", sa.String(5), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_comune"),
        sa.UniqueConstraint("istat_code", name="uq_comune_istat_code"),
    )


def downgrade() -> None:
    op.drop_table("comune")
