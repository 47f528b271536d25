"""A tenant definition with the cooperatives plugin and its network file, for the tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.cooperatives.conftest import IVA_A

NETWORK = f"""
[[categories]]
slug = "famiglia-e-minori"
name = "Famiglia e minori"
name_en = "Families and children"
icon = "it-user"
position = 1

[[categories]]
slug = "anziani"
name = "Anziani"
position = 2

[[cooperatives]]
slug = "coop-esempio"
legal_name = "Cooperativa Sociale Esempio (dato di esempio)"
tax_code = "{IVA_A}"
email = "info@coop-esempio.example.org"
comuni = ["012127", "012044"]

[[accreditations]]
cooperative = "coop-esempio"
comune = "012127"
category = "famiglia-e-minori"
valid_from = 2025-01-01
valid_to = 2027-12-31

[[accreditations]]
cooperative = "coop-esempio"
comune = "012044"
category = "anziani"
valid_from = 2025-06-01
"""


def write_definition(directory: Path, slug: str, network: str | None = NETWORK) -> Path:
    """A tenant.toml with two comuni and the cooperatives plugin, and its network.toml."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tenant.toml").write_text(
        textwrap.dedent(f"""
        slug = "{slug}"
        display_name = "Ambito di prova {slug}"

        [[comuni]]
        istat = "012127"
        name = "Tradate"

        [[comuni]]
        istat = "012044"
        name = "Castelseprio"

        [plugins.cooperatives]
        {'network = "network.toml"' if network is not None else ""}
    """)
    )
    if network is not None:
        (directory / "network.toml").write_text(network)
    return directory
