"""Text encrypted at rest under a key of its district, of its purpose and of a key-ring version.

A stored value is `v<version>:<ciphertext>`; the ciphertext is sqlalchemy-utils' `AesGcmEngine`
format (base64 of a random IV, the tag and the AES-GCM text). Reading picks the key by the
version, so rows written under an older key stay readable while the ring still holds it. Values
written before the key ring existed carry no version (base64 never holds a colon): they were
keyed from `SECRET_KEY`, and stay readable as *legacy* values until `condiviso keys reencrypt`
rewrites them under the newest key.
"""

from __future__ import annotations

import binascii
import functools
import uuid
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy_utils.types.encrypted.encrypted_type import AesGcmEngine, InvalidCiphertextError

from condiviso.encryption.ring import KeyRing
from condiviso.tenancy import current_tenant
from condiviso.tenancy.keys import derive_key


class UnreadableValue(InvalidCiphertextError):
    """A stored value no key of the ring (or, untagged, the legacy key) can decrypt.

    `version` is the version it names (None: legacy or malformed); `cause` is `missing` (the
    ring lacks that version), `refused` (the key does not open it) or `malformed`."""

    def __init__(self, version: int | None, cause: str) -> None:
        super().__init__(f"cannot decrypt a stored value (version {version}): {cause}")
        self.version = version
        self.cause = cause

    def reason(self) -> str:
        """Why, in words an operator can act on."""
        if self.cause == "malformed":
            return _("non ha la forma di un valore cifrato")
        if self.cause == "missing":
            return _(
                "la chiave versione %(version)s non è in DATA_ENCRYPTION_KEYS", version=self.version
            )
        if self.version is None:
            return _(
                "è senza versione e la chiave derivata da SECRET_KEY non lo decifra "
                "(SECRET_KEY è cambiata prima della ricifratura?)"
            )
        return _("la chiave versione %(version)s non lo decifra", version=self.version)


def key_ring() -> KeyRing:
    """The ring of the running app (`DATA_ENCRYPTION_KEYS`)."""
    return current_app.config["DATA_ENCRYPTION_KEYS"]


def data_key(purpose: str, tenant_id: uuid.UUID, version: int | None) -> bytes | None:
    """The tenant's key for `purpose` under a ring version (None: the legacy key from
    SECRET_KEY); None when the ring does not hold that version."""
    if version is None:
        return derive_key(current_app.config["SECRET_KEY"], purpose, tenant_id)
    ring_key = key_ring().key(version)
    return None if ring_key is None else _tenant_key(ring_key, purpose, tenant_id)


def _tenant_key(ring_key: bytes, purpose: str, tenant_id: uuid.UUID) -> bytes:
    return derive_key(ring_key, f"data:{purpose}", tenant_id)


@functools.lru_cache(maxsize=4096)
def _cipher(key: bytes) -> AesGcmEngine:
    # An engine only reads its key once set, so one per key is safe to share between threads.
    engine = AesGcmEngine()
    engine._update_key(key)
    return engine


def stored_version(stored: str) -> int | None:
    """The ring version a stored value names; None for a legacy value."""
    tag, separator, _rest = stored.partition(":")
    if not separator:
        return None
    if len(tag) < 2 or tag[0] != "v" or not tag[1:].isdigit():
        raise UnreadableValue(None, "malformed")
    return int(tag[1:])


def seal(text: str, purpose: str, tenant_id: uuid.UUID) -> str:
    """`text` encrypted under the newest key of the ring, tagged with its version."""
    if not isinstance(text, str):
        raise TypeError(f"only text is encrypted, not {type(text).__name__}")
    version, ring_key = key_ring().newest
    key = _tenant_key(ring_key, purpose, tenant_id)
    return f"v{version}:{_cipher(key).encrypt(text)}"


def unseal(stored: str, purpose: str, tenant_id: uuid.UUID) -> str:
    """The text of a stored value; `UnreadableValue` when no key opens it."""
    version = stored_version(stored)
    key = data_key(purpose, tenant_id, version)
    if key is None:
        raise UnreadableValue(version, "missing")
    body = stored if version is None else stored.partition(":")[2]
    try:
        return _cipher(key).decrypt(body)
    except (InvalidCiphertextError, binascii.Error, ValueError):
        raise UnreadableValue(version, "refused") from None


class EncryptedText(sa.TypeDecorator):
    """Unicode text encrypted with AES-GCM under the bound tenant's key for `purpose`.

    The key is looked up at each write and read from the tenant bound at that moment
    (`current_tenant()` fails loudly when none is): a row of one district can never be written
    under another district's key. The purpose is part of every key: renaming it makes what was
    written under the old name unreadable.
    """

    impl = sa.Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    @property
    def python_type(self) -> type:
        return str

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return seal(value, self.purpose, current_tenant().id)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return unseal(value, self.purpose, current_tenant().id)


def encrypted_columns(metadata: sa.MetaData) -> dict[str, dict[str, str]]:
    """Table name -> {column name: purpose} for every `EncryptedText` column of `metadata`."""
    found: dict[str, dict[str, str]] = {}
    for table in metadata.sorted_tables:
        columns = {
            c.name: c.type.purpose for c in table.columns if isinstance(c.type, EncryptedText)
        }
        if columns:
            found[table.name] = columns
    return found
