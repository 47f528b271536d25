"""Access audit; contacts and social-services office of the comuni.

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("record_type", sa.String(60), nullable=False),
        sa.Column("record_id", sa.String(60), nullable=False),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_access_audit"),
    )
    op.create_index("ix_access_audit_at", "access_audit", ["at"])
    op.create_index("ix_access_audit_actor_user_id", "access_audit", ["actor_user_id"])
    op.create_index("ix_access_audit_subject_user_id", "access_audit", ["subject_user_id"])
    with op.batch_alter_table("comune") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("contact_phone", sa.String(30), nullable=True))
        batch.add_column(sa.Column("social_office", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("comune") as batch:
        batch.drop_column("social_office")
        batch.drop_column("contact_phone")
        batch.drop_column("contact_email")
    op.drop_index("ix_access_audit_subject_user_id", table_name="access_audit")
    op.drop_index("ix_access_audit_actor_user_id", table_name="access_audit")
    op.drop_index("ix_access_audit_at", table_name="access_audit")
    op.drop_table("access_audit")
