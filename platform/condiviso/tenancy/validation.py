"""Checks on what an operator types for the registry: slugs, names, plans, custom domains."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from condiviso.errors import InvalidInput
from condiviso.tenancy.sites import normalize_host

_SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "www",
        "api",
        "admin",
        "console",
        "static",
        "mail",
        "app",
        "platform",
        "status",
        "assets",
        "nuovo",
    }
)
PLANS = ("base", "standard", "plus")


def validate_slug(slug: Any) -> str:
    if not isinstance(slug, str) or not _SLUG_RE.match(slug) or "--" in slug:
        raise InvalidInput(
            {
                "slug": [
                    _(
                        "Usa da 2 a 40 lettere minuscole, cifre e trattini, iniziando con una "
                        "lettera (per esempio: tradate)."
                    )
                ]
            }
        )
    if slug in RESERVED_SLUGS:
        raise InvalidInput({"slug": [_("«%(slug)s» è un nome riservato.", slug=slug)]})
    return slug


def validate_display_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
        raise InvalidInput({"display_name": [_("Indica un nome da 1 a 200 caratteri.")]})
    if any(ord(c) < 32 for c in name):
        raise InvalidInput({"display_name": [_("Il nome contiene caratteri di controllo.")]})
    return name.strip()


def validate_plan(plan: Any) -> str:
    if plan not in PLANS:
        raise InvalidInput(
            {"plan": [_("Piano sconosciuto: scegli tra %(plans)s.", plans=", ".join(PLANS))]}
        )
    return plan


def validate_custom_domain(hostname: Any) -> str:
    host = normalize_host(hostname) if isinstance(hostname, str) else None
    if host is None or "." not in host:
        raise InvalidInput(
            {
                "hostname": [
                    _("Indica un nome di dominio valido, per esempio welfare.comune.example.it.")
                ]
            }
        )
    platform_domain = current_app.config["PLATFORM_DOMAIN"]
    if host == platform_domain or host.endswith(f".{platform_domain}"):
        raise InvalidInput(
            {
                "hostname": [
                    _(
                        "I sottodomini di %(domain)s sono già assegnati automaticamente.",
                        domain=platform_domain,
                    )
                ]
            }
        )
    return host
