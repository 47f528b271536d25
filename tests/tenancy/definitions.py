"""A tenant definition on disk (tenant.toml and its logo), for the tests."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write_definition(directory: Path, slug: str, extra: str = "", logo: bool = True) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if logo:
        (directory / "logo.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" '
            'height="8" fill="#0b5d8f"/></svg>'
        )
    (directory / "tenant.toml").write_text(
        textwrap.dedent(f"""
        slug = "{slug}"
        display_name = "Ambito di prova {slug}"
        plan = "standard"
        sample = true

        [[domains]]
        hostname = "{slug}.welfare.example"
        verified = true
        primary = true

        [[comuni]]
        istat = "012127"
        name = "Tradate"
        cadastral = "L319"
        cap = "21049"
        population = 17729
        lead = true

        [[comuni]]
        istat = "012044"
        name = "Castelseprio"

        [plugins.branding]
        enabled = true
        {'logo = "logo.svg"' if logo else ""}

        [plugins.branding.settings]
        primary_color = "#0b5d8f"
        {extra}
    """)
    )
    return directory
