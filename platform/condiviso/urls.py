"""Absolute URLs of tenants, built from the registry and never from the request's host."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, current_app

from condiviso.tenancy.snapshot import TenantInfo

# Control characters and spaces: urlsplit drops some of them silently, a header cannot hold them.
_UNSAFE_IN_LOCATION = re.compile(r"[\x00-\x20\x7f-\x9f]")


def tenant_host(tenant: TenantInfo, app: Flask | None = None) -> str:
    """The tenant's primary host: its primary verified custom domain, else its subdomain."""
    config = (app or current_app).config
    return tenant.primary_domain or f"{tenant.slug}.{config['PLATFORM_DOMAIN']}"


def tenant_url(tenant: TenantInfo, path: str = "/", app: Flask | None = None) -> str:
    """An absolute URL on the tenant's primary host (the port comes from PUBLIC_PORT)."""
    config = (app or current_app).config
    port = config.get("PUBLIC_PORT")
    netloc = tenant_host(tenant, app) + (f":{port}" if port else "")
    return f"{config['PREFERRED_URL_SCHEME']}://{netloc}{path}"


def safe_next(target: str | None, default: str = "/") -> str:
    """A path on this same site to go back to; anything else (another host, a scheme, a
    control character that would split the `Location` header, an over-long value) is replaced
    by `default`: never an open redirect, never a broken response."""
    if (
        not target
        or len(target) > 2000
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or _UNSAFE_IN_LOCATION.search(target)
    ):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
