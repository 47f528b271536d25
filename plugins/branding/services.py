"""Importing and finding the district's logo."""

from __future__ import annotations

import hashlib
import os
import re

import sqlalchemy as sa
from flask_babel import gettext as _

from condiviso.extensions import db
from condiviso.files import tenant_storage
from plugins.branding.models import EXTENSIONS, BrandingAsset

MAX_LOGO_BYTES = 1024 * 1024
_SVG_HAZARDS = re.compile(
    rb"<script|javascript:|<foreignobject|<!entity|\son[a-z]+\s*=", re.IGNORECASE
)


def sniff_image_type(data: bytes) -> str | None:
    """The image type by its first bytes (never by the file name)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:1024].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "image/svg+xml"
    return None


def logo_problems(data: bytes) -> list[str]:
    """Why `data` cannot be the district's logo (an empty list when it can)."""
    if not data:
        return [_("Il file del logo è vuoto.")]
    if len(data) > MAX_LOGO_BYTES:
        return [_("Il logo supera 1 MB: usa un'immagine più leggera.")]
    kind = sniff_image_type(data)
    if kind is None:
        return [_("Il logo deve essere un'immagine SVG, PNG, JPEG o WebP.")]
    if kind == "image/svg+xml" and _SVG_HAZARDS.search(data):
        return [_("Il logo SVG contiene script o contenuti attivi, che non sono ammessi.")]
    return []


def store_logo(data: bytes, original_name: str) -> BrandingAsset:
    """Keep a logo in the tenant's storage (once per content) and return its record."""
    problems = logo_problems(data)
    if problems:
        raise ValueError(" ".join(problems))
    digest = hashlib.sha256(data).hexdigest()
    asset = db.session.scalar(sa.select(BrandingAsset).where(BrandingAsset.sha256 == digest))
    if asset is None:
        asset = BrandingAsset(
            kind="logo",
            sha256=digest,
            content_type=sniff_image_type(data),
            size=len(data),
            original_name=original_name[:200],
        )
        db.session.add(asset)
    path = logo_file(asset)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        os.replace(partial, path)
    return asset


def logo_file(asset: BrandingAsset):
    return tenant_storage("branding", asset.filename)


def find_logo(digest: str) -> BrandingAsset | None:
    return db.session.scalar(sa.select(BrandingAsset).where(BrandingAsset.sha256 == digest))


__all__ = ["EXTENSIONS", "find_logo", "logo_file", "logo_problems", "store_logo"]
