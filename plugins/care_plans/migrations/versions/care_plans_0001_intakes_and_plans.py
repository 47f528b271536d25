"""Intake conversations, care plans and their items.

Revision ID: care_plans_0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "care_plans_0001"
down_revision = None
branch_labels = ("care_plans",)
depends_on = None

_when = sa.DateTime(timezone=True)


def _user_fk(table: str, column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["user_account.id"], name=f"fk_{table}_{column}_user_account", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "care_plans_intake",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_user_id", sa.Integer(), nullable=False),
        sa.Column("operator_user_id", sa.Integer(), nullable=True),
        sa.Column("operator_label", sa.String(200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),  # encrypted
        sa.Column("notes", sa.Text(), nullable=True),  # encrypted
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        _user_fk("care_plans_intake", "citizen_user_id", "CASCADE"),
        _user_fk("care_plans_intake", "operator_user_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_care_plans_intake"),
    )
    op.create_index(
        "ix_care_plans_intake_citizen_user_id", "care_plans_intake", ["citizen_user_id"]
    )
    op.create_table(
        "care_plans_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_user_id", sa.Integer(), nullable=False),
        sa.Column("operator_user_id", sa.Integer(), nullable=True),
        sa.Column("operator_label", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("goals", sa.Text(), nullable=True),  # encrypted
        sa.Column("notes", sa.Text(), nullable=True),  # encrypted
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("reminded_for", sa.Date(), nullable=True),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        _user_fk("care_plans_plan", "citizen_user_id", "CASCADE"),
        _user_fk("care_plans_plan", "operator_user_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_care_plans_plan"),
    )
    for column in ("citizen_user_id", "operator_user_id", "status", "review_on"):
        op.create_index(f"ix_care_plans_plan_{column}", "care_plans_plan", [column])
    op.create_table(
        "care_plans_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("provider_name", sa.String(200), nullable=False),
        sa.Column("frequency", sa.String(100), nullable=False),
        sa.Column("cost", sa.Numeric(10, 2), nullable=False),
        sa.Column("funding", sa.String(20), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _when, nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["care_plans_plan.id"],
            name="fk_care_plans_item_plan_id_care_plans_plan",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["catalog_service.id"],
            name="fk_care_plans_item_service_id_catalog_service",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests_request.id"],
            name="fk_care_plans_item_request_id_requests_request",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_care_plans_item"),
    )
    for column in ("plan_id", "service_id", "request_id"):
        op.create_index(f"ix_care_plans_item_{column}", "care_plans_item", [column])


def downgrade() -> None:
    op.drop_table("care_plans_item")
    op.drop_table("care_plans_plan")
    op.drop_table("care_plans_intake")
