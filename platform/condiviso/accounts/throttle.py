"""Guessing a password (or an activation code) is slow, and nobody can lock a person out of
their own account (decision 0020).

Failures count per account *and source*: ten wrong passwords from one address in 15 minutes
close that address's way to that account, not the owner's. Across every source, an account
takes a few dozen failures an hour from browsers it never signed in from; then those are
refused too, with the right password as well (guessing from a crowd of addresses gains
nothing). A browser where the account signed in before carries a device cookie (signed per
site, no personal data) and keeps an allowance of its own, so its owner still gets in. Only
failures count: signing in successfully spends nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature
from werkzeug.wrappers import Response

from condiviso.ratelimit import count, per_site_and_email, refuse_if_spent
from condiviso.tenancy import current_site
from condiviso.tenancy.keys import token_serializer

DEVICE_COOKIE = "condiviso_device"
DEVICE_DAYS = 180
DEVICE_ACCOUNTS = 8  # accounts remembered per browser (a family's shared tablet)


@dataclass(frozen=True)
class Allowance:
    """How many failures a scope takes: from one source, from unknown browsers together, and
    from one known browser."""

    per_source: str
    per_account: str
    per_device: str


SIGN_IN = Allowance("10/15 minutes", "30/hour", "10/15 minutes")
ACTIVATION = Allowance("10/hour", "50/hour", "10/hour")


def _serializer():
    site = current_site()
    return token_serializer("device", site.tenant.id if site.tenant is not None else None)


def _account_digest(username_key: str) -> str:
    return hashlib.sha256(username_key.encode()).hexdigest()[:20]


def _device() -> tuple[str | None, list[str]]:
    """(device id, accounts that signed in on it) from the request's device cookie."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 2000:
        return None, []
    try:
        data = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None, []
    if not isinstance(data, dict) or not isinstance(data.get("d"), str):
        return None, []
    accounts = [a for a in data.get("a", []) if isinstance(a, str)]
    return data["d"], accounts[:DEVICE_ACCOUNTS]


class SignInThrottle:
    """The allowance of one sign-in form (`scope`) for one account (`username_key`)."""

    def __init__(self, scope: str, username_key: str, allowance: Allowance = SIGN_IN) -> None:
        self.scope = scope
        self.allowance = allowance
        self.account = _account_digest(username_key)
        self._account_key = per_site_and_email(username_key)
        self.device, self._known_accounts = _device()

    @property
    def known_device(self) -> bool:
        return self.device is not None and self.account in self._known_accounts

    def _keys(self) -> list[tuple[str, str, str]]:
        source = request.remote_addr or "127.0.0.1"
        keys = [(self.allowance.per_source, f"{self._account_key}:ip:{source}", "source")]
        if self.known_device:
            keys.append(
                (self.allowance.per_device, f"{self._account_key}:device:{self.device}", "device")
            )
        else:
            keys.append((self.allowance.per_account, self._account_key, "account"))
        return keys

    def check(self) -> None:
        """429 when this source, or this account from unknown browsers, has failed too often."""
        for limit, key, kind in self._keys():
            refuse_if_spent(limit, key, f"{self.scope}-{kind}")

    def failed(self) -> None:
        """Count one failure (a wrong password, a wrong code)."""
        for limit, key, kind in self._keys():
            count(limit, key, f"{self.scope}-{kind}")

    def remember(self, response: Response) -> Response:
        """After a success: this browser is known to the account from now on."""
        accounts = [self.account, *(a for a in self._known_accounts if a != self.account)]
        value = _serializer().dumps(
            {"d": self.device or secrets.token_urlsafe(16), "a": accounts[:DEVICE_ACCOUNTS]}
        )
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        return response
