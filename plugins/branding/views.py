"""The branding plugin's portal pages: contacts, the logo, the colour theme."""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, send_file

from condiviso.accounts.roles import Audience, allow
from condiviso.tenancy import current_tenant
from plugins.branding.contrast import contrast_ratio
from plugins.branding.services import find_logo, logo_file

blueprint = Blueprint("branding", __name__, template_folder="templates")

# A served file can never run code, even if opened directly.
_ASSET_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
}


def branding_settings() -> dict:
    return dict(current_tenant().plugins.get("branding", {}))


@blueprint.get("/contatti")
@allow(Audience.EVERYONE)
def contacts():
    """Who the district is and how to reach it."""
    return render_template("branding/contacts.html", settings=branding_settings())


@blueprint.get("/branding/logo/<digest>")
@allow(Audience.EVERYONE)
def logo(digest: str):
    """A logo of the district, by content digest (so it can be cached for long)."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        abort(404)
    asset = find_logo(digest)
    if asset is None or not logo_file(asset).is_file():
        abort(404)
    response = send_file(logo_file(asset), mimetype=asset.content_type, max_age=31536000)
    response.headers.update(_ASSET_HEADERS)
    return response


@blueprint.get("/branding/theme.css")
@allow(Audience.EVERYONE)
def theme():
    """The district's colour applied to the Bootstrap Italia shell."""
    colour = branding_settings().get("primary_color", "#0066cc")
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    css = render_template(
        "branding/theme.css",
        colour=colour,
        rgb=f"{red}, {green}, {blue}",
        contrast=contrast_ratio(colour, "#ffffff"),
    )
    return (
        css,
        200,
        {"Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=300"},
    )
