"""Branding assets (logos) kept in the tenant's storage.

Revision ID: branding_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "branding_0001"
down_revision = None
branch_labels = ("branding",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "branding_asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_branding_asset"),
        sa.UniqueConstraint("sha256", name="uq_branding_asset_sha256"),
    )


def downgrade() -> None:
    op.drop_table("branding_asset")
