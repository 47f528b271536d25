"""The plugin machinery: hook specifications, loading and checking plugins, calling their hooks
for the current tenant. The features themselves live in plugins under `plugins/`."""

from condiviso.plugins.hookspecs import hookimpl
from condiviso.plugins.installed import InstalledPlugins, LoadedPlugin, PluginError, discover
from condiviso.plugins.navigation import NavEntry
from condiviso.plugins.web import admin_entries, get_plugins, navigation, tenant_hook

__all__ = [
    "InstalledPlugins",
    "LoadedPlugin",
    "NavEntry",
    "PluginError",
    "admin_entries",
    "discover",
    "get_plugins",
    "hookimpl",
    "navigation",
    "tenant_hook",
]
