"""The example plugin's hooks: what it adds to a district that enables it."""

from __future__ import annotations

from flask_babel import gettext as _

from condiviso.plugin_api import NavEntry, TenantInfo, hookimpl
from plugins.example.schemas import ExampleSettings
from plugins.example.views import blueprint


@hookimpl
def condiviso_blueprint():
    return blueprint


@hookimpl
def condiviso_settings_schema():
    return ExampleSettings


@hookimpl
def condiviso_navigation(tenant: TenantInfo):
    return [NavEntry(_("I comuni del distretto"), "example.welcome", order=95)]
