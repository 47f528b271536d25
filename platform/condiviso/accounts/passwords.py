"""Password hashing with Argon2id (argon2-cffi), and the rules a new password must meet."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

MIN_LENGTH = 10
MAX_LENGTH = 128  # hashing cost is bounded; longer inputs are refused, not truncated

_hashers: dict[str, PasswordHasher] = {
    # argon2-cffi's defaults follow RFC 9106's second recommended profile.
    "standard": PasswordHasher(),
    # Only with CONDIVISO_ENV=testing: the same algorithm at a cost tests can afford.
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}


def _hasher() -> PasswordHasher:
    return _hashers["fast" if current_app.config.get("TESTING") else "standard"]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; a missing hash costs the same time as a wrong password."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


_dummies: dict[int, str] = {}


def _dummy_hash() -> str:
    hasher = _hasher()
    if id(hasher) not in _dummies:
        _dummies[id(hasher)] = hasher.hash(secrets.token_urlsafe(16))
    return _dummies[id(hasher)]


def password_problems(
    password: str, *, email: str | None = None, name: str | None = None
) -> list[str]:
    """Why a new password is refused (an empty list when it is fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("La password deve avere almeno %(n)d caratteri.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("La password può avere al massimo %(n)d caratteri.", n=MAX_LENGTH))
    lowered = password.lower()
    if email and lowered == email.lower():
        problems.append(_("La password non può essere il tuo indirizzo e-mail."))
    if name and lowered == name.lower():
        problems.append(_("La password non può essere il tuo nome."))
    if len(set(password)) < 4:
        problems.append(_("La password è troppo semplice: usa parole o caratteri diversi."))
    return problems
