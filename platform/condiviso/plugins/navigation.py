"""Entries of the portal's menu."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NavEntry:
    """A menu entry: a label (already translated), the endpoint it links to, and its order."""

    label: str
    endpoint: str
    order: int = 100
