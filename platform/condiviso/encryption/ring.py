"""The data-encryption key ring: versioned keys kept apart from `SECRET_KEY`, newest first.

`DATA_ENCRYPTION_KEYS` is a comma-separated list of `version:key` entries, e.g.
`2:Qm9i...,1:c2Vj...`: the version a positive whole number, strictly decreasing (the newest key,
which writes, comes first), the key 32 random bytes in base64url. Older entries stay only to
read what was written under them until `condiviso keys reencrypt` has rewritten it.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32
DEVELOPMENT_FILE = "data_encryption_keys"


class KeyRingError(ValueError):
    """The key ring's text is malformed; the message says how."""


@dataclass(frozen=True)
class KeyRing:
    """Versions and their keys, newest first (never empty)."""

    keys: tuple[tuple[int, bytes], ...]

    def __repr__(self) -> str:
        # Settings get printed and logged; the keys never are.
        return f"KeyRing(versions={self.versions})"

    @property
    def newest(self) -> tuple[int, bytes]:
        return self.keys[0]

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(version for version, _key in self.keys)

    def key(self, version: int) -> bytes | None:
        """The key of `version`, or None when the ring no longer (or never) held it."""
        for held, key in self.keys:
            if held == version:
                return key
        return None


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def _decode_key(text: str, version: int) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise KeyRingError(f"the key of version {version} is not base64url") from None
    if len(key) != KEY_BYTES or encode_key(key) != text.rstrip("="):
        raise KeyRingError(
            f"the key of version {version} must be {KEY_BYTES} bytes in base64url "
            "(make one with `condiviso keys generate`)"
        )
    return key


def parse_key_ring(text: str) -> KeyRing:
    """The ring written in `text`; `KeyRingError` says what is wrong with it."""
    keys: list[tuple[int, bytes]] = []
    entries = [part.strip() for part in text.split(",") if part.strip()]
    for position, entry in enumerate(entries, start=1):
        version_text, separator, key_text = entry.partition(":")
        if not separator or not version_text.strip().isdigit() or int(version_text) < 1:
            raise KeyRingError(
                f"entry {position} must be version:key, the version a whole number from 1"
            )
        version = int(version_text)
        if keys and version >= keys[-1][0]:
            raise KeyRingError(
                f"the newest key comes first and versions decrease: {version} after {keys[-1][0]}"
            )
        keys.append((version, _decode_key(key_text.strip(), version)))
    if not keys:
        raise KeyRingError("no key: give at least one version:key entry")
    return KeyRing(tuple(keys))


def new_entry(ring: KeyRing | None) -> str:
    """A new `version:key` entry, one version above the ring's newest, to put in front of it."""
    version = ring.newest[0] + 1 if ring is not None else 1
    return f"{version}:{encode_key(secrets.token_bytes(KEY_BYTES))}"


def development_key_ring(instance_path: Path) -> str:
    """A ring kept in the instance folder, so that restarts keep encrypted data readable."""
    ring_file = instance_path / DEVELOPMENT_FILE
    if not ring_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        ring_file.write_text(new_entry(None) + "\n")
        ring_file.chmod(0o600)
    return ring_file.read_text().strip()
