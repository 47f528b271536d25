"""Background jobs (DESIGN.md §6): reminders, e-mails, exports, run away from the request.

A job is a function registered under a name with `@job`; `enqueue(name, tenant_slug, ...)`
asks for it to run. In production (`JOBS_BACKEND=rq`) jobs wait in a Redis queue for
`condiviso jobs worker`; in the embedded default (`inline`) they run in the process that asked.
Either way a job names its tenant, runs inside that tenant's context, and must be idempotent.
See docs/decisions/0010-job-queue.md.
"""

from condiviso.jobs.clock import run_clock, tick
from condiviso.jobs.enqueueing import enqueue
from condiviso.jobs.names import UnknownJob, find_job, job
from condiviso.jobs.runner import Outcome, execute

__all__ = [
    "Outcome",
    "UnknownJob",
    "enqueue",
    "execute",
    "find_job",
    "job",
    "run_clock",
    "tick",
]
