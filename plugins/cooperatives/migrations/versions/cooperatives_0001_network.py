"""The service network: categories, cooperatives, the comuni they serve, accreditations.

Revision ID: cooperatives_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "cooperatives_0001"
down_revision = None
branch_labels = ("cooperatives",)
depends_on = None

_when = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cooperatives_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(60), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=True),
        sa.Column("description", sa.String(300), nullable=True),
        sa.Column("icon", sa.String(40), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cooperatives_category"),
        sa.UniqueConstraint("slug", name="uq_cooperatives_category_slug"),
    )
    op.create_table(
        "cooperatives_cooperative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("legal_name", sa.String(200), nullable=False),
        sa.Column("short_name", sa.String(80), nullable=True),
        sa.Column("tax_code", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(30), nullable=True),
        sa.Column("website", sa.String(300), nullable=True),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cooperatives_cooperative"),
        sa.UniqueConstraint("slug", name="uq_cooperatives_cooperative_slug"),
        sa.UniqueConstraint("tax_code", name="uq_cooperatives_cooperative_tax_code"),
    )
    op.create_table(
        "cooperatives_area",
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("comune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives_cooperative.id"],
            name="fk_cooperatives_area_cooperative_id_cooperatives_cooperative",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comune_id"], ["comune.id"], name="fk_cooperatives_area_comune_id_comune"
        ),
        sa.PrimaryKeyConstraint("cooperative_id", "comune_id", name="pk_cooperatives_area"),
    )
    op.create_index("ix_cooperatives_area_comune_id", "cooperatives_area", ["comune_id"])
    op.create_table(
        "cooperatives_accreditation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("comune_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("notes", sa.String(300), nullable=True),
        sa.Column("created_at", _when, nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives_cooperative.id"],
            name="fk_cooperatives_accreditation_cooperative_id",
        ),
        sa.ForeignKeyConstraint(
            ["comune_id"], ["comune.id"], name="fk_cooperatives_accreditation_comune_id_comune"
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["cooperatives_category.id"],
            name="fk_cooperatives_accreditation_category_id",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_cooperatives_accreditation"),
        sa.UniqueConstraint(
            "cooperative_id",
            "comune_id",
            "category_id",
            "valid_from",
            name="uq_cooperatives_accreditation_period",
        ),
    )


def downgrade() -> None:
    op.drop_table("cooperatives_accreditation")
    op.drop_index("ix_cooperatives_area_comune_id", table_name="cooperatives_area")
    op.drop_table("cooperatives_area")
    op.drop_table("cooperatives_cooperative")
    op.drop_table("cooperatives_category")
