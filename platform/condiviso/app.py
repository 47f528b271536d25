"""The application factory: one Flask app serves the platform's site and every tenant."""

from __future__ import annotations

import sys
import sysconfig
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from flask import Flask, current_app, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

from condiviso import errors, home, i18n, ratelimit, redis_connection, security, static_files
from condiviso.accounts import access, login
from condiviso.accounts import hooks as accounts_hooks
from condiviso.accounts.roles import role_label
from condiviso.audit import models as audit_models  # noqa: F401  (the audit table's model)
from condiviso.config import build_config
from condiviso.extensions import db
from condiviso.legal import hooks as legal_hooks
from condiviso.ops import logs
from condiviso.ops.views import blueprint as ops_blueprint
from condiviso.plugins import InstalledPlugins, discover
from condiviso.plugins import web as plugin_web
from condiviso.plugins.installed import PluginError, check_url_rules
from condiviso.tenancy import SiteKind, current_site, register_site_blueprint
from condiviso.tenancy import runtime as tenancy_runtime
from condiviso.territory import hooks as territory_hooks

# The core parts that take part in the plugin hooks, the way a plugin does.
CORE_PARTS = (accounts_hooks, legal_hooks, territory_hooks)


def check_stdlib_platform() -> None:
    """Refuse to start if `platform` is not the standard library's module (see DESIGN.md §2)."""
    module = sys.modules.get("platform") or __import__("platform")
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    location = Path(getattr(module, "__file__", "") or "").resolve()
    if stdlib not in location.parents:
        raise RuntimeError(
            f"'import platform' found {location or module!r}, not the standard library: "
            "the repository's platform/ folder must never become a package"
        )


def shell_context() -> dict[str, Any]:
    """What every page's shell needs: names, the locale, the current tenant if any."""
    if not has_request_context():
        return {}
    site = current_site()
    tenant = site.tenant
    return {
        "site": site,
        "shell_name": tenant.display_name if tenant else current_app.config["PLATFORM_NAME"],
        "shell_tagline": _("Welfare condiviso") if tenant else None,
        "current_locale": str(get_locale() or "it"),
    }


def create_app(
    overrides: Mapping[str, Any] | None = None,
    plugins: Iterable[tuple[str, ModuleType]] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Flask:
    """Build the app from the environment (or `environ`) and `overrides`. `plugins` replaces the
    installed plugins (tests use it); by default they come from the `condiviso.plugins` entry
    points."""
    check_stdlib_platform()
    config = build_config(environ, overrides)
    app = Flask(__name__, instance_path=config["INSTANCE_PATH"], instance_relative_config=False)
    app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_COUNT"]:
        # The host picks the tenant: a forwarded one only under its own setting (decision 0001).
        count = app.config["PROXY_COUNT"]
        hosts = count if app.config["PROXY_TRUST_HOST"] else 0
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=count, x_proto=count, x_host=hosts, x_port=hosts
        )

    registry = InstalledPlugins(discover() if plugins is None else plugins, core=CORE_PARTS)
    db.init_app(app)
    redis_connection.init_app(app)
    logs.init_app(app)
    with app.app_context():
        tenancy_runtime.init_app(app)
    i18n.init_app(app, registry.translation_directories())
    errors.init_app(app)
    security.init_app(app)
    static_files.init_app(app)
    login.init_app(app)
    ratelimit.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["role_label"] = role_label

    from condiviso.accounts.admin_views import blueprint as staff_admin_blueprint
    from condiviso.accounts.assisted_views import blueprint as assisted_blueprint
    from condiviso.accounts.views import blueprint as accounts_blueprint
    from condiviso.console import district_views, lifecycle, plugin_views, views  # noqa: F401  (their routes)
    from condiviso.console.blueprint import blueprint as console_blueprint
    from condiviso.legal.views import blueprint as legal_blueprint
    from condiviso.portal.views import blueprint as portal_blueprint
    from condiviso.site.views import blueprint as site_blueprint
    from condiviso.territory.views import blueprint as territory_blueprint

    app.register_blueprint(ops_blueprint)
    register_site_blueprint(app, site_blueprint, SiteKind.PLATFORM)
    register_site_blueprint(app, console_blueprint, SiteKind.PLATFORM)
    register_site_blueprint(app, portal_blueprint, SiteKind.TENANT)
    register_site_blueprint(app, accounts_blueprint, SiteKind.TENANT)
    register_site_blueprint(app, staff_admin_blueprint, SiteKind.TENANT)
    register_site_blueprint(app, assisted_blueprint, SiteKind.TENANT)
    register_site_blueprint(app, legal_blueprint, SiteKind.TENANT)
    register_site_blueprint(app, territory_blueprint, SiteKind.TENANT)
    home.init_app(app)
    app.context_processor(shell_context)
    plugin_web.init_app(app, registry)
    access.init_app(app)
    check_url_rules(app)

    _register_commands(app, registry)
    return app


def _register_commands(app: Flask, registry: InstalledPlugins) -> None:
    """The `condiviso` command's groups, on the app's CLI: the core's, then the plugins'."""
    from condiviso.accounts.cli import accounts_cli
    from condiviso.console.cli import operator_cli
    from condiviso.districts.cli import db_cli, tenant_cli
    from condiviso.encryption.cli import keys_cli
    from condiviso.jobs.cli import jobs_cli
    from condiviso.plugins.cli import plugins_cli

    core = (tenant_cli, db_cli, plugins_cli, operator_cli, accounts_cli, jobs_cli, keys_cli)
    for group in (*core, *registry.commands()):
        if group.name in app.cli.commands:
            raise PluginError(f"two command groups are named {group.name!r}")
        app.cli.add_command(group)
