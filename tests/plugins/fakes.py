"""Plugin modules built in tests, to check what the loader refuses."""

from __future__ import annotations

import textwrap
import types
from pathlib import Path
from typing import Any

from condiviso.plugins import hookimpl


def fake_plugin(module_name: str, **hooks: Any) -> types.ModuleType:
    """A module implementing `hooks` (name → return value, or a function)."""
    module = types.ModuleType(module_name)
    module.__doc__ = f"A fake plugin ({module_name})."
    for hook, value in hooks.items():
        function = (
            value
            if callable(value) and not isinstance(value, type)
            else (lambda value=value, **_kw: value)
        )
        function.__name__ = hook
        setattr(module, hook, hookimpl(specname=hook)(function))
    return module


Revision = tuple[str, str | None, tuple[str, ...] | None]


def write_history(root: Path, revisions: list[Revision]) -> Path:
    """An Alembic history folder with revisions (id, down revision, branch labels)."""
    versions = root / "versions"
    versions.mkdir(parents=True)
    for revision, down, labels in revisions:
        (versions / f"{revision}.py").write_text(
            textwrap.dedent(f'''
            """{revision}"""
            revision = {revision!r}
            down_revision = {down!r}
            branch_labels = {labels!r}
            depends_on = None

            def upgrade():
                pass

            def downgrade():
                pass
        ''')
        )
    return root
