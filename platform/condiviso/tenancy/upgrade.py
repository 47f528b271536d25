"""`condiviso db upgrade` across tenants: a few processes in parallel (Alembic's operation
proxies are process-global, so threads would not do), every failure reported by slug."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy_utils
from flask import Flask

from condiviso.extensions import db
from condiviso.tenancy.databases import migrate_database
from condiviso.tenancy.migrations import PLATFORM_HISTORY, History, upgrade


@dataclass(frozen=True)
class UpgradeResult:
    slug: str
    moved: list[str] = field(default_factory=list)
    error: str | None = None


def upgrade_platform(app: Flask) -> bool:
    """Create the platform database if needed and bring it to the current schema."""
    with app.app_context():
        engine = db.engines["platform"]
    if engine.dialect.name != "sqlite" and not sqlalchemy_utils.database_exists(engine.url):
        sqlalchemy_utils.create_database(engine.url)
    with engine.connect() as connection:
        moved = upgrade(connection, PLATFORM_HISTORY)
        connection.commit()
    return moved


# Set before the worker processes fork, so they inherit it instead of unpickling it.
_shared: dict[str, Any] = {}


def _upgrade_one(slug: str, url: str) -> UpgradeResult:
    try:
        moved = migrate_database(_shared["config"], url, _shared["histories"])
    except Exception as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return UpgradeResult(slug, error=f"{type(error).__name__}: {message}")
    return UpgradeResult(slug, moved=moved)


def upgrade_tenants(
    config: Mapping[str, Any],
    tenants: Iterable[tuple[str, str]],
    histories: Sequence[History],
    jobs: int,
    on_result: Callable[[UpgradeResult], None] = lambda result: None,
) -> list[UpgradeResult]:
    """Upgrade each (slug, database URL); a failing tenant does not stop the others."""
    _shared.update(config=dict(config), histories=list(histories))
    tenants = list(tenants)
    results = []
    if jobs <= 1 or len(tenants) <= 1:
        for slug, url in tenants:
            result = _upgrade_one(slug, url)
            on_result(result)
            results.append(result)
        return results
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(_upgrade_one, slug, url) for slug, url in tenants]
        for future in as_completed(futures):
            result = future.result()
            on_result(result)
            results.append(result)
    return results
