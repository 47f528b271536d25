"""Credentials never leave the process: a password inside a URL (a tenant's database, Redis,
SMTP) is masked wherever text is logged, audited or shown."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# scheme://user:password@host — the password is whatever stands between the colon and the @.
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*@", re.IGNORECASE)
MASK = "***"


def redact_credentials(text: str) -> str:
    """`text` with the password of every URL in it replaced by ***."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}{MASK}@", text)


def redact_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `values` (nested mappings and lists too) with every string redacted."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return redact_credentials(value)
        if isinstance(value, Mapping):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [clean(item) for item in value]
        return value

    return clean(values)
