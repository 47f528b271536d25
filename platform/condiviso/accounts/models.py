"""People of a district (tenant database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy_utils import EmailType

from condiviso.accounts.roles import Role
from condiviso.clock import utcnow
from condiviso.extensions import db


class User(db.Model):
    """A person with an account in the district: a citizen, staff, or both."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a person registered at a desk with a phone number only.
    email: Mapped[str | None] = mapped_column(EmailType(254), unique=True)
    # E.164 (+393331234567): what a person without e-mail signs in with.
    phone: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    comune_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comune.id"), index=True)
    codice_fiscale: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="it")
    email_verified_at: Mapped[datetime | None]
    # Set when the person chose a password with an activation code from a desk: a person
    # without e-mail has no address to verify.
    activated_at: Mapped[datetime | None]
    # Bumped on password change and "sign out everywhere": older sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None]
    # Set when the person deleted their account: what remains is anonymous.
    deleted_at: Mapped[datetime | None]

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="RoleGrant.user_id",
    )
    comune = relationship("Comune", lazy="joined")

    # -- Flask-Login ---------------------------------------------------------------------------
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return self.deleted_at is None

    @property
    def is_active(self) -> bool:
        confirmed = self.email_verified_at is not None or self.activated_at is not None
        return self.deleted_at is None and confirmed

    @property
    def username(self) -> str:
        """What the person signs in with: the e-mail address, else the phone number."""
        return self.email or self.phone or ""

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    # -- roles ---------------------------------------------------------------------------------
    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(g.role) for g in self.grants)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    def comune_scope(self) -> frozenset[int]:
        """Comuni a comune staff member works for."""
        return frozenset(
            g.comune_id for g in self.grants if g.role == Role.COMUNE_STAFF and g.comune_id
        )


class RoleGrant(db.Model):
    """One role of a person, with its scope: a comune (comune staff) or a cooperative."""

    __tablename__ = "role_grant"
    __table_args__ = (
        sa.UniqueConstraint(
            "user_id", "role", "comune_id", "cooperative_id", name="uq_role_grant_scope"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(30))
    comune_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comune.id"))
    # The cooperatives live in a plugin; the scope is its cooperative's id.
    cooperative_id: Mapped[int | None]
    granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])


class Consent(db.Model):
    """A consent given, with the version of the text shown, when and how."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(30))
    text_version: Mapped[int]
    method: Mapped[str] = mapped_column(sa.String(20))  # online, paper, read_aloud
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )


class Invitation(db.Model):
    """A staff invitation: whom, with which role and scope, until when."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(EmailType(254), index=True)
    role: Mapped[str] = mapped_column(sa.String(30))
    scope: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    invited_by_label: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ActivationCode(db.Model):
    """A one-time code a desk hands a person registered there, to choose their password.

    Only a keyed digest is kept; a code is used once, replaced by the next one issued, and
    expires."""

    __tablename__ = "activation_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_digest: Mapped[str] = mapped_column(sa.String(64))
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None]
    # Set when a newer code replaced this one.
    revoked_at: Mapped[datetime | None]
