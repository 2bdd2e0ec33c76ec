"""The worker process: APScheduler running every registered job on its interval.

Each job claims its rows through `core.jobs`, so any number of workers can run
against PostgreSQL (one on SQLite). To add a job, write `def my_job(deps) -> int`
and add one `Job(...)` line to `JOBS`. `run_once` runs every job once (tests, cron).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core import jobs
from core.clock import Clock, SystemClock
from core.db import end_idle_transactions_after
from core.lease_keeper import LeaseKeeper
from core.services.review.expiry import expire_drafts_job, expiry_reminders_job
from core.services.realtime.poll_jobs import poll_connections_job
from core.services.bulk_import.scan_runner import run_scans_job
from core.services.connecting.token_upkeep import token_upkeep_job
from core.services.realtime.webhook_events import MediaImporter, NoImporter, handle_claimed_event

log = logging.getLogger("core.worker")

EVENT_BATCH = 20
EVENT_LEASE_SECONDS = 120.0


@dataclass
class WorkerDeps:
    """Everything a job needs; built once per process (tests build their own)."""

    engine: Engine
    worker_id: str = field(default_factory=jobs.new_worker_id)
    clock: Clock = field(default_factory=SystemClock)
    importer: MediaImporter = field(default_factory=NoImporter)
    stopping: threading.Event = field(default_factory=threading.Event)
    extras: dict[str, Any] = field(default_factory=dict)  # other jobs' collaborators
    event_lease_seconds: float = EVENT_LEASE_SECONDS
    job_intervals: dict[str, float] = field(default_factory=dict)  # seconds by job name, over Job.every_seconds

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose idle transactions end with the event lease (an event's Graph
        and AI calls run inside one): a frozen worker keeps no locks past it."""
        session = end_idle_transactions_after(self._sessions(), self.event_lease_seconds)
        try:
            yield session
        finally:
            session.rollback()
            session.close()


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[WorkerDeps], Any]
    every_seconds: float


def process_webhook_events(deps: WorkerDeps, batch: int = EVENT_BATCH) -> int:
    """Claim due events a batch at a time and handle each; returns how many were handled."""
    handled = 0
    while not deps.stopping.is_set():
        with deps.session() as session:
            leases = jobs.claim(session, jobs.WEBHOOK_EVENTS, deps.worker_id, limit=batch,
                                lease_seconds=deps.event_lease_seconds, clock=deps.clock)
            handled += _work_through(session, leases, deps)
        if len(leases) < batch:
            return handled
    return handled


def _work_through(session: Session, leases: list[jobs.Lease], deps: WorkerDeps) -> int:
    """Handle a claimed batch in order while a keeper renews the leases not yet finished
    (one slow look-up must not let the rest of the batch be reaped and done twice).
    On stop, the events not started go back to the queue at once."""
    if not leases:
        return 0
    keeper = LeaseKeeper(deps.session, jobs.WEBHOOK_EVENTS, leases, lease_seconds=deps.event_lease_seconds,
                         clock=deps.clock)
    keeper.start()
    handled = 0
    try:
        for lease in leases:
            if deps.stopping.is_set():
                break
            try:
                handled += _handle_one(session, lease, keeper, deps)
            finally:
                keeper.done(lease)
    finally:
        keeper.stop()
        _give_back(session, keeper.held(), deps)
    return handled


def _handle_one(session: Session, lease: jobs.Lease, keeper: LeaseKeeper, deps: WorkerDeps) -> int:
    if keeper.is_lost(lease):
        log.warning("skipped event %s: its lease was lost before its turn", lease.row_id)
        return 0
    try:
        handle_claimed_event(session, lease, deps.importer, deps.clock)
        return 1
    except jobs.LeaseLost:
        return 0  # the event's own log line says so (webhook_event, a warning)


def _give_back(session: Session, leases: list[jobs.Lease], deps: WorkerDeps) -> None:
    """Release events this worker claimed but never started, without using an attempt."""
    session.rollback()
    for lease in leases:
        try:
            jobs.release(session, jobs.WEBHOOK_EVENTS, lease)
        except jobs.LeaseLost:
            pass  # reaped meanwhile: it is back in the queue already
        except Exception:  # the database is away: the lease runs out and the reaper has it
            log.exception("could not hand event %s back", lease.row_id)
            session.rollback()
    if leases:
        log.info("worker %s handed %d unstarted events back", deps.worker_id, len(leases))


def reap_expired_leases(deps: WorkerDeps) -> int:
    """Return work of crashed workers to the queues (every queue core.jobs knows)."""
    with deps.session() as session:
        return sum(jobs.reap_expired(session, queue, clock=deps.clock)
                   for queue in (jobs.WEBHOOK_EVENTS, jobs.SYNC_RUNS))


# Every job the worker runs. Add yours with one line.
JOBS: list[Job] = [
    Job("webhook_events", process_webhook_events, every_seconds=0.5),  # an idle check is one query; p95 < 2 s
    Job("reap_expired_leases", reap_expired_leases, every_seconds=30),
    Job("bulk_import_scans", run_scans_job, every_seconds=2),
    Job("expire_drafts", expire_drafts_job, every_seconds=300),
    Job("expiry_reminders", expiry_reminders_job, every_seconds=600),
    Job("poll_connections", poll_connections_job, every_seconds=2),
    Job("token_upkeep", token_upkeep_job, every_seconds=900),
]


def run_job(job: Job, deps: WorkerDeps) -> Any:
    """Run one job, logging (not raising) its failure so one bad job stops no other."""
    try:
        return job.run(deps)
    except Exception:
        log.exception("worker job %s failed", job.name)
        return None


def run_once(deps: WorkerDeps, job_list: list[Job] | None = None) -> dict[str, Any]:
    return {job.name: run_job(job, deps) for job in (job_list or JOBS)}


def build_scheduler(deps: WorkerDeps, job_list: list[Job] | None = None) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    for job in job_list or JOBS:
        every = deps.job_intervals.get(job.name, job.every_seconds)
        scheduler.add_job(run_job, "interval", args=(job, deps), seconds=every, id=job.name,
                          max_instances=1, coalesce=True, next_run_time=deps.clock.now())
    return scheduler


def run_forever(deps: WorkerDeps, job_list: list[Job] | None = None) -> None:
    """Run until SIGTERM or SIGINT; then finish the event in hand, hand the rest of its
    batch back to the queue, and stop.

    The handler only sets a flag: the signal may land before the scheduler runs or
    while its loop holds the job-store lock, so a helper thread does the stopping."""
    scheduler = build_scheduler(deps, job_list)
    received: list[int] = []

    def on_signal(signum, _frame) -> None:
        received.append(signum)
        deps.stopping.set()

    def stop_when_told() -> None:
        deps.stopping.wait()
        log.info("worker %s stopping (signal %s)", deps.worker_id, received[0] if received else "-")
        while not scheduler.running:
            time.sleep(0.05)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=stop_when_told, name="worker-stopper", daemon=True).start()
    log.info("worker %s starting: %s", deps.worker_id, ", ".join(j.name for j in job_list or JOBS))
    scheduler.start()
