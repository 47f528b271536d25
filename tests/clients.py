"""Clients for the tests: a test client bound to one host that waits for the jobs its requests
asked for, signing in through the real form, and the CSRF token of a page."""

from __future__ import annotations

import itertools
from typing import Any

from flask import Flask
from werkzeug.test import TestResponse

from tests.people import PASSWORD


def finish_jobs(app: Flask, timeout: float = 30.0) -> None:
    """Wait until the jobs `app` runs in this process's background (those the inline backend
    runs after a request: e-mails, say) are done, as they would be a moment later for a person;
    jobs waiting for a retry later do not count."""
    from condiviso.jobs.local import local_runner

    assert local_runner(app).wait_idle(timeout), f"background jobs still running after {timeout}s"


class HostClient:
    """A test client whose every request carries one `Host`. After each request it waits for
    the background jobs the request asked for (`finish_jobs`), unless told not to."""

    _addresses = itertools.count(1)

    def __init__(self, app: Flask, host: str, finish_jobs: bool = True) -> None:
        self.app = app
        self.host = host
        self.finishes_jobs = finish_jobs
        self.client = app.test_client()
        # Each client is someone else: rate limits count per address.
        number = next(self._addresses)
        self.address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"

    def open(self, path: str, method: str = "GET", **kwargs: Any) -> TestResponse:
        kwargs.setdefault("base_url", f"http://{self.host}")
        kwargs.setdefault("environ_base", {"REMOTE_ADDR": self.address})
        response = self.client.open(path, method=method, **kwargs)
        if self.finishes_jobs:
            finish_jobs(self.app)
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open(path, "GET", **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open(path, "POST", **kwargs)

    def cookie(self, name: str = "session") -> str | None:
        cookie = self.client.get_cookie(name, domain=self.host)
        return cookie.value if cookie is not None else None


def sign_in(client: HostClient, email: str, password: str = PASSWORD) -> TestResponse:
    """Sign in through the real login form (CSRF token included)."""
    page = client.get("/accedi")
    token = csrf_token(page.text)
    return client.post("/accedi", data={"email": email, "password": password, "csrf_token": token})


def csrf_token(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)
