"""The branding plugin's portal pages: contacts, the logo, the colour theme."""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template

from condiviso.plugin_api import Audience, allow, current_tenant, serve_content
from plugins.branding.contrast import contrast_ratio
from plugins.branding.services import FOLDER, find_logo

blueprint = Blueprint("branding", __name__, template_folder="templates")


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
    asset = find_logo(digest) if re.fullmatch(r"[0-9a-f]{64}", digest) else None
    response = serve_content(FOLDER, digest, asset.content_type) if asset else None
    if response is None:
        abort(404)
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
