"""Special-category text stored encrypted at rest, under a key of the tenant it belongs to.

The key is looked up each time a value is written or read, from the tenant bound at that moment
(`current_tenant()`, which fails loudly when none is bound): there is no module-level key, and a
row of one district can never be written under another district's key.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from flask import current_app
from sqlalchemy_utils import StringEncryptedType
from sqlalchemy_utils.types.encrypted.encrypted_type import AesGcmEngine

from condiviso.tenancy import current_tenant
from condiviso.tenancy.keys import derive_key

PURPOSE = "care_plans:intake"


def tenant_key() -> bytes:
    """The current tenant's key for intake and care-plan text (HKDF from the master secret)."""
    return derive_key(current_app.config["SECRET_KEY"], PURPOSE, current_tenant().id)


class SealedText(StringEncryptedType):
    """Unicode text encrypted with AES-GCM under the current tenant's key.

    sqlalchemy-utils keeps the key on one cipher object per column type and sets it just before
    each use; two threads serving two districts could interleave between setting and using it,
    so each thread gets a cipher object of its own.
    """

    impl = sa.Text
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(sa.UnicodeText, key=tenant_key, engine=AesGcmEngine)

    @property
    def engine(self) -> AesGcmEngine:
        cipher = getattr(self._ciphers, "engine", None)
        if cipher is None:
            cipher = self._ciphers.engine = AesGcmEngine()
        return cipher

    @engine.setter
    def engine(self, value: AesGcmEngine) -> None:
        self._ciphers = threading.local()
