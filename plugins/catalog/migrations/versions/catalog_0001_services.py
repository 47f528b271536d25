"""Catalog services, their comuni, their history, and the search index.

Revision ID: catalog_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0001"
down_revision = None
branch_labels = ("catalog",)
depends_on = None

_when = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "catalog_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(200), nullable=False),
        sa.Column("provider_type", sa.String(20), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("comune_id", sa.Integer(), nullable=True),
        sa.Column("price_kind", sa.String(20), nullable=False),
        sa.Column("price", sa.Numeric(10, 2), nullable=True),
        sa.Column("isee_note", sa.String(300), nullable=True),
        sa.Column("delivery", sa.JSON(), nullable=False),
        sa.Column("contact", sa.String(300), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        sa.Column("published_at", _when, nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["cooperatives_category.id"],
            name="fk_catalog_service_category_id_cooperatives_category",
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives_cooperative.id"],
            name="fk_catalog_service_cooperative_id_cooperatives_cooperative",
        ),
        sa.ForeignKeyConstraint(
            ["comune_id"], ["comune.id"], name="fk_catalog_service_comune_id_comune"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_service"),
        sa.UniqueConstraint("slug", name="uq_catalog_service_slug"),
    )
    for column in ("category_id", "provider_type", "cooperative_id", "comune_id", "status"):
        op.create_index(f"ix_catalog_service_{column}", "catalog_service", [column])
    op.create_table(
        "catalog_service_comune",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("comune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["catalog_service.id"],
            name="fk_catalog_service_comune_service_id_catalog_service",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comune_id"], ["comune.id"], name="fk_catalog_service_comune_comune_id_comune"
        ),
        sa.PrimaryKeyConstraint("service_id", "comune_id", name="pk_catalog_service_comune"),
    )
    op.create_table(
        "catalog_service_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("at", _when, nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["catalog_service.id"],
            name="fk_catalog_service_change_service_id_catalog_service",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_service_change"),
    )
    op.create_index(
        "ix_catalog_service_change_service_id", "catalog_service_change", ["service_id"]
    )
    op.create_table(
        "catalog_search_word",
        sa.Column("word", sa.String(60), nullable=False),
        sa.PrimaryKeyConstraint("word", name="pk_catalog_search_word"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE TEXT SEARCH CONFIGURATION condiviso_it (COPY = pg_catalog.italian)")
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION condiviso_it ALTER MAPPING FOR hword, "
            "hword_part, word WITH unaccent, italian_stem"
        )
        op.execute(
            "CREATE TABLE catalog_search (service_id integer PRIMARY KEY REFERENCES "
            "catalog_service (id) ON DELETE CASCADE, document tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX catalog_search_document ON catalog_search USING gin (document)")
        op.execute(
            "CREATE INDEX catalog_search_word_trgm ON catalog_search_word "
            "USING gin (word gin_trgm_ops)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE catalog_search USING fts5(title, body, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE catalog_search")
        op.execute("DROP TEXT SEARCH CONFIGURATION condiviso_it")
    else:
        op.execute("DROP TABLE catalog_search")
    op.drop_table("catalog_search_word")
    op.drop_index("ix_catalog_service_change_service_id", table_name="catalog_service_change")
    op.drop_table("catalog_service_change")
    op.drop_table("catalog_service_comune")
    for column in ("category_id", "provider_type", "cooperative_id", "comune_id", "status"):
        op.drop_index(f"ix_catalog_service_{column}", table_name="catalog_service")
    op.drop_table("catalog_service")
