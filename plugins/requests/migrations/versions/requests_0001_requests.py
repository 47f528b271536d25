"""Requests, their messages and their status history.

Revision ID: requests_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "requests_0001"
down_revision = None
branch_labels = ("requests",)
depends_on = None

_when = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "requests_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("comune_id", sa.Integer(), nullable=True),
        sa.Column("requester_user_id", sa.Integer(), nullable=True),
        sa.Column("guest_name", sa.String(120), nullable=True),
        sa.Column("guest_phone", sa.String(30), nullable=True),
        sa.Column("guest_email", sa.String(254), nullable=True),
        sa.Column("consent_version", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("preferred_times", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("refusal_reason", sa.String(300), nullable=True),
        sa.Column("submission_token", sa.String(64), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["catalog_service.id"],
            name="fk_requests_request_service_id_catalog_service",
        ),
        sa.ForeignKeyConstraint(
            ["requester_user_id"],
            ["user_account.id"],
            name="fk_requests_request_requester_user_id_user_account",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_requests_request"),
        sa.UniqueConstraint("submission_token", name="uq_requests_request_submission_token"),
    )
    for column in (
        "service_id",
        "cooperative_id",
        "comune_id",
        "requester_user_id",
        "status",
        "created_at",
    ):
        op.create_index(f"ix_requests_request_{column}", "requests_request", [column])
    op.create_table(
        "requests_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_label", sa.String(200), nullable=False),
        sa.Column("from_staff", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests_request.id"],
            name="fk_requests_message_request_id_requests_request",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_requests_message"),
    )
    op.create_index("ix_requests_message_request_id", "requests_message", ["request_id"])
    op.create_table(
        "requests_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", _when, nullable=False),
        sa.Column("actor_label", sa.String(200), nullable=False),
        sa.Column("status_from", sa.String(20), nullable=True),
        sa.Column("status_to", sa.String(20), nullable=False),
        sa.Column("note", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests_request.id"],
            name="fk_requests_event_request_id_requests_request",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_requests_event"),
    )
    op.create_index("ix_requests_event_request_id", "requests_event", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_requests_event_request_id", table_name="requests_event")
    op.drop_table("requests_event")
    op.drop_index("ix_requests_message_request_id", table_name="requests_message")
    op.drop_table("requests_message")
    for column in (
        "service_id",
        "cooperative_id",
        "comune_id",
        "requester_user_id",
        "status",
        "created_at",
    ):
        op.drop_index(f"ix_requests_request_{column}", table_name="requests_request")
    op.drop_table("requests_request")
