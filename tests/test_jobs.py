"""Background jobs: queued in real Redis and run by a real RQ worker, each inside its own
tenant's database; inline in the embedded default; periodic jobs from the tenants' plugins."""

from __future__ import annotations

import importlib
import logging
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from rq.job import JobStatus

from condiviso.app import create_app
from condiviso.audit.services import accesses, record_access
from condiviso.config import ConfigurationError, build_config
from condiviso.jobs import UnknownJob, enqueue, find_job, job, run_clock, tick
from condiviso.jobs import clock as clock_module
from condiviso.jobs.local import local_runner
from condiviso.jobs.redis_queue import get_queue, job_id, work
from condiviso.plugins import InstalledPlugins, discover
from condiviso.redis_connection import get_redis
from condiviso.tenancy import current_tenant, lifecycle, tenant_context
from condiviso.tenancy.upgrade import upgrade_platform
from tests.clients import finish_jobs
from tests.conftest import PLATFORM_DOMAIN, _apps, base_settings
from tests.districts import ACTOR, provision

ACTIVE = ("jobs-a", "jobs-b")  # the probe plugin enabled
WITHOUT_PLUGIN = "jobs-c"
SUSPENDED = "jobs-s"  # the probe plugin enabled, then suspended


@job("jobs_test.mark")
def mark(marker: str) -> None:
    """Leaves a row in the database of the tenant the job runs for, naming that tenant."""
    record_access("create", "jobs_test.mark", marker, reason=current_tenant().slug)


@job("jobs_test.explode")
def explode() -> None:
    raise RuntimeError("the job broke")


_flaky_failures: dict[str, int] = {}


@job("jobs_test.flaky", retries=(0, 0))
def flaky(marker: str, failures: int) -> None:
    """Fails its first `failures` runs, then leaves its mark; retried at once."""
    seen = _flaky_failures.get(marker, 0)
    if seen < failures:
        _flaky_failures[marker] = seen + 1
        raise RuntimeError(f"failure {seen + 1} of {failures}")
    record_access("create", "jobs_test.mark", marker, reason=current_tenant().slug)


def marks(app: Flask, slug: str) -> dict[str, str]:
    """What `jobs_test.mark` left in one tenant's database: marker -> the tenant it ran for."""
    with app.app_context(), tenant_context(slug):
        return {row.record_id: row.reason for row in accesses(record_type="jobs_test.mark")}


def pings(app: Flask, slug: str) -> int:
    """How many times the probe plugin's periodic job ran for one tenant."""
    with app.app_context(), tenant_context(slug):
        return len(accesses(record_type="jobsprobe.ping"))


def actors(app: Flask, slug: str, marker: str) -> list[str]:
    with app.app_context(), tenant_context(slug):
        return [row.actor_label for row in accesses("jobs_test.mark", marker)]


def unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


# -- a plugin whose job lives in its own `jobs.py`, which nothing imports ------------------------

PROBE_PLUGIN = """
from condiviso.plugins import hookimpl


@hookimpl
def condiviso_periodic_jobs(tenant):
    return ["{plugin}.ping"]
"""

PROBE_JOBS = """
from condiviso.audit.services import record_access
from condiviso.jobs import job
from condiviso.tenancy import current_tenant


@job("{plugin}.ping")
def ping():
    record_access("create", "{plugin}.ping", "tick", reason=current_tenant().slug)
"""


def write_probe(root: Path, plugin: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, object]:
    """A plugin package on disk (`plugin.py` + `jobs.py`); returns (package name, plugin module)."""
    package = f"{plugin}_{uuid.uuid4().hex[:8]}"
    folder = root / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(f'"""A plugin built by the job tests ({plugin})."""\n')
    (folder / "plugin.py").write_text(textwrap.dedent(PROBE_PLUGIN.format(plugin=plugin)))
    (folder / "jobs.py").write_text(textwrap.dedent(PROBE_JOBS.format(plugin=plugin)))
    monkeypatch.syspath_prepend(str(root))
    return package, importlib.import_module(f"{package}.plugin")


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        _package, module = write_probe(tmp_path_factory.mktemp("probe"), "jobsprobe", monkeypatch)
        yield module


def start(settings: dict, probe: object) -> Flask:
    """An app on `settings` with the installed plugins plus the probe."""
    app = create_app(settings, plugins=[*discover(), ("jobsprobe", probe)], environ={})
    app.test_settings = settings  # type: ignore[attr-defined]
    _apps.append(app)  # closed by the suite's fixtures
    return app


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, probe: object) -> Flask:
    """A deployment with four districts: two with the probe, one without, one suspended."""
    app = start(base_settings(tmp_path_factory.mktemp("instance")), probe)
    app.shared = True  # type: ignore[attr-defined]
    upgrade_platform(app)
    for slug in ACTIVE:
        provision(app, slug, f"Distretto {slug} (test)", plugins={"jobsprobe": {}})
    provision(app, WITHOUT_PLUGIN, "Distretto senza sonda (test)")
    provision(app, SUSPENDED, "Distretto sospeso (test)", plugins={"jobsprobe": {}})
    with app.app_context():
        lifecycle.suspend_tenant(SUSPENDED, ACTOR)
    return app


def worker_of(deployment: Flask, probe: object, backend: str) -> Iterator[Flask]:
    """Another process of the deployment, on a Redis prefix (so a queue) of the test's own."""
    prefix = f"{deployment.config['REDIS_PREFIX']}{unique('jobs')}:"
    settings = {**deployment.test_settings, "REDIS_PREFIX": prefix, "JOBS_BACKEND": backend}
    app = start(settings, probe)
    yield app
    client = get_redis(app)
    client.srem("rq:queues", get_queue(app).key)
    for pattern in (f"*{prefix}*", f"*{prefix.replace(':', '-')}*"):
        for key in client.scan_iter(pattern):
            client.delete(key)


@pytest.fixture
def rq_app(deployment: Flask, probe: object) -> Iterator[Flask]:
    yield from worker_of(deployment, probe, "rq")


@pytest.fixture
def inline_app(deployment: Flask, probe: object) -> Iterator[Flask]:
    yield from worker_of(deployment, probe, "inline")


def queued(app: Flask) -> int:
    with app.app_context():
        return get_queue(app).count


def drain(app: Flask) -> None:
    """Run every queued job with a real RQ worker, in burst mode, in this process."""
    with app.app_context():
        work(app, burst=True)


# -- the rq backend ---------------------------------------------------------------------------


def test_a_queued_job_runs_in_its_own_tenant_only(rq_app):
    first, second = unique("a"), unique("b")
    with rq_app.app_context():
        assert enqueue("jobs_test.mark", "jobs-a", marker=first)
        assert enqueue("jobs_test.mark", "jobs-b", marker=second)
    assert queued(rq_app) == 2
    assert first not in marks(rq_app, "jobs-a")

    drain(rq_app)

    assert queued(rq_app) == 0
    assert marks(rq_app, "jobs-a")[first] == "jobs-a"
    assert marks(rq_app, "jobs-b")[second] == "jobs-b"
    assert second not in marks(rq_app, "jobs-a")
    assert first not in marks(rq_app, "jobs-b")
    assert actors(rq_app, "jobs-a", first) == ["system"]


def test_a_second_job_with_the_same_key_is_a_no_op_while_the_first_waits(rq_app):
    marker = unique("dedupe")
    with rq_app.app_context():
        assert enqueue("jobs_test.mark", "jobs-a", key="booking-7", marker=marker)
        assert not enqueue("jobs_test.mark", "jobs-a", key="booking-7", marker=marker)
        assert enqueue("jobs_test.mark", "jobs-b", key="booking-7", marker=marker)
        assert enqueue("jobs_test.mark", "jobs-a", key="booking-8", marker=marker)
        assert enqueue("jobs_test.mark", "jobs-a", marker=marker)
        assert enqueue("jobs_test.mark", "jobs-a", marker=marker)
        assert job_id(rq_app, "jobs_test.mark", "jobs-a", "booking-7") != job_id(
            rq_app, "jobs_test.mark", "jobs-b", "booking-7"
        )
    assert queued(rq_app) == 5

    drain(rq_app)
    with rq_app.app_context():
        # Done, so no longer waiting: the same key queues the job again.
        assert enqueue("jobs_test.mark", "jobs-a", key="booking-7", marker=marker)
    assert queued(rq_app) == 1


def test_jobs_asked_for_during_a_request_are_queued_when_it_ends(rq_app):
    marker = unique("request")
    with rq_app.test_request_context(base_url=f"http://jobs-a.{PLATFORM_DOMAIN}"):
        assert enqueue("jobs_test.mark", "jobs-a", key="k", marker=marker)
        assert not enqueue("jobs_test.mark", "jobs-a", key="k", marker=marker)
        assert queued(rq_app) == 0
    assert queued(rq_app) == 1
    drain(rq_app)
    assert marks(rq_app, "jobs-a")[marker] == "jobs-a"


def test_jobs_of_unknown_or_suspended_tenants_are_skipped_and_logged(rq_app, caplog):
    marker = unique("after")
    with rq_app.app_context():
        enqueue("jobs_test.mark", "nowhere", marker=unique("lost"))
        enqueue("jobs_test.mark", SUSPENDED, marker=marker)
        enqueue("jobs_test.mark", "jobs-a", marker=marker)

    with caplog.at_level(logging.WARNING, logger="condiviso.jobs"):
        drain(rq_app)

    skipped = [r.getMessage() for r in caplog.records if r.name == "condiviso.jobs"]
    assert "job jobs_test.mark skipped: tenant 'nowhere' does not exist" in skipped
    assert f"job jobs_test.mark skipped: tenant {SUSPENDED} is suspended" in skipped
    assert marker not in marks(rq_app, SUSPENDED)
    assert marks(rq_app, "jobs-a")[marker] == "jobs-a"  # the worker went on
    with rq_app.app_context():
        assert get_queue(rq_app).failed_job_registry.count == 0


def test_a_failed_job_is_logged_with_its_tenant_and_retried_later(rq_app, caplog):
    with rq_app.app_context():
        enqueue("jobs_test.explode", "jobs-b", key="once")
    with caplog.at_level(logging.ERROR, logger="condiviso.jobs"):
        drain(rq_app)

    failures = [r for r in caplog.records if r.name == "condiviso.jobs"]
    assert len(failures) == 1
    assert failures[0].getMessage().startswith("job jobs_test.explode for tenant jobs-b failed")
    assert "retries left: 3" in failures[0].getMessage()
    assert "the job broke" in caplog.text
    with rq_app.app_context():
        waiting = get_queue(rq_app).fetch_job(job_id(rq_app, "jobs_test.explode", "jobs-b", "once"))
        assert waiting.get_status() == JobStatus.SCHEDULED
        assert waiting.retries_left == 2
        # Waiting for its retry, it still holds its key.
        assert not enqueue("jobs_test.explode", "jobs-b", key="once")


def test_the_runner_builds_its_app_once_and_needs_no_ambient_context(rq_app, monkeypatch):
    """A worker started without an app (plain `rq worker`) builds one from the environment, once
    per process; the job still gets its tenant from its own arguments alone."""
    import condiviso.app
    from condiviso.jobs import worker

    built: list[Flask] = []
    monkeypatch.setattr(condiviso.app, "create_app", lambda: built.append(rq_app) or rq_app)
    monkeypatch.setattr(worker, "_process_app", None)
    first, second = unique("bare"), unique("bare")
    worker.run("jobs_test.mark", "jobs-a", {"marker": first})
    worker.run("jobs_test.mark", "jobs-b", {"marker": second})
    assert built == [rq_app]
    assert marks(rq_app, "jobs-a")[first] == "jobs-a"
    assert marks(rq_app, "jobs-b")[second] == "jobs-b"


def test_a_worker_finds_the_jobs_of_a_plugins_own_jobs_module(tmp_path, monkeypatch):
    """Loading plugins imports their `plugin.py`; a job in a `jobs.py` nothing imports is found
    all the same when a worker meets its name."""
    package, module = write_probe(tmp_path, "lazyprobe", monkeypatch)
    assert f"{package}.jobs" not in sys.modules
    with pytest.raises(UnknownJob):
        find_job("lazyprobe.ping")
    function = find_job("lazyprobe.ping", InstalledPlugins([("lazyprobe", module)]))
    assert function.__module__ == f"{package}.jobs"


# -- the inline backend -----------------------------------------------------------------------


def test_the_inline_backend_runs_the_job_at_once(inline_app):
    marker = unique("inline")
    with inline_app.app_context():
        assert enqueue("jobs_test.mark", "jobs-b", marker=marker)
    assert marks(inline_app, "jobs-b")[marker] == "jobs-b"
    assert marker not in marks(inline_app, "jobs-a")
    assert queued(inline_app) == 0


def test_inline_jobs_asked_for_in_a_request_run_after_it_without_its_user(inline_app):
    from flask_login import login_user

    from condiviso.accounts.models import User
    from condiviso.extensions import db
    from tests.people import make_user

    user_id = make_user(inline_app, "jobs-a", f"{unique('staff')}@example.org", "district_admin")
    marker, elsewhere = unique("deferred"), unique("elsewhere")
    with (
        inline_app.test_request_context(base_url=f"http://jobs-a.{PLATFORM_DOMAIN}"),
        tenant_context("jobs-a"),
    ):
        login_user(db.session.get(User, user_id))
        assert enqueue("jobs_test.mark", "jobs-a", marker=marker)
        assert enqueue("jobs_test.mark", "jobs-b", marker=elsewhere)
        assert marker not in marks(inline_app, "jobs-a")
    finish_jobs(inline_app)  # they run in the background, after the request
    assert actors(inline_app, "jobs-a", marker) == ["system"]
    # Asked for by a request of district A, a job for district B runs in B alone.
    assert marks(inline_app, "jobs-b")[elsewhere] == "jobs-b"
    assert elsewhere not in marks(inline_app, "jobs-a")


def test_a_failed_inline_job_is_retried_by_the_process_until_its_retries_run_out(
    inline_app, caplog
):
    healing, hopeless = unique("heals"), unique("hopeless")
    with inline_app.app_context():
        assert enqueue("jobs_test.flaky", "jobs-a", marker=healing, failures=2)
        with caplog.at_level(logging.ERROR, logger="condiviso.jobs"):
            assert enqueue("jobs_test.flaky", "jobs-a", marker=hopeless, failures=3)
            finish_jobs(inline_app)
    assert marks(inline_app, "jobs-a")[healing] == "jobs-a"
    assert hopeless not in marks(inline_app, "jobs-a")
    assert "job jobs_test.flaky for tenant jobs-a failed 3 times; not tried again" in caplog.text
    assert local_runner(inline_app).waiting() == 0


def test_with_rq_a_job_redis_cannot_take_runs_in_this_process(deployment, probe):
    settings = {**deployment.test_settings, "REDIS_URL": "redis://127.0.0.1:1/0"}
    app = start({**settings, "JOBS_BACKEND": "rq", "REDIS_RETRY_SECONDS": 60}, probe)
    now, later = unique("now"), unique("later")
    with app.app_context():
        assert enqueue("jobs_test.mark", "jobs-a", marker=now)
    assert marks(app, "jobs-a")[now] == "jobs-a"
    with app.test_request_context(base_url=f"http://jobs-a.{PLATFORM_DOMAIN}"):
        assert enqueue("jobs_test.mark", "jobs-a", marker=later)
    finish_jobs(app)
    assert marks(app, "jobs-a")[later] == "jobs-a"


def test_an_inline_job_that_fails_is_logged_not_raised(inline_app, caplog):
    with caplog.at_level(logging.ERROR, logger="condiviso.jobs"), inline_app.app_context():
        assert enqueue("jobs_test.explode", "jobs-a")
    assert "job jobs_test.explode for tenant jobs-a failed" in caplog.text


def test_enqueue_refuses_unknown_names_and_arguments_that_are_not_json(inline_app):
    with inline_app.app_context():
        with pytest.raises(UnknownJob):
            enqueue("jobs_test.nothing", "jobs-a")
        with pytest.raises(TypeError, match="JSON"):
            enqueue("jobs_test.mark", "jobs-a", marker=object())
        with pytest.raises(TypeError, match="key"):
            enqueue("jobs_test.mark", "jobs-a", key=7, marker="x")
    with pytest.raises(ValueError, match="registered twice"):
        job("jobs_test.mark")(lambda: None)
    with pytest.raises(ValueError, match="lower case"):
        job("NoDot")


# -- periodic jobs ----------------------------------------------------------------------------


def test_tick_queues_periodic_jobs_of_active_tenants_with_the_plugin(rq_app):
    before = {slug: pings(rq_app, slug) for slug in ACTIVE}
    with rq_app.app_context():
        assert tick() == [("jobs-a", "jobsprobe.ping"), ("jobs-b", "jobsprobe.ping")]
        # The last tick's jobs still wait: a second tick adds nothing.
        assert tick() == []
    drain(rq_app)
    for slug in ACTIVE:
        assert pings(rq_app, slug) == before[slug] + 1
    assert pings(rq_app, SUSPENDED) == 0
    assert pings(rq_app, WITHOUT_PLUGIN) == 0


def test_the_clock_ticks_on_time_and_survives_a_failed_tick(monkeypatch):
    now = [1000.0]
    pauses: list[float] = []
    ticks: list[float] = []

    def fake_tick():
        ticks.append(now[0])
        if len(ticks) == 1:
            raise RuntimeError("Redis is down")
        if len(ticks) == 3:
            now[0] += 400  # a tick that overruns the interval
        return []

    def fake_sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(clock_module, "tick", fake_tick)
    assert run_clock(300, ticks=4, sleep=fake_sleep, clock=lambda: now[0]) == 4
    assert ticks == [1000.0, 1300.0, 1600.0, 2000.0]
    assert pauses == [300.0, 300.0, 0.0]


# -- the command line -------------------------------------------------------------------------


def _invoke(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_runs_one_job_now(rq_app):
    marker = unique("cli")
    done = _invoke(
        rq_app,
        "jobs",
        "run",
        "jobs_test.mark",
        "--tenant",
        "jobs-b",
        "--kwargs",
        f'{{"marker": "{marker}"}}',
    )
    assert done.exit_code == 0, done.output
    assert "eseguito" in done.output
    assert marks(rq_app, "jobs-b")[marker] == "jobs-b"
    assert queued(rq_app) == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["jobs_test.nothing", "--tenant", "jobs-a"], 2, "Nessun lavoro"),
        (["jobs_test.mark", "--tenant", "nowhere", "--kwargs", '{"marker": "x"}'], 2, "non esiste"),
        (
            ["jobs_test.mark", "--tenant", SUSPENDED, "--kwargs", '{"marker": "x"}'],
            2,
            "non è attivo",
        ),
        (["jobs_test.mark", "--tenant", "jobs-a", "--kwargs", "{oops"], 2, "JSON"),
        (["jobs_test.mark", "--tenant", "jobs-a", "--kwargs", "[1]"], 2, "oggetto"),
        (["jobs_test.explode", "--tenant", "jobs-a"], 1, "the job broke"),
    ],
)
def test_cli_run_reports_what_went_wrong(rq_app, args, code, message):
    result = _invoke(rq_app, "jobs", "run", *args)
    assert result.exit_code == code, result.output
    assert message in result.output


def test_cli_tick_and_worker(rq_app, inline_app):
    before = {slug: pings(rq_app, slug) for slug in ACTIVE}
    ticked = _invoke(rq_app, "jobs", "tick")
    assert ticked.exit_code == 0, ticked.output
    assert "jobs-a: jobsprobe.ping" in ticked.output
    assert SUSPENDED not in ticked.output and WITHOUT_PLUGIN not in ticked.output
    assert queued(rq_app) == 2

    worked = _invoke(rq_app, "jobs", "worker", "--burst")
    assert worked.exit_code == 0, worked.output
    assert queued(rq_app) == 0
    for slug in ACTIVE:
        assert pings(rq_app, slug) == before[slug] + 1

    refused = _invoke(inline_app, "jobs", "worker", "--burst")
    assert refused.exit_code == 2
    assert "inline" in refused.output


# -- settings ---------------------------------------------------------------------------------


def test_the_backend_is_rq_with_redis_and_inline_without(tmp_path):
    def backend(environ, **overrides):
        return build_config({"INSTANCE_PATH": str(tmp_path), **environ}, overrides)["JOBS_BACKEND"]

    assert backend({}) == "inline"
    assert backend({"REDIS_URL": "redis://127.0.0.1:6379/0"}) == "rq"
    assert backend({}, REDIS_URL="redis://127.0.0.1:6379/0") == "rq"
    assert backend({"REDIS_URL": "redis://127.0.0.1:6379/0", "JOBS_BACKEND": "inline"}) == "inline"
    with pytest.raises(ConfigurationError, match="JOBS_BACKEND=rq needs REDIS_URL"):
        backend({"JOBS_BACKEND": "rq"})
    with pytest.raises(ConfigurationError, match="JOBS_BACKEND"):
        backend({"JOBS_BACKEND": "celery"})
    with pytest.raises(ConfigurationError, match="JOBS_TICK_SECONDS"):
        backend({"JOBS_TICK_SECONDS": "0"})
