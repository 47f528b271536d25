"""The `rq` backend: jobs go to one RQ queue in Redis, named under the deployment's
`REDIS_PREFIX`, and `condiviso jobs worker` runs them.

Jobs are stored as JSON (RQ's JSON serializer), never pickled: what sits in Redis is a job name,
a tenant slug and plain arguments, and a worker imports nothing a queue entry names but
`condiviso.jobs.worker.run`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import signal
import uuid
from typing import Any

import redis
from flask import Flask
from rq import Queue, Retry, SimpleWorker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from condiviso.jobs.names import job_policy
from condiviso.redis_connection import get_redis

log = logging.getLogger("condiviso.jobs")
# What a worker calls for every job, by its path: the worker imports it, the queue does not.
WORKER_ENTRY = "condiviso.jobs.worker.run"
# Long enough for a district's export; a job still running then is stopped and retried.
JOB_TIMEOUT_SECONDS = 900
# A job with a key that has ended (failed for good, stopped) no longer blocks a new one.
_ENDED = frozenset({JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED})


def queue_name(app: Flask) -> str:
    return f"{app.config['REDIS_PREFIX']}jobs"


def _id_prefix(app: Flask) -> str:
    """The deployment's prefix in the characters RQ allows in ids (letters, digits, _ and -)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", app.config["REDIS_PREFIX"])


def job_id(app: Flask, name: str, tenant_slug: str, key: str | None) -> str:
    """The RQ job id: derived from (tenant, name, key) when there is a key, so that the same
    job cannot wait twice; random otherwise."""
    if key is None:
        return f"{_id_prefix(app)}{uuid.uuid4().hex}"
    digest = hashlib.sha256(json.dumps([tenant_slug, name, key]).encode()).hexdigest()
    return f"{_id_prefix(app)}{digest[:40]}"


def get_queue(app: Flask, connection: Any | None = None) -> Queue:
    return Queue(
        queue_name(app),
        connection=connection if connection is not None else get_redis(app),
        serializer=JSONSerializer,
    )


def submit(
    app: Flask, name: str, tenant_slug: str, key: str | None, kwargs: dict[str, Any]
) -> bool:
    """Put the job on the queue; False when a job with the same key is still waiting (queued,
    scheduled for a retry, or running), in which case nothing changes."""
    queue = get_queue(app)
    identifier = job_id(app, name, tenant_slug, key)
    if key is not None:
        _forget_ended(queue, identifier)
    try:
        queue.enqueue_call(
            WORKER_ENTRY,
            args=(name, tenant_slug, kwargs),
            job_id=identifier,
            unique=key is not None,
            description=f"{name} [{tenant_slug}]",
            timeout=JOB_TIMEOUT_SECONDS,
            retry=_retry(name),
            # A job returns nothing; its log lines are its record. A finished job is deleted
            # at once, which also frees its key.
            result_ttl=0,
        )
    except DuplicateJobError:
        log.info("job %s for tenant %s with key %r is already waiting", name, tenant_slug, key)
        return False
    return True


def _retry(name: str) -> Retry | None:
    retries = job_policy(name).retries
    return Retry(max=len(retries), interval=list(retries)) if retries else None


def _forget_ended(queue: Queue, identifier: str) -> None:
    try:
        existing = Job.fetch(identifier, connection=queue.connection, serializer=JSONSerializer)
    except NoSuchJobError:
        return
    if existing.get_status(refresh=False) in _ENDED:
        existing.delete()


def work(app: Flask, burst: bool = False) -> bool:
    """Run a worker on the deployment's queue in this process until stopped (or, with `burst`,
    until the queue is empty); True if it ran any job.

    Jobs run one after another in this process and this app (RQ's SimpleWorker, no fork per
    job), so tenant engines and the registry snapshot stay warm; run more workers to run more
    jobs at once. Retries wait in RQ's scheduler, which the worker runs beside itself.
    """
    # A connection of its own: RQ raises its socket timeout above its blocking wait, which the
    # app's client (2 s) must keep.
    connection = redis.Redis.from_url(app.config["REDIS_URL"])
    worker = SimpleWorker(
        [get_queue(app, connection)],
        connection=connection,
        serializer=JSONSerializer,
        name=f"{_id_prefix(app)}{uuid.uuid4().hex}",
    )
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        return worker.work(burst=burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"])
    finally:
        # RQ takes over SIGINT and SIGTERM to stop between jobs; give them back.
        for number, handler in handlers.items():
            signal.signal(number, handler)
        connection.close()
