"""Funds, budget lines, vouchers, choices, deliveries, disputes and statements.

Revision ID: vouchers_0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "vouchers_0001"
down_revision = None
branch_labels = ("vouchers",)
depends_on = None

_when = sa.DateTime(timezone=True)


def _fk(column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "vouchers_fund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description", sa.String(300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", name="uq_vouchers_fund_name"),
    )
    op.create_table(
        "vouchers_budget_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("funder", sa.String(20), nullable=False),
        sa.Column("comune_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(300), nullable=True),
        sa.Column("created_at", _when, nullable=False),
        _fk("comune_id", "comune.id"),
        _fk("fund_id", "vouchers_fund.id"),
        _fk("account_id", "wallet_account.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", name="uq_vouchers_budget_line_account_id"),
        sa.UniqueConstraint("funder", "year", "fund_id", name="uq_vouchers_line"),
    )
    op.create_index("ix_vouchers_budget_line_comune_id", "vouchers_budget_line", ["comune_id"])
    op.create_index("ix_vouchers_budget_line_fund_id", "vouchers_budget_line", ["fund_id"])
    op.create_table(
        "vouchers_voucher",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_user_id", sa.Integer(), nullable=False),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("hourly_rate_cents", sa.Integer(), nullable=True),
        sa.Column("copay_percent", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("care_plan_item_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_user_id", sa.Integer(), nullable=True),
        sa.Column("issuer_label", sa.String(200), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("closed_at", _when, nullable=True),
        _fk("line_id", "vouchers_budget_line.id"),
        _fk("account_id", "wallet_account.id"),
        _fk("beneficiary_user_id", "user_account.id", "RESTRICT"),
        _fk("issued_by_user_id", "user_account.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", name="uq_vouchers_voucher_code"),
        sa.UniqueConstraint("account_id", name="uq_vouchers_voucher_account_id"),
    )
    for column in ("line_id", "beneficiary_user_id", "valid_to", "status", "care_plan_item_id"):
        op.create_index(f"ix_vouchers_voucher_{column}", "vouchers_voucher", [column])
    op.create_table(
        "vouchers_voucher_category",
        sa.Column("voucher_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        _fk("voucher_id", "vouchers_voucher.id", "CASCADE"),
        _fk("category_id", "cooperatives_category.id", "RESTRICT"),
        sa.PrimaryKeyConstraint("voucher_id", "category_id"),
    )
    op.create_index(
        "ix_vouchers_voucher_category_category_id", "vouchers_voucher_category", ["category_id"]
    )
    op.create_table(
        "vouchers_voucher_service",
        sa.Column("voucher_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        _fk("voucher_id", "vouchers_voucher.id", "CASCADE"),
        _fk("service_id", "catalog_service.id", "RESTRICT"),
        sa.PrimaryKeyConstraint("voucher_id", "service_id"),
    )
    op.create_index(
        "ix_vouchers_voucher_service_service_id", "vouchers_voucher_service", ["service_id"]
    )
    op.create_table(
        "vouchers_choice",
        sa.Column("voucher_id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("chosen_by_label", sa.String(200), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        _fk("voucher_id", "vouchers_voucher.id", "CASCADE"),
        _fk("cooperative_id", "cooperatives_cooperative.id", "CASCADE"),
        sa.PrimaryKeyConstraint("voucher_id", "cooperative_id"),
    )
    op.create_index("ix_vouchers_choice_cooperative_id", "vouchers_choice", ["cooperative_id"])
    op.create_table(
        "vouchers_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("voucher_id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("accreditation_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("funder", sa.String(20), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("cost_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(300), nullable=True),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_label", sa.String(200), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        _fk("voucher_id", "vouchers_voucher.id"),
        _fk("cooperative_id", "cooperatives_cooperative.id"),
        _fk("accreditation_id", "cooperatives_accreditation.id"),
        _fk("service_id", "catalog_service.id"),
        _fk("transaction_id", "wallet_transaction.id"),
        _fk("reverses_id", "vouchers_delivery.id"),
        _fk("recorded_by_user_id", "user_account.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transaction_id", name="uq_vouchers_delivery_transaction_id"),
        sa.UniqueConstraint("reverses_id", name="uq_vouchers_delivery_reverses_id"),
    )
    for column in ("voucher_id", "cooperative_id", "funder", "delivered_on"):
        op.create_index(f"ix_vouchers_delivery_{column}", "vouchers_delivery", [column])
    op.create_table(
        "vouchers_dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("raised_by_label", sa.String(200), nullable=False),
        sa.Column("raised_at", _when, nullable=False),
        sa.Column("resolution", sa.String(12), nullable=True),
        sa.Column("resolution_note", sa.String(500), nullable=True),
        sa.Column("resolved_by_label", sa.String(200), nullable=True),
        sa.Column("resolved_at", _when, nullable=True),
        _fk("delivery_id", "vouchers_delivery.id"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_vouchers_dispute_delivery_id", "vouchers_dispute", ["delivery_id"])
    op.create_table(
        "vouchers_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("funder", sa.String(20), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("payment_reference", sa.String(120), nullable=True),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("paid_by_label", sa.String(200), nullable=False),
        sa.Column("paid_at", _when, nullable=False),
        _fk("cooperative_id", "cooperatives_cooperative.id"),
        _fk("transaction_id", "wallet_transaction.id"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transaction_id", name="uq_vouchers_statement_transaction_id"),
    )
    op.create_index(
        "ix_vouchers_statement_cooperative_id", "vouchers_statement", ["cooperative_id"]
    )
    op.create_index("ix_vouchers_statement_funder", "vouchers_statement", ["funder"])
    op.create_table(
        "vouchers_statement_delivery",
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        _fk("statement_id", "vouchers_statement.id"),
        _fk("delivery_id", "vouchers_delivery.id"),
        sa.PrimaryKeyConstraint("statement_id", "delivery_id"),
        sa.UniqueConstraint("delivery_id", name="uq_vouchers_statement_delivery_delivery_id"),
    )


def downgrade() -> None:
    for table in (
        "vouchers_statement_delivery",
        "vouchers_statement",
        "vouchers_dispute",
        "vouchers_delivery",
        "vouchers_choice",
        "vouchers_voucher_service",
        "vouchers_voucher_category",
        "vouchers_voucher",
        "vouchers_budget_line",
        "vouchers_fund",
    ):
        op.drop_table(table)
