"""What an RQ worker calls for every job (`condiviso.jobs.worker.run`, named by its path in each
queue entry): the job runs in the current app when the worker runs inside the CLI's app
(`condiviso jobs worker`), else in one built from the environment once per process (a worker
started some other way). Nothing imports this module but RQ: it stands above the app."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context

import condiviso.app
from condiviso.jobs.runner import execute

_process_app: Flask | None = None


def worker_app() -> Flask:
    """The app jobs run in."""
    global _process_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _process_app is None:
        _process_app = condiviso.app.create_app()
    return _process_app


def run(name: str, tenant_slug: str, kwargs: dict[str, Any]) -> None:
    """What an RQ worker calls for every job. Raising makes RQ retry the job later."""
    execute(worker_app(), name, tenant_slug, kwargs)
