"""Assisted registration: people without e-mail (phone number), activation codes.

Expand only: the e-mail becomes optional, a phone number and an activation time are added, and
the activation codes get their table; code that predates them keeps working.

On SQLite making a column nullable rebuilds `user_account` (batch mode). Other tables refer to
it with ON DELETE CASCADE, and dropping the old table with foreign keys enforced would delete
every role and consent: the rebuild runs with enforcement off, and refuses to run on a table
with rows if it cannot be turned off (inside a transaction SQLite ignores the pragma).

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None

_when = sa.DateTime(timezone=True)


def _foreign_keys_off() -> bool:
    """On SQLite, turn foreign-key enforcement off for the rebuild; True when it was done."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return False
    bind.exec_driver_sql("PRAGMA foreign_keys = OFF")
    still_on = bind.exec_driver_sql("PRAGMA foreign_keys").scalar()
    if still_on and bind.exec_driver_sql("SELECT count(*) FROM user_account").scalar():
        raise RuntimeError(
            "core_0004 rebuilds user_account: run it in a transaction of its own "
            "(foreign keys could not be switched off, and the rebuild would cascade)"
        )
    return not still_on


def _check_and_restore(switched: bool) -> None:
    """Check every reference survived the rebuild. Switching enforcement back on is ignored
    inside the migration's transaction; migrations run on connections of their own (NullPool),
    closed afterwards, and every new connection turns it on."""
    if not switched:
        return
    bind = op.get_bind()
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"core_0004 left broken references: {broken[:5]}")
    bind.exec_driver_sql("PRAGMA foreign_keys = ON")


def upgrade() -> None:
    switched = _foreign_keys_off()
    with op.batch_alter_table("user_account") as batch:
        batch.alter_column("email", existing_type=sa.Unicode(254), nullable=True)
        batch.add_column(sa.Column("phone", sa.String(20), nullable=True))
        batch.add_column(sa.Column("activated_at", _when, nullable=True))
        batch.create_unique_constraint("uq_user_account_phone", ["phone"])
    _check_and_restore(switched)
    op.create_table(
        "activation_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_digest", sa.String(64), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("expires_at", _when, nullable=False),
        sa.Column("used_at", _when, nullable=True),
        sa.Column("revoked_at", _when, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name="fk_activation_code_user_id_user_account",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name="fk_activation_code_issued_by_id_user_account",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_activation_code"),
    )
    op.create_index("ix_activation_code_user_id", "activation_code", ["user_id"])


def downgrade() -> None:
    """Only while every person still has an e-mail address (NOT NULL comes back)."""
    op.drop_index("ix_activation_code_user_id", table_name="activation_code")
    op.drop_table("activation_code")
    switched = _foreign_keys_off()
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint("uq_user_account_phone", type_="unique")
        batch.drop_column("activated_at")
        batch.drop_column("phone")
        batch.alter_column("email", existing_type=sa.Unicode(254), nullable=False)
    _check_and_restore(switched)
