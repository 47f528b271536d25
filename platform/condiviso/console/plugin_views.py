"""A district's plugins in the console: enable, disable, and the settings form built from the
plugin's settings schema. Invalid settings are shown on their fields and nothing is stored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from condiviso.accounts.roles import Audience, allow
from condiviso.console import services
from condiviso.console.blueprint import blueprint, current_actor
from condiviso.console.district_views import CHANGE_LIMITS
from condiviso.errors import InvalidInput
from condiviso.extensions import db
from condiviso.forms import ConfirmForm
from condiviso.plugins import get_plugins
from condiviso.plugins.enablement import set_plugin
from condiviso.ratelimit import limited
from condiviso.schema_forms import build_form, parse_form
from condiviso.tenancy import registry
from condiviso.tenancy.models import Tenant


def _settings_page(
    tenant: Tenant,
    state: services.PluginState,
    errors: Mapping[str, list[str]],
    values: Mapping[str, Any],
    status: int = 200,
):
    schema_class = get_plugins().get(state.name).settings_schema
    if schema_class is None:
        abort(404)
    return render_template(
        "console/plugin.html",
        tenant=tenant,
        plugin=state,
        items=build_form(schema_class(), values, errors),
        errors=errors,
    ), status


def _back_to_district(slug: str):
    return redirect(url_for("console.district", slug=slug) + "#plugin-title")


@blueprint.route("/distretti/<slug>/plugin/<name>", methods=["GET", "POST"])
@allow(Audience.PLATFORM_OPERATOR)
@limited(*CHANGE_LIMITS, scope="console-change")
def plugin_settings(slug: str, name: str):
    """The plugin's settings for the district; saving them also enables the plugin."""
    tenant = registry.get_tenant(slug)
    state = services.plugin_state(tenant, name)
    schema_class = get_plugins().get(name).settings_schema
    if schema_class is None:
        abort(404)
    if request.method == "GET":
        return _settings_page(tenant, state, {}, state.settings)
    submitted = parse_form(schema_class(), request.form)
    try:
        changed = set_plugin(
            slug,
            name,
            current_actor(),
            True,
            services.settings_to_store(name, submitted, state.settings),
        )
    except InvalidInput as error:
        db.session.rollback()
        return _settings_page(tenant, state, error.errors, submitted, 400)
    done = _("Impostazioni di %(plugin)s salvate.", plugin=name)
    flash(done if changed else _("Nessuna modifica."), "info")
    return _back_to_district(slug)


@blueprint.post("/distretti/<slug>/plugin/<name>/attiva")
@allow(Audience.PLATFORM_OPERATOR)
@limited(*CHANGE_LIMITS, scope="console-change")
def enable_plugin(slug: str, name: str):
    """Enable a plugin with its stored settings (or its defaults)."""
    tenant = registry.get_tenant(slug)
    state = services.plugin_state(tenant, name)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        changed = set_plugin(slug, name, current_actor(), True)
    except InvalidInput as error:
        # The stored settings no longer pass the plugin's schema: show them to be corrected.
        db.session.rollback()
        return _settings_page(tenant, state, error.errors, state.settings, 400)
    done = _("Plugin %(plugin)s attivato.", plugin=name)
    flash(done if changed else _("Nessuna modifica."), "info")
    return _back_to_district(slug)


@blueprint.post("/distretti/<slug>/plugin/<name>/disattiva")
@allow(Audience.PLATFORM_OPERATOR)
@limited(*CHANGE_LIMITS, scope="console-change")
def disable_plugin(slug: str, name: str):
    """Disable a plugin; its settings are kept for when it is enabled again."""
    registry.get_tenant(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    changed = set_plugin(slug, name, current_actor(), False)
    done = _("Plugin %(plugin)s disattivato.", plugin=name)
    flash(done if changed else _("Nessuna modifica."), "info")
    return _back_to_district(slug)
