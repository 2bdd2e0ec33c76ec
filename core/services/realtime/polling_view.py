"""The ops view of polling: per connection, when it was last polled, when next, and how much of
polling's hourly budget share it used. Ops only: it lists every store's accounts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.config import get_settings
from core.models import InstagramConnection, Store
from core.security import Actor, require_ops
from core.services.realtime.poll_schedule import PollPolicy, current_window


def polling_state(session: Session, actor: Actor, *, clock: Clock | None = None,
                  policy: PollPolicy | None = None) -> list[dict[str, Any]]:
    """One row per connection, active ones first, with the budget figures of the current hour."""
    require_ops(actor)
    now = (clock or SystemClock()).now()
    policy = policy or PollPolicy.from_settings(get_settings())
    rows = session.execute(
        select(InstagramConnection, Store.name).join(Store, Store.id == InstagramConnection.store_id)
        .order_by(InstagramConnection.status, Store.name)
    ).all()
    return [_row(connection, store_name, now, policy) for connection, store_name in rows]


def _row(connection: InstagramConnection, store_name: str, now, policy: PollPolicy) -> dict[str, Any]:
    window = current_window(connection.poll_hour_started_at, connection.poll_calls_this_hour,
                            connection.poll_hourly_budget, policy, now)
    return {
        "store": store_name, "account": f"@{connection.ig_username or connection.ig_user_id}",
        "status": connection.status, "last_poll": connection.poll_last_at,
        "last_result": connection.poll_last_status,
        "next_poll": connection.poll_next_at if connection.status == "active" else None,
        "interval_s": connection.poll_interval_seconds, "webhook_hint": connection.poll_hinted_at,
        "calls_this_hour": window.calls, "hour_allowance": window.allowance,
        "budget_used_pct": round(100.0 * window.calls / window.allowance, 1),
        "hourly_budget": connection.poll_hourly_budget or f"{policy.assumed_hourly_budget} (assumed)",
        "next_reconcile": connection.reconcile_next_at,
    }
