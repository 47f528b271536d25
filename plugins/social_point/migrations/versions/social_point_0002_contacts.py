"""A desk's telephone and e-mail; a guest's private link to their appointment.

Revision ID: social_point_0002
Revises: social_point_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "social_point_0002"
down_revision = "social_point_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("social_point_point") as batch:
        batch.add_column(sa.Column("phone", sa.String(30), nullable=True))
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
    with op.batch_alter_table("social_point_booking") as batch:
        batch.add_column(sa.Column("guest_token_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("social_point_booking") as batch:
        batch.drop_column("guest_token_digest")
    with op.batch_alter_table("social_point_point") as batch:
        batch.drop_column("email")
        batch.drop_column("phone")
