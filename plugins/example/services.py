"""What the example plugin does, apart from any request: views call one function here."""

from __future__ import annotations

from dataclasses import dataclass

from condiviso.plugin_api import Comune, TenantInfo, list_comuni


@dataclass(frozen=True)
class Welcome:
    greeting: str
    comuni: list[Comune]


def welcome(tenant: TenantInfo) -> Welcome:
    """The district's greeting (its settings) and its comuni, by name."""
    return Welcome(tenant.plugins["example"]["greeting"], list_comuni())
