"""The worker's poll job: which accounts to poll now, the poll itself, and the next poll time.

Each active connection carries its own schedule (`poll_next_at`, the adaptive
`poll_interval_seconds`) and polling's spend this hour (`poll_calls_this_hour` against
`poll_hourly_budget`). A worker claims due connections with one `UPDATE ... WHERE id IN
(SELECT ... FOR UPDATE SKIP LOCKED)` that sets `poll_claimed_until`, so any number of
workers share the accounts and none polls one twice at once; a killed worker's claim
simply runs out. The poll is `core.services.realtime.polling.poll_connection` (new posts since
the newest one we hold, plus, when the reconcile is due, a re-read of the recent known
posts and of the next slice of older ones); the rules for timing and budget are the pure
`core.services.realtime.poll_schedule`.

A webhook about an account is a hint: `note_webhook_hint` pulls its next poll forward.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from core.db import end_idle_transactions_after
from core.instagram import (
    BudgetTracker,
    GraphClient,
    GraphError,
    PermissionMissing,
    RateLimited,
    RetryPolicy,
    TokenInvalid,
    shared_budget,
)
from core.logging import log_operation
from core.models import InstagramConnection, InstagramSyncHistory, ProductDraft
from core.services.usage.api_budget import record_budget_snapshot
from core.services.connecting.connect_rules import status_after_error
from core.services.connecting.connect_types import decrypt_token
from core.services.realtime.poll_schedule import (
    PollDecision,
    PollPolicy,
    current_window,
    decide,
    estimate_hourly_budget,
    hinted_recently,
    next_interval,
)
from core.services.realtime.polling import poll_connection
from core.services.bulk_import.import_deps import ImportDeps, import_deps_for_worker
from core.token_vault import TokenVaultError

log = logging.getLogger("catalog_sync.polling")

# Polls must not sit in a throttle: the schedule waits instead (Meta's block is on the tracker).
POLL_RETRY = RetryPolicy(attempts=2, initial_wait=0.2, max_wait=1.0, max_throttle_wait=2.0, throttle_retries=0,
                         default_throttle_wait=60.0)
C = InstagramConnection


@dataclass(frozen=True)
class PollResult:
    """What one claimed account got: `polled` (with its run's status) or `waiting`/`skipped`, and when next."""

    connection_id: str
    outcome: str
    next_poll_at: datetime | None
    run_id: str | None = None
    kept_run: bool = False
    store_id: str | None = None
    figures: dict[str, Any] = field(default_factory=dict)  # for the poll's log line


def budget_of(deps: ImportDeps) -> BudgetTracker:
    return deps.budget if deps.budget is not None else shared_budget()


def graph_client_for(deps: ImportDeps, connection: InstagramConnection) -> GraphClient:
    """A budgeted Graph client on the connection's host. Raises TokenVaultError for an unreadable token."""
    token = decrypt_token(deps.vault, connection)
    return GraphClient.for_login_flow(deps.settings, connection.login_flow, token.reveal(),
                                      account_id=connection.ig_user_id, budget=budget_of(deps),
                                      retry=deps.retry or POLL_RETRY, sleep=deps.sleep)


# --- claiming -------------------------------------------------------------------------------------


def claim_due_connections(session: Session, now: datetime, *, lease_seconds: float, limit: int) -> list[str]:
    """Take up to `limit` active connections whose poll is due and nobody holds; commits."""
    due = (
        select(C.id)
        .where(C.status == "active", C.access_token_encrypted.is_not(None))
        .where(or_(C.poll_next_at.is_(None), C.poll_next_at <= now))
        .where(or_(C.poll_claimed_until.is_(None), C.poll_claimed_until < now))
        .order_by(C.poll_next_at.nulls_first(), C.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due_polls")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    statement = (
        update(C)
        .where(C.id.in_(select(due.c.id)))
        .where(or_(C.poll_claimed_until.is_(None), C.poll_claimed_until < now))
        .values(poll_claimed_until=now + timedelta(seconds=lease_seconds))
        .returning(C.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(session.scalars(statement))
    session.commit()
    return sorted(ids)


def note_webhook_hint(connection: InstagramConnection, received_at: datetime) -> None:
    """A webhook named this account: poll it now, and often for a while. The caller commits."""
    if connection.poll_hinted_at is None or connection.poll_hinted_at < received_at:
        connection.poll_hinted_at = received_at
    if connection.poll_next_at is None or connection.poll_next_at > received_at:
        connection.poll_next_at = received_at


# --- one account ----------------------------------------------------------------------------------


def poll_claimed(deps: ImportDeps, connection_id: str, policy: PollPolicy) -> PollResult:
    """Poll one claimed account if its budget allows, then schedule the next poll and release it.

    The poll holds its transaction across Graph and AI calls, so the database ends it
    if it idles past the claim: a frozen worker then blocks nobody who polls after it."""
    lease_seconds = float(deps.settings.poll_lease_seconds)
    with end_idle_transactions_after(deps.session_factory(), lease_seconds) as session:
        connection = session.get(C, connection_id)
        if connection is None or connection.status != "active":
            _release(session, connection_id)
            return PollResult(connection_id, "skipped", None)
        started = deps.clock.now()
        window = current_window(connection.poll_hour_started_at, connection.poll_calls_this_hour,
                                connection.poll_hourly_budget, policy, started)
        decision = decide(window, now=started, blocked_seconds=budget_of(deps).blocked_for(connection.ig_user_id),
                          reconcile_due=_reconcile_due(connection, started), policy=policy)
        if not decision.poll:
            return _wait(session, connection, decision, window)
        try:
            client = graph_client_for(deps, connection)
        except TokenVaultError as problem:
            return _unreadable_token(session, connection, problem, deps)
        stopped_by: list[GraphError] = []
        run = poll_connection(session, connection, client, deps.extractor, deps.clock, media_store=deps.media_store,
                              recent=decision.recheck_posts, sweep=decision.sweep_posts, keep_quiet_run=False,
                              on_stop=stopped_by.append)
        result = _after_poll(session, deps, connection, run, decision, window, policy, started,
                             stopped_by[0] if stopped_by else None)
        return result


def _reconcile_due(connection: InstagramConnection, now: datetime) -> bool:
    return connection.reconcile_next_at is None or connection.reconcile_next_at <= now


def _wait(session: Session, connection: InstagramConnection, decision: PollDecision, window) -> PollResult:
    _finish(session, connection.id, next_at=decision.wait_until, started=None,
            values={"poll_last_status": "waiting", "poll_hour_started_at": window.started_at,
                    "poll_calls_this_hour": window.calls})
    return PollResult(connection.id, "waiting", decision.wait_until, store_id=connection.store_id,
                      figures={"reason": decision.reason})


def _unreadable_token(session: Session, connection: InstagramConnection, problem: Exception,
                      deps: ImportDeps) -> PollResult:
    connection.status, connection.status_reason = "error", f"The stored token cannot be read ({problem}). Reconnect."
    connection.status_changed_at = deps.clock.now()
    connection.poll_claimed_until = None
    connection.poll_last_status = "failed"
    session.commit()
    return PollResult(connection.id, "skipped", None, store_id=connection.store_id,
                      figures={"reason": "the stored token cannot be read"})


def _after_poll(session: Session, deps: ImportDeps, connection: InstagramConnection, run: InstagramSyncHistory,
                decision: PollDecision, window, policy: PollPolicy, started: datetime,
                stopped_by: GraphError | None) -> PollResult:
    now = deps.clock.now()
    budget = budget_of(deps)
    usage = budget.usage(connection.ig_user_id)
    hourly = estimate_hourly_budget(usage.usage_percent, usage.calls_at_reading) or connection.poll_hourly_budget
    window = current_window(window.started_at, window.calls + (run.api_calls_used or 0), hourly, policy, now)
    interval = next_interval(connection.poll_interval_seconds, found_new=bool(run.drafts_created),
                             hinted=hinted_recently(connection.poll_hinted_at, now),
                             last_post_age=_last_post_age(session, connection.store_id, now),
                             policy=policy, window=window)
    next_at = now + timedelta(seconds=interval)
    next_at = max(next_at, now + timedelta(seconds=_backoff_after(stopped_by, budget, connection, policy)))
    kept = run.status != "success" or bool(run.posts_processed)
    values: dict[str, Any] = {
        "poll_last_at": now, "poll_last_status": run.status, "poll_interval_seconds": max(1, round(interval)),
        "poll_hour_started_at": window.started_at, "poll_calls_this_hour": window.calls,
        "poll_hourly_budget": hourly,
    }
    if decision.recheck_posts or decision.sweep_posts:
        values["reconcile_next_at"] = now + timedelta(seconds=policy.reconcile_interval)
    if kept:
        _budget_snapshot(session, budget, connection, deps)
    _finish(session, connection.id, next_at=next_at, started=started, values=values)
    if stopped_by is not None:
        _mark_dead_token(session, deps, connection, stopped_by)
    figures = {"status": run.status, "posts_found": run.posts_found, "drafts_created": run.drafts_created,
               "api_calls_used": run.api_calls_used}
    return PollResult(connection.id, "polled", next_at, run.id if kept else None, kept, connection.store_id, figures)


def _last_post_age(session: Session, store_id: str, now: datetime) -> timedelta | None:
    newest = session.scalar(
        select(ProductDraft.ig_timestamp).where(ProductDraft.store_id == store_id)
        .order_by(ProductDraft.ig_timestamp.desc().nulls_last()).limit(1)
    )
    return now - newest if newest is not None else None


def _finish(session: Session, connection_id: str, *, next_at: datetime | None, started: datetime | None,
            values: dict[str, Any]) -> None:
    """Schedule the next poll and release the claim in one statement.

    A webhook hint that came in while we polled (`poll_hinted_at` after `started`) wins:
    the account is due again at once, since the poll may have listed before the post existed."""
    next_value: Any = next_at
    if started is not None and next_at is not None:
        next_value = case((C.poll_hinted_at > started, C.poll_hinted_at), else_=next_at)
    session.execute(
        update(C).where(C.id == connection_id)
        .values(poll_next_at=next_value, poll_claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _release(session: Session, connection_id: str) -> None:
    session.execute(update(C).where(C.id == connection_id).values(poll_claimed_until=None)
                    .execution_options(synchronize_session=False))
    session.commit()


def _budget_snapshot(session: Session, budget: BudgetTracker, connection: InstagramConnection,
                     deps: ImportDeps) -> None:
    try:
        with session.begin_nested():
            record_budget_snapshot(session, budget, ig_user_id=connection.ig_user_id, store_id=connection.store_id,
                                   connection_id=connection.id, clock=deps.clock)
    except Exception:
        log.exception("could not record the API budget of %s", connection.id)


def _backoff_after(stopped_by: GraphError | None, budget: BudgetTracker, connection: InstagramConnection,
                   policy: PollPolicy) -> float:
    """Seconds the next poll must wait at least: Meta's block, and the longest interval after a
    throttle (Meta often throttles without saying for how long; more calls only add to the count)."""
    wait = budget.blocked_for(connection.ig_user_id)
    if isinstance(stopped_by, RateLimited):
        wait = max(wait, stopped_by.retry_after, policy.max_interval)
    return wait


def _mark_dead_token(session: Session, deps: ImportDeps, connection: InstagramConnection, error: GraphError) -> None:
    """A revoked or expired token stops polling: mark the connection so the store is told to reconnect."""
    if not isinstance(error, (TokenInvalid, PermissionMissing)):
        return
    status, reason = status_after_error(error)
    connection = session.get(C, connection.id, populate_existing=True)
    connection.status, connection.status_reason = status, reason
    connection.status_changed_at = deps.clock.now()
    session.commit()
    log.warning("connection %s marked %s after a poll: %s", connection.id, status, reason)


# --- the worker job -------------------------------------------------------------------------------


def poll_due_connections(deps: ImportDeps, *, limit: int | None = None, stopping=None) -> list[PollResult]:
    """Claim due accounts a batch at a time and poll each; returns what each got."""
    settings = deps.settings
    policy = PollPolicy.from_settings(settings)
    batch = limit or int(settings.poll_batch)
    results: list[PollResult] = []
    while stopping is None or not stopping.is_set():
        with deps.session_factory() as session:
            ids = claim_due_connections(session, deps.clock.now(), lease_seconds=float(settings.poll_lease_seconds),
                                        limit=batch)
        for connection_id in ids:
            results.append(_poll_safely(deps, connection_id, policy))
        if len(ids) < batch:
            return results
    return results


def _poll_safely(deps: ImportDeps, connection_id: str, policy: PollPolicy) -> PollResult:
    """Poll one account, logging one `poll` line with its store, duration and figures."""
    try:
        with log_operation(log, "poll", connection_id=connection_id) as logged:
            result = poll_claimed(deps, connection_id, policy)
            logged.store_id = result.store_id
            logged.update(result.figures, outcome=result.outcome, next_poll_at=result.next_poll_at)
            if result.figures.get("status") == "failed":
                logged.level = logging.WARNING
        return result
    except Exception:  # one account's failure stops no other (logged above); its claim runs out, it is retried
        return PollResult(connection_id, "error", None)


def poll_connections_job(worker: Any) -> int:
    """The worker job (`core.worker.JOBS`): poll every due account; returns how many were polled."""
    results = poll_due_connections(import_deps_for_worker(worker), stopping=worker.stopping)
    return sum(1 for r in results if r.outcome == "polled")
