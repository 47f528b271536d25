"""Files the branding plugin keeps in the tenant's storage."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from condiviso.plugin_api import db, utcnow


class BrandingAsset(db.Model):
    """A logo the district has used; the file lives at `files/branding/<sha256>.<ext>`."""

    __tablename__ = "branding_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="logo")
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(60))
    size: Mapped[int]
    original_name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
