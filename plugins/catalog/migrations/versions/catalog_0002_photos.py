"""A photo for each service.

Revision ID: catalog_0002
Revises: catalog_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0002"
down_revision = "catalog_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_service") as batch:
        batch.add_column(sa.Column("photo_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("photo_type", sa.String(30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_service") as batch:
        batch.drop_column("photo_type")
        batch.drop_column("photo_sha256")
