"""Importing and finding the district's logo."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.plugin_api import (
    InvalidInput,
    current_tenant,
    db,
    image_problems,
    set_plugin,
    storable_image,
    store_content,
)
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


def replace_logo(data: bytes, original_name: str, actor: str) -> BrandingAsset:
    """Make `data` the district's logo: checked like any upload (`InvalidInput` on `logo`),
    stored, then named in the plugin's settings."""
    problems = logo_problems(data)
    if problems:
        raise InvalidInput({"logo": problems})
    asset = store_logo(data, original_name)
    db.session.commit()
    _set_logo(asset.sha256, actor)
    return asset


def remove_logo(actor: str) -> None:
    """The portal shows the district's name without a logo (stored logos are kept)."""
    _set_logo(None, actor)


def _set_logo(digest: str | None, actor: str) -> None:
    tenant = current_tenant()
    settings = {**tenant.plugins.get("branding", {}), "logo": digest}
    set_plugin(tenant.slug, "branding", actor, True, settings)
