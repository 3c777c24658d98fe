"""Workers on PostgreSQL: procrastinate jobs wake a worker for each post when it is due.

The job only says "look at this post": the post's row is the truth, taken under a lease by
`take_post` exactly as the SQLite loop takes rows, and handled by the same `Worker.handle`. A
job that finds its post not due yet, or held by a live lease (a worker that is still sending),
asks to run again then. A job whose worker died stays `doing` and keeps the post's lock, so every
worker also runs `pinrules.retry_stalled_jobs` every few seconds: jobs whose worker stopped
beating are queued again, and the post is taken over (reconciled first) once its lease ends.

Tasks are named explicitly: stored jobs refer to them by name.
"""

from __future__ import annotations

import asyncio
import datetime
import signal
from dataclasses import dataclass

from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision

from ._errors import PublisherError
from ._postgres import JOB_QUEUE, PUBLISH_TASK, PostgresScheduleStore
from ._schedule import PostState
from ._worker import Worker

app = App(connector=PsycopgConnector())  # the real connector is set by `run_jobs`
STALLED_CHECK = "* * * * * */2"  # every 2 seconds (croniter: the seconds field comes last)


class NotYet(PublisherError):
    """The post is not due, or another worker's lease on it is alive: run again at `when`."""

    def __init__(self, when: float) -> None:
        super().__init__(f"not before {when}")
        self.when = when


class _Later(BaseRetryStrategy):
    """NotYet runs the job again at its time; anything else is not retried (the post's row
    records the outcome, and Worker.handle never raises for a post's trouble)."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, NotYet):
            return RetryDecision(retry_at=datetime.datetime.fromtimestamp(exception.when, datetime.UTC))
        return None


@dataclass(frozen=True)
class JobSettings:
    heartbeat: float = 10.0  # how often a worker says it is alive
    stalled_after: float = 30.0  # a job whose worker was silent this long is queued again

    @classmethod
    def for_lease(cls, lease: float) -> JobSettings:
        """A worker silent for as long as a lease is dead; it beats four times per lease."""
        return cls(heartbeat=min(10.0, lease / 4), stalled_after=min(30.0, lease))


@app.task(name=PUBLISH_TASK, queue=JOB_QUEUE, pass_context=True, retry=_Later())
async def publish_post(context: JobContext, workspace: str, post_id: str) -> str:
    worker: Worker = context.additional_context["worker"]
    store = worker.store
    assert isinstance(store, PostgresScheduleStore)
    now = worker.clock()
    item = store.take_post(post_id, workspace, now, worker.owner, worker.settings.lease)
    if item is None:
        current = store.get(post_id, workspace)
        if current is None or current.status not in (PostState.SCHEDULED, PostState.SENDING):
            return f"{post_id}: {current.status if current else 'gone'}"
        raise NotYet(
            current.next_attempt_at if current.status is PostState.SCHEDULED else current.lease_until or now
        )
    await worker.handle(item)
    return f"{post_id}: handled"


@app.periodic(cron=STALLED_CHECK)
@app.task(name="pinrules.retry_stalled_jobs", queue=JOB_QUEUE, queueing_lock="pinrules.retry_stalled_jobs",
          pass_context=True)  # fmt: skip
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> int:
    settings: JobSettings = context.additional_context["job_settings"]
    jobs = context.app.job_manager
    stalled = list(await jobs.get_stalled_jobs(seconds_since_heartbeat=settings.stalled_after))
    for job in stalled:
        await jobs.retry_job(job)
    return len(stalled)


async def run_jobs(url: str, worker: Worker, *, once: bool, settings: JobSettings | None = None) -> None:
    """Run procrastinate's worker for our queue until stopped (SIGINT/SIGTERM: the posts in
    flight finish within the grace period), or, with `once`, until nothing is due."""
    chosen = settings or JobSettings.for_lease(worker.settings.lease)
    connector = PsycopgConnector(conninfo=url, min_size=1, max_size=worker.settings.concurrency + 3,
                                 kwargs={"options": "-c plan_cache_mode=force_custom_plan"})  # fmt: skip
    with app.replace_connector(connector):
        async with app.open_async():
            running = asyncio.create_task(app.run_worker_async(
                queues=[JOB_QUEUE], concurrency=worker.settings.concurrency, wait=not once,
                install_signal_handlers=False, shutdown_graceful_timeout=worker.settings.grace,
                fetch_job_polling_interval=min(1.0, worker.settings.poll_interval),
                update_heartbeat_interval=chosen.heartbeat, stalled_worker_timeout=chosen.stalled_after,
                additional_context={"worker": worker, "job_settings": chosen}, name=worker.owner,
            ))  # fmt: skip
            stopping: list[int] = []

            def on_signal(signum: int) -> None:
                if not stopping:  # once: a second Ctrl-C must not interrupt the graceful stop
                    stopping.append(signum)
                    running.cancel()

            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, on_signal, signum)
            try:
                await running
            except asyncio.CancelledError:
                if not stopping:
                    raise
