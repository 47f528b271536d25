"""Finding a person's account: by e-mail address, by the username they sign in with (an
e-mail address or a phone number), by id."""

from __future__ import annotations

import sqlalchemy as sa

from condiviso.accounts.models import User
from condiviso.accounts.phones import is_email, normalize_phone
from condiviso.extensions import db


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(User.email == normalize_email(email), User.deleted_at.is_(None))
    )


def find_by_username(username: str) -> User | None:
    """The person who signs in with `username`: an e-mail address or a phone number."""
    if is_email(username):
        return find_user(username)
    phone = normalize_phone(username)
    if phone is None:
        return None
    return db.session.scalar(sa.select(User).where(User.phone == phone, User.deleted_at.is_(None)))


def username_key(username: str) -> str:
    """One spelling of a username, for counting attempts: `333 1234567` and `+393331234567`
    spend the same allowance."""
    if is_email(username):
        return normalize_email(username)
    return normalize_phone(username) or username.strip()


def get_user(user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.deleted_at is None else None
