"""Legal texts, kept as numbered versions: a consent records the version that was shown."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from condiviso.clock import utcnow
from condiviso.extensions import db


class LegalKind(enum.StrEnum):
    PRIVACY = "privacy"
    ACCESSIBILITY = "accessibility"
    COOKIES = "cookies"


class LegalPage(db.Model):
    """One version of one legal text in one language; the highest version is the current one."""

    __tablename__ = "legal_page"
    __table_args__ = (
        sa.UniqueConstraint("kind", "locale", "version", name="uq_legal_page_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    locale: Mapped[str] = mapped_column(sa.String(5))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(200))
