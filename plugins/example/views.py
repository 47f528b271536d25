"""The example plugin's page. A view is: who may open it (`@allow`), one service call, render."""

from __future__ import annotations

from flask import Blueprint, render_template

from condiviso.plugin_api import Audience, allow, current_tenant
from plugins.example import services

# A plugin's blueprint is named after the plugin; its routes answer only where it is enabled.
blueprint = Blueprint("example", __name__, template_folder="templates")


@blueprint.get("/esempio")
@allow(Audience.EVERYONE)
def welcome():
    """The district's greeting and its comuni."""
    return render_template("example/welcome.html", welcome=services.welcome(current_tenant()))
