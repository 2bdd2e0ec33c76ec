"""Claim, lease, fence, retry and reap: how any number of workers share one table of work.

Every worker job works the same way over its own table (webhook events, scan and
sync runs):

1. `claim` takes up to N due rows in one statement: `UPDATE ... WHERE id IN (SELECT
   ... FOR UPDATE SKIP LOCKED LIMIT N) RETURNING`. On PostgreSQL two workers never
   get the same row and never wait on each other; on SQLite the single UPDATE is
   atomic too (and only one worker runs there). The row becomes `running`, gets
   `lease_owner` and `lease_expires_at`, and its `attempts` goes up by one.
2. The worker does the work in the same session and ends with `complete` or `fail`.
   Both are fenced: `UPDATE ... WHERE id = ? AND lease_owner = ? AND attempts = ?`.
   `attempts` is the fencing token: it changes on every claim, so a zombie worker
   whose lease expired and whose row was claimed again (even by the same process)
   matches nothing, its whole transaction (the work too) is rolled back, and
   `LeaseLost` tells it to drop the row.
3. `fail` schedules a retry with exponential backoff and jitter (`next_attempt_at`)
   until `max_attempts`, then marks the row failed with the error kept.
4. `reap_expired` returns rows whose lease ran out (a worker died) to the queue, or
   fails them once they used up their attempts, so a poison row cannot kill
   workers forever.
5. Long work keeps its leases with `core.lease_keeper.LeaseKeeper` (a scan's one, or
   a batch of events'), and a stopping worker hands rows it has not started back with
   `release` at once, without using an attempt.

Nothing here knows what the work is; `JobQueue` names the table and its statuses.
"""

from __future__ import annotations

import os
import random
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, true, update
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.models import InstagramSyncHistory, InstagramWebhookEvent

DEFAULT_LEASE_SECONDS = 60.0
DEFAULT_MAX_ATTEMPTS = 3
# A row whose worker keeps dying (say, a post that crashes the process) is given up on after this many.
DEFAULT_MAX_LEASE_EXPIRIES = 10
BACKOFF_BASE_SECONDS = 10.0
BACKOFF_CAP_SECONDS = 15 * 60.0
MAX_ERROR_CHARS = 4000


class LeaseLost(Exception):
    """The row was reaped or claimed again since we took it: drop it, change nothing."""


@dataclass(frozen=True)
class JobQueue:
    """One table of work and the statuses that drive it.

    The table needs: id, status, attempts, next_attempt_at, last_error, lease_owner,
    lease_expires_at, and the `order_by` column (oldest first is fairest).
    """

    name: str
    model: Any
    ready_status: str  # waiting to be claimed (and where retries go back to)
    running_status: str
    failed_status: str
    done_statuses: tuple[str, ...]
    order_by: str
    finished_at_column: str | None = None  # stamped on complete/fail when set
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_lease_expiries: int = DEFAULT_MAX_LEASE_EXPIRIES
    backoff_base_seconds: float = BACKOFF_BASE_SECONDS
    backoff_cap_seconds: float = BACKOFF_CAP_SECONDS

    def column(self, name: str):
        return getattr(self.model, name)


WEBHOOK_EVENTS = JobQueue(
    name="webhook_events",
    model=InstagramWebhookEvent,
    ready_status="pending",
    running_status="processing",
    failed_status="failed",
    done_statuses=("processed", "ignored"),
    order_by="received_at",
    finished_at_column="processed_at",
    max_attempts=4,  # the first try and 3 retries with backoff, then failed
)

SYNC_RUNS = JobQueue(
    name="sync_runs",
    model=InstagramSyncHistory,
    ready_status="queued",
    running_status="running",
    failed_status="failed",
    done_statuses=("success", "partial_success"),
    order_by="created_at",
    finished_at_column="completed_at",
)


@dataclass(frozen=True)
class Lease:
    """What a worker holds on one claimed row; `attempt` is the fencing token."""

    row_id: str
    owner: str
    attempt: int
    expires_at: datetime
    # Earlier claims that ended with the worker dying, not with an error: not failures.
    lease_expiries: int = 0

    @property
    def failed_attempts_before(self) -> int:
        return self.attempt - 1 - self.lease_expiries


def new_worker_id() -> str:
    """A per-process lease owner: host, pid and a random part (pids get reused)."""
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{secrets.token_hex(4)}"


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number `attempt` (1-based): exponential, capped,
    with "equal jitter" (half fixed, half random) so retries of a burst spread out
    but never come back sooner than half the nominal delay."""
    nominal = min(cap, base * (2 ** max(0, attempt - 1)))
    return nominal / 2 + (rng or random).uniform(0, nominal / 2)


def claim(
    session: Session,
    queue: JobQueue,
    owner: str,
    *,
    limit: int = 10,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    clock: Clock | None = None,
    row_ids: list[str] | None = None,
) -> list[Lease]:
    """Take up to `limit` due rows for `owner` and commit, so the lease is visible.

    `row_ids` narrows the claim to those rows (the CLI's foreground scan runs its own);
    a row waiting out its backoff is not due, whoever asks."""
    now = (clock or SystemClock()).now()
    expires = now + timedelta(seconds=lease_seconds)
    id_col, attempts_col = queue.column("id"), queue.column("attempts")
    due = (
        select(id_col)
        .where(queue.column("status") == queue.ready_status)
        .where(or_(queue.column("next_attempt_at").is_(None), queue.column("next_attempt_at") <= now))
        .where(id_col.in_(row_ids) if row_ids is not None else true())
        .order_by(queue.column(queue.order_by), id_col)
        .limit(limit)
        .with_for_update(skip_locked=True)
        # A materialized CTE, not `IN (subquery)`: PostgreSQL may re-run a plain
        # subquery per row, and with SKIP LOCKED that takes more than `limit` rows.
        .cte("due")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    statement = (
        update(queue.model)
        .where(id_col.in_(select(due.c.id)))
        .where(queue.column("status") == queue.ready_status)
        .values(
            status=queue.running_status,
            lease_owner=owner,
            lease_expires_at=expires,
            attempts=attempts_col + 1,
            **_started_values(queue, now),
        )
        .returning(id_col, attempts_col, queue.column(queue.order_by), queue.column("lease_expiries"))
        .execution_options(synchronize_session=False)
    )
    rows = sorted(session.execute(statement).all(), key=lambda r: (r[2], r[0]))  # RETURNING has no order
    session.commit()
    return [Lease(row_id=r[0], owner=owner, attempt=r[1], expires_at=expires, lease_expiries=r[3]) for r in rows]


def _started_values(queue: JobQueue, now: datetime) -> dict[str, Any]:
    # Sync runs show when they started; set it on the first claim only.
    if hasattr(queue.model, "started_at"):
        return {"started_at": func.coalesce(queue.column("started_at"), now)}
    return {}


def _fenced(queue: JobQueue, lease: Lease):
    """The WHERE clause that only the current holder of the lease can match."""
    return and_(
        queue.column("id") == lease.row_id,
        queue.column("lease_owner") == lease.owner,
        queue.column("attempts") == lease.attempt,
        queue.column("status") == queue.running_status,
    )


def _fenced_update(session: Session, queue: JobQueue, lease: Lease, values: dict[str, Any]) -> None:
    """Apply `values` under the fence and commit with the caller's work, or roll back all."""
    statement = (
        update(queue.model)
        .where(_fenced(queue, lease))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    if result.rowcount != 1:
        session.rollback()
        raise LeaseLost(f"{queue.name} {lease.row_id}: lease of {lease.owner} (attempt {lease.attempt}) lost")
    session.commit()


def renew(
    session: Session,
    queue: JobQueue,
    lease: Lease,
    *,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    clock: Clock | None = None,
) -> Lease:
    """Extend a lease during long work. Commits the session (progress so far included)."""
    expires = (clock or SystemClock()).now() + timedelta(seconds=lease_seconds)
    _fenced_update(session, queue, lease, {"lease_expires_at": expires})
    return Lease(lease.row_id, lease.owner, lease.attempt, expires, lease.lease_expiries)


def complete(
    session: Session,
    queue: JobQueue,
    lease: Lease,
    status: str,
    *,
    clock: Clock | None = None,
    **values: Any,
) -> None:
    """Finish the row with a done status, together with the caller's work, or raise LeaseLost."""
    if status not in queue.done_statuses:
        raise ValueError(f"{status!r} is not a done status of {queue.name}: {queue.done_statuses}")
    now = (clock or SystemClock()).now()
    _fenced_update(session, queue, lease, {**_released(queue, status, now), **values})


def fail(
    session: Session,
    queue: JobQueue,
    lease: Lease,
    error: str,
    *,
    retryable: bool = True,
    clock: Clock | None = None,
    rng: random.Random | None = None,
) -> str:
    """Record a failure: back to the queue with backoff while attempts remain, else failed.

    The caller should roll back its partial work first. Returns the new status."""
    now = (clock or SystemClock()).now()
    error = error[:MAX_ERROR_CHARS]
    failures = lease.failed_attempts_before + 1
    if retryable and failures < queue.max_attempts:
        delay = backoff_delay(failures, queue.backoff_base_seconds, queue.backoff_cap_seconds, rng)
        values = {
            "status": queue.ready_status,
            "lease_owner": None,
            "lease_expires_at": None,
            "last_error": error,
            "next_attempt_at": now + timedelta(seconds=delay),
        }
    else:
        values = {**_released(queue, queue.failed_status, now), "last_error": error}
    _fenced_update(session, queue, lease, values)
    return values["status"]


def _released(queue: JobQueue, status: str, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"status": status, "lease_owner": None, "lease_expires_at": None}
    if queue.finished_at_column:
        values[queue.finished_at_column] = now
    return values


def reap_expired(session: Session, queue: JobQueue, *, clock: Clock | None = None) -> int:
    """Return rows whose lease expired to the queue, or fail them after `max_lease_expiries`.

    A lease that runs out means the worker died (or stalled) mid-job, not that the job
    failed, so it is counted in `lease_expiries`, not against `max_attempts`; long jobs
    reset that count when they make progress. Only a row that keeps killing its
    workers (`max_lease_expiries` in a row) is given up on.

    Safe to run from every worker at once: rows are taken with SKIP LOCKED and the
    update re-checks the expiry. Commits; returns how many rows it touched."""
    now = (clock or SystemClock()).now()
    expired = and_(
        queue.column("status") == queue.running_status,
        queue.column("lease_expires_at") < now,
    )
    id_col = queue.column("id")
    stale = select(id_col).where(expired).with_for_update(skip_locked=True)
    expiries = queue.column("lease_expiries")
    out_of_attempts = expiries + 1 >= queue.max_lease_expiries
    give_up = (
        update(queue.model)
        .where(id_col.in_(stale.where(out_of_attempts).scalar_subquery()), expired, out_of_attempts)
        .values(
            **_released(queue, queue.failed_status, now),
            lease_expiries=expiries + 1,
            last_error=f"lease expired {queue.max_lease_expiries} times in a row (the worker stopped mid-job each time)",
        )
        .execution_options(synchronize_session=False)
    )
    retry = (
        update(queue.model)
        .where(id_col.in_(stale.where(~out_of_attempts).scalar_subquery()), expired, ~out_of_attempts)
        .values(
            status=queue.ready_status,
            lease_owner=None,
            lease_expires_at=None,
            next_attempt_at=now,
            lease_expiries=expiries + 1,
            last_error="lease expired (the worker stopped mid-job); returned to the queue",
        )
        .execution_options(synchronize_session=False)
    )
    touched = session.execute(give_up).rowcount + session.execute(retry).rowcount
    session.commit()
    return touched


def requeue(session: Session, queue: JobQueue, row_id: str, *, clock: Clock | None = None) -> bool:
    """Put a failed row back for a fresh set of attempts (the UI's retry button). Commits."""
    now = (clock or SystemClock()).now()
    statement = (
        update(queue.model)
        .where(queue.column("id") == row_id, queue.column("status") == queue.failed_status)
        .values(status=queue.ready_status, attempts=0, lease_expiries=0, next_attempt_at=now, lease_owner=None,
                lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    changed = session.execute(statement).rowcount == 1
    session.commit()
    return changed


def release(session: Session, queue: JobQueue, lease: Lease) -> None:
    """Hand a claimed row back untouched (the worker is stopping before it got to it).

    It is ready at once, and the claim is undone rather than counted as an attempt:
    `attempts` goes back to its value before the claim. That keeps the fence sound,
    since the only lease that ever carried this owner and token is the one handed
    back here. Fenced (raises LeaseLost if the row was reaped meanwhile); commits."""
    _fenced_update(session, queue, lease, {
        "status": queue.ready_status,
        "lease_owner": None,
        "lease_expires_at": None,
        "attempts": queue.column("attempts") - 1,
    })
