"""Persisting what a worker's Graph budget tracker knows, for analytics and other workers.

`BudgetTracker` (core/instagram/budget.py) lives in one process. After a scan, a poll
or a webhook look-up, the worker calls `record_budget_snapshot` so the analytics page
can chart each account's use against its budget and flag Meta's throttling.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.ids import new_id
from core.instagram.budget import BudgetTracker
from core.models import ApiBudgetSnapshot


def record_budget_snapshot(
    session: Session,
    tracker: BudgetTracker,
    *,
    ig_user_id: str,
    store_id: str | None,
    connection_id: str | None,
    clock: Clock | None = None,
    throttled: bool | None = None,
) -> ApiBudgetSnapshot:
    """Add one `api_budget_snapshot` row for the account (the caller commits).

    `throttled` defaults to "Meta's block is in force now"; pass True when a throttling
    error was just handled and the block may already have lapsed.
    """
    usage = tracker.usage(ig_user_id)
    blocked = tracker.blocked_for(ig_user_id) > 0
    row = ApiBudgetSnapshot(
        id=new_id("abs"),
        store_id=store_id,
        connection_id=connection_id,
        ig_user_id=ig_user_id,
        usage_percent=usage.usage_percent,
        calls_in_window=tracker.calls_in_window(ig_user_id),
        remaining_calls=tracker.remaining_calls(ig_user_id),
        throttled=blocked if throttled is None else throttled,
        blocked_until=usage.blocked_until if blocked else None,
        taken_at=(clock or SystemClock()).now(),
    )
    session.add(row)
    return row
