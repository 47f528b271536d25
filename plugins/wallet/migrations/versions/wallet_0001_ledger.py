"""The ledger: accounts, transactions and entries; triggers refuse to change or delete the
transactions and their entries.

Revision ID: wallet_0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "wallet_0001"
down_revision = None
branch_labels = ("wallet",)
depends_on = None

_when = sa.DateTime(timezone=True)
LEDGER_TABLES = ("wallet_transaction", "wallet_entry")
MESSAGE = "ledger rows are never changed or deleted: write a reversal"


def upgrade() -> None:
    op.create_table(
        "wallet_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(80), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("may_go_negative", sa.Boolean(), nullable=False),
        sa.Column("balance_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.CheckConstraint(
            "may_go_negative OR balance_cents >= 0", name="ck_wallet_account_not_negative"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference", name="uq_wallet_account_reference"),
    )
    op.create_index("ix_wallet_account_kind", "wallet_account", ["kind"])
    op.create_table(
        "wallet_transaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("idempotency_key", sa.String(120), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _when, nullable=False),
        sa.ForeignKeyConstraint(["actor_user_id"], ["user_account.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["reverses_id"], ["wallet_transaction.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key", name="uq_wallet_transaction_idempotency_key"),
        sa.UniqueConstraint("reverses_id", name="uq_wallet_transaction_reverses_id"),
    )
    op.create_index("ix_wallet_transaction_kind", "wallet_transaction", ["kind"])
    op.create_index("ix_wallet_transaction_actor_user_id", "wallet_transaction", ["actor_user_id"])
    op.create_index("ix_wallet_transaction_created_at", "wallet_transaction", ["created_at"])
    op.create_table(
        "wallet_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["transaction_id"], ["wallet_transaction.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["account_id"], ["wallet_account.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wallet_entry_transaction_id", "wallet_entry", ["transaction_id"])
    op.create_index("ix_wallet_entry_account_id", "wallet_entry", ["account_id"])
    _refuse_rewrites()


def _refuse_rewrites() -> None:
    """Triggers that make the database itself refuse UPDATE and DELETE on the ledger's rows."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION wallet_refuse_rewrite() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in LEDGER_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_never_rewritten BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION wallet_refuse_rewrite()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_never_truncated BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION wallet_refuse_rewrite()"
            )
        return
    for table in LEDGER_TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_never_{action.lower()}d BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in LEDGER_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_never_rewritten ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_never_truncated ON {table}")
        op.execute("DROP FUNCTION IF EXISTS wallet_refuse_rewrite()")
    op.drop_table("wallet_entry")
    op.drop_table("wallet_transaction")
    op.drop_table("wallet_account")
