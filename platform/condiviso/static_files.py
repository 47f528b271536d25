"""Static files: hashed names from the build manifest, served compressed and cached for a year.

`scripts/setup` builds `static/build/` with `scripts/assets.mjs` (docs/decisions/0015): every
file under a name with its content hash, text files with a `.br` and a `.gz` beside them, and
`build/manifest.json` mapping each logical name to its built file. Templates keep writing
`url_for('static', filename='condiviso.css')`; the URL they get names the hashed file, which can
never change, so browsers keep it for a year and never ask again.
"""

from __future__ import annotations

import json
import mimetypes
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request, send_from_directory

MANIFEST = "build/manifest.json"
BUILD_PREFIX = "build/"
ONE_YEAR = 31_536_000
# Tried in this order, each if the browser accepts it and the build made the file.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
ICONS_LIST = Path(__file__).parent / "assets" / "icons.txt"


def load_manifest(static_folder: str | Path) -> dict[str, str]:
    """The logical name → built file map, or an empty one if the build has not run."""
    path = Path(static_folder) / MANIFEST
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def static_manifest(app: Flask) -> dict[str, str]:
    """The manifest the app read at start-up."""
    return app.extensions["condiviso.static_manifest"]


@cache
def category_icons() -> tuple[str, ...]:
    """The Bootstrap Italia icons the served sprite sheet holds for service categories."""
    lines = ICONS_LIST.read_text(encoding="utf-8").splitlines()
    return tuple(name for line in lines if (name := line.split("#", 1)[0].strip()))


def _hashed_name(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint != "static":
        return
    built = static_manifest(current_app).get(values.get("filename", ""))
    if built:
        values["filename"] = built


def _negotiate(folder: str, filename: str) -> tuple[str | None, str, bool]:
    """(Content-Encoding or None, the file to send, whether compressed variants exist)."""
    variants = [
        (encoding, filename + suffix)
        for encoding, suffix in ENCODINGS
        if (Path(folder) / (filename + suffix)).is_file()
    ]
    for encoding, variant in variants:
        if request.accept_encodings.quality(encoding) > 0:
            return encoding, variant, True
    return None, filename, bool(variants)


def serve_static(filename: str) -> Response:
    """A static file, compressed as the browser accepts; built (hashed) files are immutable."""
    folder = current_app.static_folder
    assert folder is not None
    encoding, served, varies = _negotiate(folder, filename)
    immutable = filename.startswith(BUILD_PREFIX) and filename != MANIFEST
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = send_from_directory(
        folder, served, mimetype=mimetype, max_age=ONE_YEAR if immutable else None
    )
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if varies:
        response.vary.add("Accept-Encoding")
    if immutable:
        response.cache_control.public = True
        response.cache_control.immutable = True
    return response


def init_app(app: Flask) -> None:
    """Read the manifest once, give templates hashed URLs, serve static files compressed."""
    assert app.static_folder is not None
    manifest = load_manifest(app.static_folder)
    if not manifest:
        app.logger.warning(
            "static files are not built (%s is missing): run scripts/setup", MANIFEST
        )
    app.extensions["condiviso.static_manifest"] = manifest
    app.url_defaults(_hashed_name)
    app.view_functions["static"] = serve_static
