"""Where and when accreditations cover accredited services; the comuni's services by comune.

Revision ID: catalog_0003
Revises: catalog_0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0003"
down_revision = "catalog_0002"
branch_labels = None
depends_on = None

FILL = """
INSERT INTO catalog_coverage (service_id, accreditation_id, comune_id, valid_from, valid_to)
SELECT sc.service_id, a.id, a.comune_id, a.valid_from, a.valid_to
FROM catalog_service_comune AS sc
JOIN catalog_service AS s ON s.id = sc.service_id
JOIN cooperatives_accreditation AS a
  ON a.cooperative_id = s.cooperative_id AND a.category_id = s.category_id
 AND a.comune_id = sc.comune_id
WHERE s.provider_type = 'accredited'
"""


def upgrade() -> None:
    op.create_table(
        "catalog_coverage",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("accreditation_id", sa.Integer(), nullable=False),
        sa.Column("comune_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["catalog_service.id"],
            name="fk_catalog_coverage_service_id_catalog_service",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["accreditation_id"],
            ["cooperatives_accreditation.id"],
            name="fk_catalog_coverage_accreditation_id_cooperatives_accreditation",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comune_id"], ["comune.id"], name="fk_catalog_coverage_comune_id_comune"
        ),
        sa.PrimaryKeyConstraint("service_id", "accreditation_id", name="pk_catalog_coverage"),
    )
    op.create_index(
        "ix_catalog_coverage_accreditation_id", "catalog_coverage", ["accreditation_id"]
    )
    op.create_index("ix_catalog_coverage_comune_id", "catalog_coverage", ["comune_id"])
    op.create_index("ix_catalog_service_comune_comune_id", "catalog_service_comune", ["comune_id"])
    op.execute(FILL)


def downgrade() -> None:
    op.drop_index("ix_catalog_service_comune_comune_id", table_name="catalog_service_comune")
    op.drop_table("catalog_coverage")
