"""A tenant's files: kept under `instance/tenants/<slug>/files/`, named by the digest of their
content (never by a name a user chose), checked by their bytes (never by their file name), and
served so that they can never run code. An SVG is never kept: it is drawn as a PNG, so that no
script, link, external file or entity of it survives (decision 0021)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from flask import Response, current_app, send_file
from flask_babel import gettext as _

from condiviso.tenancy import current_tenant
from condiviso.tenancy.databases import tenant_files_path

_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
# Drawn this many pixels high (four times the header's logo); wider than 8:1 is no logo.
RASTER_HEIGHT = 256
RASTER_MAX_WIDTH = 8 * RASTER_HEIGHT
IMAGE_EXTENSIONS = {
    "image/svg+xml": ".svg",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
}
# A served file can never run code, even when opened directly.
FILE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
}


def tenant_storage(*parts: str) -> Path:
    """A folder (or file path) inside the current tenant's storage; parts are checked names."""
    for part in parts:
        if not _SAFE_PART.match(part) or ".." in part:
            raise ValueError(f"unsafe storage path part: {part!r}")
    return tenant_files_path(current_app.config, current_tenant().slug).joinpath(*parts)


def sniff_image_type(data: bytes) -> str | None:
    """The image type by its first bytes."""
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


def image_problems(data: bytes, max_bytes: int, allow_svg: bool = True) -> list[str]:
    """Why `data` cannot be accepted as an image (an empty list when it can)."""
    if not data:
        return [_("Il file è vuoto.")]
    if len(data) > max_bytes:
        return [
            _(
                "Il file supera %(size)s MB: usa un'immagine più leggera.",
                size=f"{max_bytes / 1024 / 1024:g}".replace(".", ","),
            )
        ]
    kind = sniff_image_type(data)
    if kind is None or (kind == "image/svg+xml" and not allow_svg):
        if allow_svg:
            return [_("L'immagine deve essere in formato SVG, PNG, JPEG o WebP.")]
        return [_("L'immagine deve essere in formato PNG, JPEG o WebP.")]
    if kind == "image/svg+xml":
        try:
            rasterise_svg(data)
        except UnreadableImage as error:
            return [error.message]
    return []


class UnreadableImage(ValueError):
    """An image that cannot be drawn, with a message a person can read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def rasterise_svg(data: bytes) -> bytes:
    """An SVG drawn as a PNG `RASTER_HEIGHT` pixels high. cairosvg in its default safe mode
    reads no external file and refuses XML entities; nothing active can reach the PNG."""
    import cairosvg

    try:
        png = cairosvg.svg2png(bytestring=data, output_height=RASTER_HEIGHT)
    except Exception:  # malformed XML, refused entities, drawing errors: all the same here
        raise UnreadableImage(
            _("L'immagine SVG non si può leggere: salvala di nuovo o usa un file PNG.")
        ) from None
    width = int.from_bytes(png[16:20], "big")
    if width > RASTER_MAX_WIDTH:
        raise UnreadableImage(
            _("L'immagine è troppo larga rispetto all'altezza per essere un logo.")
        )
    return png


def storable_image(data: bytes) -> tuple[bytes, str]:
    """(bytes, content type) to keep for an image already checked by `image_problems`."""
    kind = sniff_image_type(data)
    if kind == "image/svg+xml":
        return rasterise_svg(data), "image/png"
    return data, kind


def store_content(folder: str, data: bytes, content_type: str) -> str:
    """Keep `data` in the tenant's `folder` under its SHA-256 (once per content); the digest."""
    digest = hashlib.sha256(data).hexdigest()
    path = tenant_storage(folder, digest + IMAGE_EXTENSIONS[content_type])
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        os.replace(partial, path)
    return digest


def serve_content(folder: str, digest: str, content_type: str) -> Response | None:
    """A stored file as a response that cannot run code, cacheable for long; None if missing."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest) or content_type not in IMAGE_EXTENSIONS:
        return None
    path = tenant_storage(folder, digest + IMAGE_EXTENSIONS[content_type])
    if not path.is_file():
        return None
    response = send_file(path, mimetype=content_type, max_age=31536000)
    response.headers.update(FILE_HEADERS)
    return response
