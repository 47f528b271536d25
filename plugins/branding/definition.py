"""The logo in a tenant definition: `[plugins.branding] logo = "logo.svg"` names a file in the
definition's folder; it is checked like an upload before anything changes, then stored."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from plugins.branding.services import logo_problems, store_logo


def _logo_source(section: Mapping[str, Any], source_dir: Path) -> tuple[Path | None, list[str]]:
    name = section.get("logo")
    if name is None:
        return None, []
    if not isinstance(name, str):
        return None, [_("Indica il nome del file del logo.")]
    base = source_dir.resolve()
    path = (base / name).resolve()
    if base not in path.parents:
        return None, [_("Il logo deve stare nella cartella della definizione.")]
    if not path.is_file():
        return None, [_("Non trovo il file del logo %(name)s.", name=name)]
    return path, []


def logo_definition_problems(
    section: Mapping[str, Any], source_dir: Path
) -> dict[str, list[str]] | None:
    """What is wrong with the definition's logo, by field; None when it can be imported."""
    path, problems = _logo_source(section, source_dir)
    if path is not None:
        problems = logo_problems(path.read_bytes())
    return {"plugins.branding.logo": problems} if problems else None


def import_logo(section: Mapping[str, Any], source_dir: Path) -> dict[str, str] | None:
    """Store the definition's logo; the setting it gives (its digest), or None without one."""
    path, problems = _logo_source(section, source_dir)
    if problems:
        raise ValueError(" ".join(problems))
    if path is None:
        return None
    asset = store_logo(path.read_bytes(), path.name)
    return {"logo": asset.sha256}
