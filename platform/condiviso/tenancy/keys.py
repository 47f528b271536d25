"""Keys derived per tenant from the master secret, and the session cookie that uses them.

`SECRET_KEY` signs (sessions, e-mail tokens, activation codes); data at rest is encrypted under
the key ring of `condiviso.encryption`, so rotating the one never touches the other.

A session cookie signed for one tenant fails the signature check on every other, and it also
names its tenant, which is compared with the host's tenant on each request.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Request, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from condiviso.database.binding import current_binding

SESSION_TENANT_KEY = "_site"


@functools.lru_cache(maxsize=4096)
def derive_key(master_secret: str | bytes, purpose: str, tenant_id: uuid.UUID | None) -> bytes:
    """32 bytes for one purpose of one tenant (None: the platform's own site), by HKDF-SHA256,
    from the master secret or from a data-encryption key of the ring."""
    owner = str(tenant_id) if tenant_id is not None else "platform"
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"condiviso",
        info=f"condiviso/{purpose}/{owner}".encode(),
    )
    return hkdf.derive(master_secret.encode() if isinstance(master_secret, str) else master_secret)


def district_key(purpose: str) -> bytes:
    """32 bytes for one purpose of the current district, from `SECRET_KEY` (an HMAC key, say)."""
    return derive_key(current_app.config["SECRET_KEY"], purpose, current_binding().tenant.id)


def token_serializer(purpose: str, tenant_id: uuid.UUID | None) -> URLSafeTimedSerializer:
    """Signs tokens (e-mail links, invitations) that only this tenant, for this purpose, accepts;
    check their age with `loads(token, max_age=seconds)`."""
    from flask import current_app

    key = derive_key(current_app.config["SECRET_KEY"], f"token:{purpose}", tenant_id)
    return URLSafeTimedSerializer(key, salt=f"condiviso.{purpose}")


def site_identity(site: Any) -> str | None:
    """What a session is bound to: 'platform', the tenant's id, or None (no session)."""
    from condiviso.tenancy.sites import SiteKind

    if site.kind is SiteKind.PLATFORM:
        return "platform"
    if site.kind is SiteKind.TENANT:
        return str(site.tenant.id)
    return None


class TenantSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, keyed per site and bound to its site."""

    def __init__(self, site_of: Any, sessionless_paths: frozenset[str]) -> None:
        self._site_of = site_of
        self._sessionless_paths = sessionless_paths
        self._serializers: dict[str, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        site = self._site_of(request)
        identity = site_identity(site)
        if identity is None:
            return None
        serializer = self._serializers.get(identity)
        if serializer is None:
            tenant_id = site.tenant.id if site.tenant is not None else None
            serializer = URLSafeTimedSerializer(
                derive_key(app.config["SECRET_KEY"], "session", tenant_id),
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={
                    "key_derivation": self.key_derivation,
                    "digest_method": self.digest_method,
                },
            )
            self._serializers[identity] = serializer
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        from condiviso.tenancy.snapshot import RegistryUnavailable

        if request.path in self._sessionless_paths:
            return None
        try:
            session = super().open_session(app, request)
        except RegistryUnavailable:
            # No site without the registry: no session either; the request's own site lookup
            # answers with the outage page.
            return None
        if session is None:
            return None
        identity = site_identity(self._site_of(request))
        if session and session.get(SESSION_TENANT_KEY) != identity:
            return self.session_class()
        return session

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if session:
            identity = site_identity(self._site_of(request))
            if session.get(SESSION_TENANT_KEY) != identity:
                session[SESSION_TENANT_KEY] = identity
        super().save_session(app, session, response)
