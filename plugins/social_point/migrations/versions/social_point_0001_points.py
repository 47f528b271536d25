"""Social Points, opening hours, closures, operators on duty, bookings.

Revision ID: social_point_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "social_point_0001"
down_revision = None
branch_labels = ("social_point",)
depends_on = None

_when = sa.DateTime(timezone=True)
_holds_slot = sa.text("status != 'cancelled'")


def _point_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["point_id"],
        ["social_point_point.id"],
        name=f"fk_{table}_point_id_social_point_point",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "social_point_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("comune_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("accessibility_notes", sa.String(500), nullable=True),
        sa.Column("step_free", sa.Boolean(), nullable=False),
        sa.Column("parking", sa.Boolean(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("modes", sa.JSON(), nullable=False),
        sa.Column("notice_hours", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.ForeignKeyConstraint(
            ["comune_id"], ["comune.id"], name="fk_social_point_point_comune_id_comune"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_social_point_point"),
        sa.UniqueConstraint("name", name="uq_social_point_point_name"),
    )
    op.create_index("ix_social_point_point_comune_id", "social_point_point", ["comune_id"])
    op.create_table(
        "social_point_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        _point_fk("social_point_hours"),
        sa.PrimaryKeyConstraint("id", name="pk_social_point_hours"),
    )
    op.create_index("ix_social_point_hours_point_id", "social_point_hours", ["point_id"])
    op.create_table(
        "social_point_closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        _point_fk("social_point_closure"),
        sa.PrimaryKeyConstraint("id", name="pk_social_point_closure"),
        sa.UniqueConstraint("point_id", "day", name="uq_social_point_closure_point_id"),
    )
    op.create_index("ix_social_point_closure_point_id", "social_point_closure", ["point_id"])
    op.create_table(
        "social_point_duty",
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        _point_fk("social_point_duty"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name="fk_social_point_duty_user_id_user_account",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("point_id", "user_id", "weekday", name="pk_social_point_duty"),
    )
    op.create_table(
        "social_point_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("operator_user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("citizen_user_id", sa.Integer(), nullable=True),
        sa.Column("guest_name", sa.String(120), nullable=True),
        sa.Column("guest_phone", sa.String(30), nullable=True),
        sa.Column("topic", sa.String(500), nullable=True),
        sa.Column("booked_by_user_id", sa.Integer(), nullable=True),
        sa.Column("walk_in", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("cancelled_at", _when, nullable=True),
        sa.Column("reminder_sent_at", _when, nullable=True),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["social_point_point.id"],
            name="fk_social_point_booking_point_id_social_point_point",
        ),
        sa.ForeignKeyConstraint(
            ["operator_user_id"],
            ["user_account.id"],
            name="fk_social_point_booking_operator_user_id_user_account",
        ),
        sa.ForeignKeyConstraint(
            ["citizen_user_id"],
            ["user_account.id"],
            name="fk_social_point_booking_citizen_user_id_user_account",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["booked_by_user_id"],
            ["user_account.id"],
            name="fk_social_point_booking_booked_by_user_id_user_account",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_social_point_booking"),
    )
    for name, column in (("operator", "operator_user_id"), ("citizen", "citizen_user_id")):
        op.create_index(
            f"uq_social_point_booking_{name}_slot",
            "social_point_booking",
            [column, "day", "start"],
            unique=True,
            postgresql_where=_holds_slot,
            sqlite_where=_holds_slot,
        )
    op.create_index(
        "ix_social_point_booking_point_day", "social_point_booking", ["point_id", "day"]
    )


def downgrade() -> None:
    op.drop_table("social_point_booking")
    op.drop_table("social_point_duty")
    op.drop_table("social_point_closure")
    op.drop_table("social_point_hours")
    op.drop_table("social_point_point")
