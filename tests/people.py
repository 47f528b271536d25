"""People for the tests: passwords, phone numbers nobody has used, accounts made in a district."""

from __future__ import annotations

import random
from collections.abc import Iterable

from flask import Flask

from condiviso.accounts.phones import normalize_phone
from condiviso.extensions import db
from condiviso.tenancy import tenant_context

NEW_PASSWORD = "il mio orto di pomodori"


def phone_number() -> str:
    """A mobile number nobody in the suite has used, written as people write it."""
    while True:
        digits = f"33{random.randint(0, 9)}{random.randint(0, 9_999_999):07d}"
        if normalize_phone(digits):
            return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


PASSWORD = "una frase lunga e facile"


def make_user(
    app: Flask,
    slug: str,
    email: str,
    *roles: str,
    comune_ids: Iterable[int] = (),
    cooperative_id: int | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    full_name: str | None = None,
) -> int:
    """A person of the district `slug` with `roles` (scoped as given); returns the user id."""
    from datetime import UTC, datetime

    from condiviso.accounts.models import RoleGrant, User
    from condiviso.accounts.passwords import hash_password

    with app.app_context(), tenant_context(slug):
        user = User(
            email=email,
            full_name=full_name or email.split("@")[0].title(),
            password_hash=hash_password(password),
            email_verified_at=datetime.now(UTC) if verified else None,
        )
        for role in roles:
            if role == "comune_staff":
                user.grants.extend(RoleGrant(role=role, comune_id=i) for i in comune_ids)
            elif role == "cooperative_staff":
                user.grants.append(RoleGrant(role=role, cooperative_id=cooperative_id))
            else:
                user.grants.append(RoleGrant(role=role))
        db.session.add(user)
        db.session.commit()
        return user.id
