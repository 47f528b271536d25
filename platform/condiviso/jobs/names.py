"""Job names: every job function is registered under one name when its module is imported, so
a queued job carries only that name, its tenant and JSON arguments, never code."""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from condiviso.plugins import InstalledPlugins

JobFunction = TypeVar("JobFunction", bound=Callable[..., Any])

# `<plugin>.<what it does>`, e.g. `social_point.send_reminders`.
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_jobs: dict[str, Callable[..., Any]] = {}
_policies: dict[str, JobPolicy] = {}

# Seconds before each retry of a failed job: a blip passes, an outage gets time to end.
RETRY_INTERVALS = (30, 120, 600)


@dataclass(frozen=True, slots=True)
class JobPolicy:
    """How a job is run: the waits before each retry of a failure, and whether it also runs
    for a suspended district (one whose data is read-only, for a job that writes none)."""

    retries: tuple[int, ...] = RETRY_INTERVALS
    suspended: bool = False


DEFAULT_POLICY = JobPolicy()


class UnknownJob(LookupError):
    """No job is registered under the name: a typo, or a worker older than the code queuing."""


def _origin(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def job(
    name: str, retries: Sequence[int] = RETRY_INTERVALS, suspended: bool = False
) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function as job `name` (unique in the deployment).

    The function is called with the job's keyword arguments inside an app context and the
    tenant's `tenant_context`; what it leaves in the session is committed when it returns. It
    must be idempotent: running it twice has the effect of running it once. A failure is tried
    again after each of `retries` seconds; with `suspended`, the job also runs for a suspended
    district.
    """
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"job name {name!r} must look like '<plugin>.<job>', in lower case")

    def register(function: JobFunction) -> JobFunction:
        existing = _jobs.get(name)
        # The same function seen again (a module imported twice) is not a clash.
        if existing is not None and _origin(existing) != _origin(function):
            raise ValueError(
                f"job {name!r} is registered twice: {_origin(existing)} and {_origin(function)}"
            )
        _jobs[name] = function
        _policies[name] = JobPolicy(tuple(retries), suspended)
        return function

    return register


def find_job(name: str, plugins: InstalledPlugins | None = None) -> Callable[..., Any]:
    """The function registered as `name`; `UnknownJob` if there is none.

    A name not seen yet makes the installed plugins' `jobs` modules load first: a plugin module
    is imported when the app loads plugins, but a `jobs.py` next to it only when something
    imports it, which a worker process might otherwise never do.
    """
    function = _jobs.get(name)
    if function is None and plugins is not None:
        _import_plugin_jobs(plugins)
        function = _jobs.get(name)
    if function is None:
        raise UnknownJob(f"no job is registered as {name!r}")
    return function


def job_policy(name: str) -> JobPolicy:
    """How the job registered as `name` is retried and for which districts it runs."""
    return _policies.get(name, DEFAULT_POLICY)


def _import_plugin_jobs(plugins: InstalledPlugins) -> None:
    for plugin in plugins.plugins.values():
        package = plugin.module.__name__.rpartition(".")[0]
        if not package:
            continue
        try:
            spec = importlib.util.find_spec(f"{package}.jobs")
        except (ModuleNotFoundError, ValueError):
            continue  # the plugin module is not inside an importable package
        if spec is not None:
            importlib.import_module(spec.name)
