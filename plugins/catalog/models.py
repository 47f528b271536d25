"""Services of the catalog (tenant database)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from condiviso.plugin_api import db, utcnow


class ProviderType(enum.StrEnum):
    PUBLIC = "public"
    ACCREDITED = "accredited"
    PRIVATE = "private"
    CORPORATE_WELFARE = "corporate_welfare"


class PriceKind(enum.StrEnum):
    FREE = "free"
    FIXED = "fixed"
    FROM = "from"
    INCOME_BASED = "income_based"


class Delivery(enum.StrEnum):
    AT_HOME = "at_home"
    AT_CENTRE = "at_centre"
    ONLINE = "online"


class ServiceStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


service_comune = sa.Table(
    "catalog_service_comune",
    db.metadata,
    sa.Column(
        "service_id", sa.ForeignKey("catalog_service.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("comune_id", sa.ForeignKey("comune.id"), primary_key=True),
    sa.Index("ix_catalog_service_comune_comune_id", "comune_id"),
)


class Service(db.Model):
    """A service a family can ask for: who delivers it, where, what it costs."""

    __tablename__ = "catalog_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("cooperatives_category.id"), index=True)
    audience: Mapped[str] = mapped_column(sa.String(200))
    provider_type: Mapped[str] = mapped_column(sa.String(20), index=True)
    cooperative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cooperatives_cooperative.id"), index=True
    )
    # The comune that delivers a public service.
    comune_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comune.id"), index=True)
    price_kind: Mapped[str] = mapped_column(sa.String(20))
    price: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    isee_note: Mapped[str | None] = mapped_column(sa.String(300))
    delivery: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    contact: Mapped[str | None] = mapped_column(sa.String(300))
    # A photo in the tenant's storage, by content digest.
    photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    photo_type: Mapped[str | None] = mapped_column(sa.String(30))
    status: Mapped[str] = mapped_column(
        sa.String(20), default=ServiceStatus.DRAFT.value, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]

    comuni = relationship(
        "Comune", secondary=service_comune, lazy="selectin", order_by="Comune.name"
    )
    category = relationship("Category", lazy="joined")
    cooperative = relationship("Cooperative", lazy="joined")
    comune = relationship("Comune", foreign_keys=[comune_id], lazy="joined")

    @property
    def provider_name(self) -> str:
        if self.cooperative is not None:
            return self.cooperative.short_name or self.cooperative.legal_name
        if self.comune is not None:
            return f"Comune di {self.comune.name}"
        return ""


class Coverage(db.Model):
    """Where and when an accreditation covers an accredited service: one row per accreditation
    of the service's cooperative and category in one of the service's comuni.

    Derived data, kept current by the catalog when a service or an accreditation is written, so
    that whether a service may be shown today is one indexed lookup, whatever the catalog's
    size (see docs/decisions/0009)."""

    __tablename__ = "catalog_coverage"

    service_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalog_service.id", ondelete="CASCADE"), primary_key=True
    )
    accreditation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives_accreditation.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )
    comune_id: Mapped[int] = mapped_column(sa.ForeignKey("comune.id"), index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]


class ServiceChange(db.Model):
    """The history of a service: who changed what, when."""

    __tablename__ = "catalog_service_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalog_service.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


# The search index is the back end's own (FTS5 on SQLite, tsvector and GIN on PostgreSQL),
# created by the migration, not by a model: schema comparisons leave it alone.
db.metadata.info.setdefault("unmanaged", set()).add("catalog_search")


class SearchWord(db.Model):
    """Every word of the published catalog, unaccented: the vocabulary typos are matched to."""

    __tablename__ = "catalog_search_word"

    word: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
