"""Accounts, roles, consents, invitations and legal pages.

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None

_when = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.Unicode(254), nullable=False),
        sa.Column("full_name", sa.String(120), nullable=False),
        sa.Column("comune_id", sa.Integer(), nullable=True),
        sa.Column("codice_fiscale", sa.String(16), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("locale", sa.String(5), nullable=False),
        sa.Column("email_verified_at", _when, nullable=True),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("updated_at", _when, nullable=False),
        sa.Column("last_login_at", _when, nullable=True),
        sa.Column("deleted_at", _when, nullable=True),
        sa.ForeignKeyConstraint(
            ["comune_id"], ["comune.id"], name="fk_user_account_comune_id_comune"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_user_account"),
        sa.UniqueConstraint("email", name="uq_user_account_email"),
        sa.UniqueConstraint("codice_fiscale", name="uq_user_account_codice_fiscale"),
    )
    op.create_index("ix_user_account_comune_id", "user_account", ["comune_id"])
    op.create_table(
        "role_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("comune_id", sa.Integer(), nullable=True),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _when, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name="fk_role_grant_user_id_user_account",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comune_id"], ["comune.id"], name="fk_role_grant_comune_id_comune"
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["user_account.id"],
            name="fk_role_grant_granted_by_id_user_account",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_role_grant"),
        sa.UniqueConstraint(
            "user_id", "role", "comune_id", "cooperative_id", name="uq_role_grant_scope"
        ),
    )
    op.create_index("ix_role_grant_user_id", "role_grant", ["user_id"])
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("text_version", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("given_at", _when, nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name="fk_consent_user_id_user_account",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name="fk_consent_recorded_by_id_user_account",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_consent"),
    )
    op.create_index("ix_consent_user_id", "consent", ["user_id"])
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.Unicode(254), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("invited_by_label", sa.String(200), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("expires_at", _when, nullable=False),
        sa.Column("accepted_at", _when, nullable=True),
        sa.Column("revoked_at", _when, nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["user_account.id"],
            name="fk_invitation_invited_by_id_user_account",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invitation"),
        sa.UniqueConstraint("token_hash", name="uq_invitation_token_hash"),
    )
    op.create_index("ix_invitation_email", "invitation", ["email"])
    op.create_table(
        "legal_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("locale", sa.String(5), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", _when, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_legal_page"),
        sa.UniqueConstraint("kind", "locale", "version", name="uq_legal_page_version"),
    )


def downgrade() -> None:
    op.drop_table("legal_page")
    op.drop_index("ix_invitation_email", table_name="invitation")
    op.drop_table("invitation")
    op.drop_index("ix_consent_user_id", table_name="consent")
    op.drop_table("consent")
    op.drop_index("ix_role_grant_user_id", table_name="role_grant")
    op.drop_table("role_grant")
    op.drop_index("ix_user_account_comune_id", table_name="user_account")
    op.drop_table("user_account")
