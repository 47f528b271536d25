"""The layers of Condiviso, checked on the real import graph (grimp). Exit 1 on a violation.

1. Tenancy is the ground floor: `condiviso.tenancy` imports only the database layer and the
   platform's foundations listed in FOUNDATION, never accounts, the portal, the console, legal
   pages, territory or the plugin machinery.
2. The core never imports a plugin.
3. A plugin imports the core only through `condiviso.plugin_api` (docs/plugins.md); plugins may
   import each other (a plugin that needs another declares it in `condiviso_requires`).
4. Only the entry points import the app factory (`condiviso.app`): the command line, the WSGI
   module and what an RQ worker calls. Nothing the app imports can import it back.

Imports under `if TYPE_CHECKING:` are left out: they are not run.
Usage: python scripts/check_imports.py
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import grimp

CORE = "condiviso"
PLUGINS = "plugins"
PLUGIN_API = "condiviso.plugin_api"
TENANCY = "condiviso.tenancy"
APP = "condiviso.app"
ENTRY_POINTS = frozenset({"condiviso.cli", "condiviso.wsgi", "condiviso.jobs.worker"})
# What tenancy stands on: modules that import nothing above them.
FOUNDATION = frozenset(
    f"{CORE}.{name}"
    for name in (
        "clock",
        "config",
        "database",
        "encryption",
        "errors",
        "extensions",
        "ops.episodes",
        "outages",
        "redaction",
        "redis_connection",
        "validation",
    )
)


@dataclass(frozen=True)
class Violation:
    rule: str
    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} imports {self.imported}: {self.rule}"


def build_graph() -> grimp.ImportGraph:
    return grimp.build_graph(CORE, PLUGINS, exclude_type_checking_imports=True)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def _imports(graph: grimp.ImportGraph):
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            details = graph.get_import_details(importer=importer, imported=imported)
            line = min((d["line_number"] for d in details), default=0)
            yield importer, imported, line


def _rule_broken(importer: str, imported: str) -> str | None:
    """The rule `importer` breaks by importing `imported`, or None."""
    if not _within(imported, CORE) or imported == CORE:
        return None
    if _within(importer, TENANCY) and not (
        _within(imported, TENANCY) or any(_within(imported, f) for f in FOUNDATION)
    ):
        return "tenancy imports nothing above it"
    if _within(importer, PLUGINS) and not _within(imported, PLUGIN_API):
        return "a plugin uses the core only through the plugin API"
    if imported == APP and importer not in ENTRY_POINTS:
        return "only the entry points import the app factory"
    return None


def violations(graph: grimp.ImportGraph) -> list[Violation]:
    found = []
    for importer, imported, line in _imports(graph):
        rule = _rule_broken(importer, imported)
        if rule is None and _within(importer, CORE) and _within(imported, PLUGINS):
            rule = "the core never imports a plugin"
        if rule is not None:
            found.append(Violation(rule, importer, imported, line))
    return found


def main() -> int:
    found = violations(build_graph())
    for violation in found:
        print(violation, file=sys.stderr)
    if found:
        print(
            f"{len(found)} import(s) break the layers (scripts/check_imports.py).", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
