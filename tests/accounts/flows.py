"""Steps of the account flows, done through the real pages (forms, CSRF, e-mails)."""

from __future__ import annotations

import re
import uuid

from tests.clients import HostClient, csrf_token

LINK = re.compile(r"https?://\S+")


def unique_email(prefix: str = "persona") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@esempio.it"


def link_in(message) -> str:
    """The first link of an e-mail's body."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = LINK.search(body)
    assert match, f"no link in: {body}"
    return match.group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def post_form(client: HostClient, path: str, data: dict, page: str | None = None):
    """GET the page holding the form (for its CSRF token), then POST `data` to `path`."""
    token = csrf_token(client.get(page or path).text)
    return client.post(path, data={**data, "csrf_token": token})


def register(client: HostClient, email: str, comune_id: int, **extra):
    data = {
        "full_name": "Maria Rossi",
        "email": email,
        "comune_id": str(comune_id),
        "privacy": "y",
        **extra,
    }
    return post_form(client, "/registrati", data)


def choose_password(client: HostClient, link: str, password: str = "una frase lunga e facile"):
    """Open a verification link and choose the account's password on its page."""
    path = path_of(link)
    return post_form(client, path, {"password": password, "password_confirm": password})
