"""Reading and publishing the district's legal texts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from condiviso.extensions import db
from condiviso.legal.models import LegalKind, LegalPage


def current_page(kind: str, locale: str) -> LegalPage | None:
    """The latest version in `locale`, else in Italian (the texts that bind are Italian)."""
    for language in dict.fromkeys([locale, "it"]):
        page = current_page_exact(kind, language)
        if page is not None:
            return page
    return None


def current_page_exact(kind: str, locale: str) -> LegalPage | None:
    """The latest version in exactly `locale` (for editing)."""
    return db.session.scalar(
        sa.select(LegalPage)
        .where(LegalPage.kind == kind, LegalPage.locale == locale)
        .order_by(LegalPage.version.desc())
        .limit(1)
    )


def current_version(kind: str, locale: str) -> int:
    page = current_page(kind, locale)
    return page.version if page is not None else 0


def publish_page(kind: str, locale: str, title: str, body: str, author: str) -> LegalPage:
    """A new version of a legal text; earlier versions are kept (consents refer to them)."""
    version = current_version_exact(kind, locale) + 1
    page = LegalPage(
        kind=kind,
        locale=locale,
        version=version,
        title=title.strip(),
        body=body.strip(),
        created_by=author,
    )
    db.session.add(page)
    return page


def current_version_exact(kind: str, locale: str) -> int:
    value = db.session.scalar(
        sa.select(sa.func.max(LegalPage.version)).where(
            LegalPage.kind == kind, LegalPage.locale == locale
        )
    )
    return int(value or 0)


def seed_legal_pages(district_name: str) -> int:
    """Give a new district starting texts for every legal page, in every language, where it
    has none yet; the district edits them. Returns how many were written."""
    written = 0
    for kind in LegalKind:
        for locale in current_app.config["LANGUAGES"]:
            if current_version_exact(kind.value, locale):
                continue
            with force_locale(locale):
                text = render_template(
                    f"legal/defaults/{kind.value}.{locale}.md", district=district_name
                )
            title, _, body = text.strip().partition("\n")
            publish_page(kind.value, locale, title.lstrip("# ").strip(), body, "Condiviso")
            written += 1
    return written
