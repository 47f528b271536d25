"""The tenant registry: the control plane's tables in the platform database."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy_utils import EmailType

from condiviso.clock import utcnow
from condiviso.extensions import db


class TenantStatus(enum.StrEnum):
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    OFFBOARDED = "offboarded"


class PlatformModel(db.Model):
    """Base of the models stored in the platform database."""

    __abstract__ = True
    __bind_key__ = "platform"


class Tenant(PlatformModel):
    __tablename__ = "tenant"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[TenantStatus] = mapped_column(
        sa.Enum(
            TenantStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=TenantStatus.PROVISIONING,
    )
    database_url: Mapped[str] = mapped_column(sa.String(500))
    plan: Mapped[str] = mapped_column(sa.String(40), default="base")
    # A demonstration tenant whose data is invented; its portal says so on every page.
    sample: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    archive_path: Mapped[str | None] = mapped_column(sa.String(500))

    domains: Mapped[list[TenantDomain]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", order_by="TenantDomain.hostname"
    )
    plugins: Mapped[list[TenantPlugin]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", order_by="TenantPlugin.name"
    )

    def plugin(self, name: str) -> TenantPlugin | None:
        return next((p for p in self.plugins if p.name == name), None)


class TenantDomain(PlatformModel):
    """A custom domain of a tenant; it routes only once verified."""

    __tablename__ = "tenant_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("tenant.id", ondelete="CASCADE"), index=True
    )
    hostname: Mapped[str] = mapped_column(sa.String(253), unique=True)
    verified: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[datetime | None]
    is_primary: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = relationship(back_populates="domains")


class TenantPlugin(PlatformModel):
    """A plugin's enablement and validated settings for one tenant."""

    __tablename__ = "tenant_plugin"

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("tenant.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tenant: Mapped[Tenant] = relationship(back_populates="plugins")


class RegistryAudit(PlatformModel):
    """Who changed what in the registry, and when. Rows outlive the tenant they describe."""

    __tablename__ = "registry_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(200))
    tenant_slug: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class RegistryState(PlatformModel):
    """A single row whose version grows with every registry change (workers poll it)."""

    __tablename__ = "registry_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class PlatformOperator(PlatformModel):
    """A person who runs the platform; exists only on the apex host."""

    __tablename__ = "platform_operator"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(EmailType(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    is_anonymous = False
    is_authenticated = True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"
