"""Importing and finding the district's logo."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.plugin_api import db, image_problems, storable_image, store_content
from plugins.branding.models import BrandingAsset

MAX_LOGO_BYTES = 1024 * 1024
FOLDER = "branding"


def logo_problems(data: bytes) -> list[str]:
    """Why `data` cannot be the district's logo (an empty list when it can)."""
    return image_problems(data, MAX_LOGO_BYTES)


def store_logo(data: bytes, original_name: str) -> BrandingAsset:
    """Keep a logo in the tenant's storage (once per content; an SVG drawn as a PNG) and return
    its record."""
    problems = logo_problems(data)
    if problems:
        raise ValueError(" ".join(problems))
    data, content_type = storable_image(data)
    digest = store_content(FOLDER, data, content_type)
    asset = find_logo(digest)
    if asset is None:
        asset = BrandingAsset(
            kind="logo",
            sha256=digest,
            content_type=content_type,
            size=len(data),
            original_name=original_name[:200],
        )
        db.session.add(asset)
    return asset


def find_logo(digest: str) -> BrandingAsset | None:
    return db.session.scalar(sa.select(BrandingAsset).where(BrandingAsset.sha256 == digest))
