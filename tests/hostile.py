"""Hostile form input for the tests: what is sent to every field of a form, and the check that
nothing answers 500 or changes."""

from __future__ import annotations

import re

from tests.clients import csrf_token

# Invalid in every field: the request must change nothing.
INVALID_VALUES = [
    "x" * (1024 * 1024),  # 1 MB
    "\x00\x01\x02\x1b[31m\x7f",  # control characters
]


# Hostile but possibly valid text (a title may well read "-1"): stored as text or refused,
# never a 500, never interpreted.
HOSTILE_VALUES = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../../../etc/passwd",
    "\u202e\ufeff\U0001f600",
    "-1",
    "99999999999999999999999",
    "²",  # a superscript two: str.isdigit says yes, int() says no
]


FORM_FIELD = re.compile(r'name="([^"]+)"')


# Buttons that act on a valid CSRF token alone (sign out, enable, revoke...): hostile fields
# are ignored by design, so only forged or missing tokens are sent to them.
BUTTONS = re.compile(r"/(esci|attiva|disattiva|revoca|verifica|rimuovi|elimina)$|/logo/rimuovi$")


def payloads(fields, token, button: bool):
    """(form data, whether it must change nothing)."""
    names = [n for n in fields if n != "csrf_token"] or ["email", "password"]
    yield {"csrf_token": "not-a-token", **{n: "valore" for n in names}}, True
    yield {n: "valore" for n in names}, True  # no token at all
    if button:
        return
    for value in INVALID_VALUES:
        yield {"csrf_token": token, **{n: value for n in names}}, True
    for value in HOSTILE_VALUES:
        yield {"csrf_token": token, **{n: value for n in names}}, False
    yield {"csrf_token": token, **{n: ["a", "b", "c"] for n in names}}, False  # repeated
    yield {"csrf_token": [token, token], "unexpected": "x"}, False


def post_hostile(client, path: str, state, page: str | None = None, button: bool = False) -> int:
    """Post every payload to `path`, the form's fields read from `page` (default: `path`):
    never a 500, and invalid data leaves `state()` as it was. A `button` (a form that acts on
    its token alone) gets only forged and missing tokens. Returns how many were posted."""
    shown = client.get(page or path)
    fields = set(FORM_FIELD.findall(shown.text)) if shown.status_code == 200 else set()
    token = csrf_token(shown.text) if "csrf_token" in shown.text else "none"
    posted = 0
    for data, must_not_change in payloads(fields, token, button or bool(BUTTONS.search(path))):
        before = state() if must_not_change else None
        response = client.post(path, data=data)
        assert response.status_code < 500, (path, response.status_code, repr(data)[:80])
        if must_not_change:
            assert state() == before, (path, repr(data)[:80])
        posted += 1
    return posted
