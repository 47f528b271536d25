"""Loading plugins, checking what they contribute, and calling their hooks for one tenant.

Every check runs when the app is built, so a clashing plugin stops the deployment from starting
instead of surprising a district in production.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import marshmallow as ma
import pluggy
from flask import Blueprint, Flask
from flask_babel import gettext as _

from condiviso.errors import InvalidInput, NotFound
from condiviso.extensions import db
from condiviso.plugins import hookspecs
from condiviso.tenancy.migrations import History, plugin_history
from condiviso.validation import flatten_errors

ENTRY_POINT_GROUP = "condiviso.plugins"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
RESERVED_NAMES = frozenset({"core", "platform", "static", "ops", "portal", "site", "tenancy"})
STARTUP_HOOKS = frozenset(
    {
        "condiviso_requires",
        "condiviso_blueprint",
        "condiviso_tenant_models",
        "condiviso_migrations",
        "condiviso_settings_schema",
        "condiviso_commands",
    }
)


class PluginError(RuntimeError):
    """A plugin cannot be loaded as it is; the message names the plugin and the clash."""


@dataclass(frozen=True)
class LoadedPlugin:
    name: str
    module: ModuleType
    description: str
    blueprint: Blueprint | None
    models: tuple[type, ...]
    history: History | None
    settings_schema: type[ma.Schema] | None
    requires: tuple[str, ...] = ()


def discover() -> list[tuple[str, ModuleType]]:
    """The installed plugins: (name, module) for each entry point of `condiviso.plugins`."""
    found = []
    for entry_point in sorted(
        importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name
    ):
        found.append((entry_point.name, entry_point.load()))
    return found


def _own_result(pm: pluggy.PluginManager, hook_name: str, plugin: Any) -> Any:
    """What one plugin's implementation of a start-up hook returns (None if it has none)."""
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        if impl.plugin is plugin:
            return impl.function()
    return None


def _describe(module: ModuleType) -> str:
    package = module.__name__.rpartition(".")[0]
    doc = module.__doc__ or (importlib.import_module(package).__doc__ if package else None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


class InstalledPlugins:
    """The plugins installed in this deployment, checked, with their hooks."""

    def __init__(
        self,
        candidates: Iterable[tuple[str, ModuleType]],
        core: Iterable[ModuleType] = (),
    ) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        # The core parts' own hook implementations (their menu entries, what a new district
        # starts with): registered like a plugin's, called for every tenant, never disabled.
        for module in core:
            self.pm.register(module, name=module.__name__)
        self.pm.check_pending()
        self.plugins: dict[str, LoadedPlugin] = {}
        for name, module in candidates:
            if not _NAME_RE.match(name) or name in RESERVED_NAMES:
                raise PluginError(
                    f"plugin name {name!r} is not allowed: use lower-case letters, digits and "
                    f"underscores, not one of {sorted(RESERVED_NAMES)}"
                )
            if name in self.plugins:
                raise PluginError(f"two plugins are named {name!r}")
            self.pm.register(module, name=name)
            self.pm.check_pending()
            self.plugins[name] = self._inspect(name, module)
        self._check_tables_claimed()
        self.order = self._dependency_order()
        self._subset_callers: dict[tuple[str, frozenset[str]], Any] = {}
        self.blueprint_owners = {
            p.blueprint.name: p.name for p in self.plugins.values() if p.blueprint is not None
        }

    def _inspect(self, name: str, module: ModuleType) -> LoadedPlugin:
        blueprint = _own_result(self.pm, "condiviso_blueprint", module)
        if blueprint is not None:
            if not isinstance(blueprint, Blueprint):
                raise PluginError(f"plugin {name!r}: condiviso_blueprint must return a Blueprint")
            if blueprint.name != name:
                raise PluginError(
                    f"plugin {name!r}: its blueprint is named {blueprint.name!r}; "
                    f"a plugin's blueprint must be named after the plugin"
                )
        models = tuple(_own_result(self.pm, "condiviso_tenant_models", module) or ())
        for model in models:
            table = getattr(model, "__table__", None)
            if table is None:
                raise PluginError(f"plugin {name!r}: {model!r} is not a mapped model")
            if table.metadata.info.get("bind_key") is not None:
                raise PluginError(f"plugin {name!r}: table {table.name!r} is not a tenant table")
            if not table.name.startswith(f"{name}_"):
                raise PluginError(
                    f"plugin {name!r}: table {table.name!r} must be named '{name}_...'"
                )
        history = self._history(name, _own_result(self.pm, "condiviso_migrations", module))
        if models and history is None:
            raise PluginError(f"plugin {name!r} has tenant models but no migration history")
        schema = _own_result(self.pm, "condiviso_settings_schema", module)
        if schema is not None and not (isinstance(schema, type) and issubclass(schema, ma.Schema)):
            raise PluginError(
                f"plugin {name!r}: settings schema must be a marshmallow Schema class"
            )
        requires = tuple(_own_result(self.pm, "condiviso_requires", module) or ())
        return LoadedPlugin(
            name, module, _describe(module), blueprint, models, history, schema, requires
        )

    @staticmethod
    def _history(name: str, directory: str | Path | None) -> History | None:
        if directory is None:
            return None
        path = Path(directory)
        if not (path / "versions").is_dir():
            raise PluginError(f"plugin {name!r}: {path} has no versions/ folder")
        history = plugin_history(name, path)
        script = history.script
        heads = script.get_heads()
        if len(heads) != 1:
            raise PluginError(f"plugin {name!r}: its history must have one head, not {heads}")
        for revision in script.walk_revisions():
            if not revision.revision.startswith(f"{name}_"):
                raise PluginError(
                    f"plugin {name!r}: revision {revision.revision!r} must be named '{name}_...'"
                )
            if revision.is_base and name not in (revision.branch_labels or ()):
                raise PluginError(
                    f"plugin {name!r}: its first revision must carry the branch label {name!r}"
                )
        return history

    def _check_tables_claimed(self, mappers: Iterable[Any] | None = None) -> None:
        """Every tenant table defined in a plugin's package is declared by that plugin, and no
        core table takes a plugin's namespace."""
        packages = {
            p.name: p.module.__name__.rpartition(".")[0] or p.module.__name__
            for p in self.plugins.values()
        }
        for mapper in db.Model.registry.mappers if mappers is None else mappers:
            table = mapper.local_table
            if table.metadata.info.get("bind_key") is not None:
                continue
            module = mapper.class_.__module__
            if module.startswith("condiviso."):
                clash = next((n for n in self.plugins if table.name.startswith(f"{n}_")), None)
                if clash:
                    raise PluginError(
                        f"core table {table.name!r} takes the namespace of plugin {clash!r}"
                    )
                continue
            owner = next(
                (n for n, package in packages.items() if module.startswith(f"{package}.")), None
            )
            if owner is not None and mapper.class_ not in self.plugins[owner].models:
                raise PluginError(
                    f"plugin {owner!r}: table {table.name!r} (defined in {module}) is not "
                    f"declared by its condiviso_tenant_models"
                )

    # -- what the rest of the app asks ---------------------------------------------------------

    def _dependency_order(self) -> list[str]:
        """Plugin names with every plugin after those it requires (then by name)."""
        order: list[str] = []
        visiting: set[str] = set()

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in order:
                return
            if name in visiting:
                raise PluginError(f"plugins require each other in a cycle: {' -> '.join(path)}")
            if name not in self.plugins:
                raise PluginError(f"plugin {path[-2]!r} requires {name!r}, which is not installed")
            visiting.add(name)
            for required in sorted(self.plugins[name].requires):
                visit(required, (*path, required))
            visiting.discard(name)
            order.append(name)

        for name in sorted(self.plugins):
            visit(name, (name,))
        return order

    def histories(self) -> list[History]:
        """The plugins' tenant histories, each after those of the plugins it requires."""
        return [self.plugins[n].history for n in self.order if self.plugins[n].history]

    def missing_requirements(self, enabled: Iterable[str]) -> dict[str, list[str]]:
        """For each plugin in `enabled`, the plugins it requires that are not enabled too."""
        enabled = set(enabled)
        return {
            name: missing
            for name in sorted(enabled)
            if name in self.plugins
            if (missing := sorted(set(self.plugins[name].requires) - enabled))
        }

    def translation_directories(self) -> list[Path]:
        """The `translations/` folders plugins ship next to their module, if any."""
        folders = []
        for plugin in self.plugins.values():
            location = getattr(plugin.module, "__file__", None)
            if location and (Path(location).parent / "translations").is_dir():
                folders.append(Path(location).parent / "translations")
        return folders

    def get(self, name: str) -> LoadedPlugin:
        plugin = self.plugins.get(name)
        if plugin is None:
            raise NotFound(_("Il plugin «%(name)s» non è installato.", name=name))
        return plugin

    def validate_settings(self, name: str, data: Mapping[str, Any] | None) -> dict[str, Any]:
        """The settings as they will be stored, or `InvalidInput` with the field and reason."""
        schema_class = self.get(name).settings_schema
        if schema_class is None:
            if data:
                raise InvalidInput({"settings": [_("Questo plugin non ha impostazioni.")]})
            return {}
        if data is not None and not isinstance(data, Mapping):
            raise InvalidInput(
                {"settings": [_("Le impostazioni devono essere un insieme di campi.")]}
            )
        schema = schema_class()
        try:
            loaded = schema.load(dict(data or {}))
        except ma.ValidationError as error:
            raise InvalidInput(flatten_errors(error.messages)) from None
        return schema.dump(loaded)

    def hook(self, name: str, enabled: Iterable[str]) -> Any:
        """The caller of hook `name` restricted to the `enabled` plugins."""
        if name in STARTUP_HOOKS:
            raise PluginError(f"{name} is a start-up hook; it is not called per tenant")
        key = (name, frozenset(enabled))
        caller = self._subset_callers.get(key)
        if caller is None:
            disabled = [self.pm.get_plugin(p) for p in self.plugins if p not in key[1]]
            caller = self.pm.subset_hook_caller(name, remove_plugins=disabled)
            self._subset_callers[key] = caller
        return caller

    def commands(self) -> list[Any]:
        """The command groups every installed plugin adds to the `condiviso` command line."""
        found = []
        for loaded in self.plugins.values():
            found.extend(_own_result(self.pm, "condiviso_commands", loaded.module) or ())
        return found

    def register_blueprints(self, app: Flask) -> None:
        from condiviso.tenancy import SiteKind, register_site_blueprint

        for plugin in self.plugins.values():
            if plugin.blueprint is not None:
                register_site_blueprint(app, plugin.blueprint, SiteKind.TENANT)


def check_url_rules(app: Flask) -> None:
    """Two endpoints answering the same URL and method is a clash, reported at start-up."""
    seen: dict[tuple[str, str], str] = {}
    for rule in app.url_map.iter_rules():
        # `/comuni/<code>` and `/comuni/<istat_code>` answer the same URLs.
        shape = re.sub(r"<[^>]+>", "<>", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            key = (shape, method)
            other = seen.setdefault(key, rule.endpoint)
            if other != rule.endpoint:
                raise PluginError(
                    f"{method} {rule.rule} is claimed by both {other!r} and {rule.endpoint!r}"
                )
