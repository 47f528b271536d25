"""From the `Host` header to the site a request is for: the platform's own site (the apex
host), one tenant, an unknown host (404) or an untrusted host (400). The host alone decides."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from condiviso.tenancy.snapshot import RegistrySnapshot, TenantInfo

_HOST_RE = re.compile(
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


class SiteKind(enum.StrEnum):
    PLATFORM = "platform"
    TENANT = "tenant"
    UNKNOWN = "unknown"
    UNTRUSTED = "untrusted"


@dataclass(frozen=True, slots=True)
class Site:
    kind: SiteKind
    host: str
    tenant: TenantInfo | None = None


def normalize_host(raw: str | None) -> str | None:
    """The host name of a `Host` header value, lower-cased and without port; None if malformed."""
    if not raw:
        return None
    host = raw.strip().lower()
    if host.startswith("["):
        return None
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    host = host.rstrip(".")
    if len(host) > 253 or not _HOST_RE.match(host):
        return None
    return host


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """`patterns` as in Flask's TRUSTED_HOSTS: an exact name, or `.example.org` for it and every
    subdomain."""
    for pattern in patterns:
        if pattern.startswith("."):
            if host == pattern[1:] or host.endswith(pattern):
                return True
        elif host == pattern:
            return True
    return False


class HostResolver:
    """Resolves hosts against the registry snapshot: two dict lookups, whatever the number of
    tenants."""

    def __init__(
        self,
        platform_domain: str,
        trusted_patterns: Iterable[str],
        snapshot: Callable[[], RegistrySnapshot],
    ) -> None:
        self.platform_domain = platform_domain
        self._suffix = f".{platform_domain}"
        self._trusted = tuple(trusted_patterns)
        self._snapshot = snapshot

    def resolve(self, raw_host: str | None) -> Site:
        host = normalize_host(raw_host)
        if host is None:
            return Site(SiteKind.UNTRUSTED, raw_host or "")
        trusted = host_matches(host, self._trusted)
        if trusted and host == self.platform_domain:
            return Site(SiteKind.PLATFORM, host)
        snapshot = self._snapshot()
        if host.endswith(self._suffix):
            if not trusted:
                return Site(SiteKind.UNTRUSTED, host)
            label = host[: -len(self._suffix)]
            tenant = snapshot.by_slug.get(label) if "." not in label else None
        else:
            # A verified custom domain is trusted by the registry itself: the platform operator
            # verified it, so it needs no entry in TRUSTED_HOSTS.
            tenant = snapshot.by_domain.get(host)
            if tenant is None and not trusted:
                return Site(SiteKind.UNTRUSTED, host)
        if tenant is None:
            return Site(SiteKind.UNKNOWN, host)
        return Site(SiteKind.TENANT, host, tenant)
