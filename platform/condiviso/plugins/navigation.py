"""Entries of the portal's menu."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NavEntry:
    """A menu entry: a label (already translated), the endpoint it links to, its order, and
    the roles that see it (None: everyone)."""

    label: str
    endpoint: str | None = None
    order: int = 100
    roles: frozenset | None = None
    description: str | None = None
    url: str | None = None  # an address outside the app, instead of an endpoint

    def visible_to(self, user) -> bool:
        if self.roles is None:
            return True
        held = getattr(user, "roles", frozenset()) if user.is_authenticated else frozenset()
        return bool(held & self.roles)
