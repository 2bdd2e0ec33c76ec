"""Queue health for the worker's metrics: what waits, how long, and the budget left per account."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core.models import ApiBudgetSnapshot, InstagramSyncHistory, InstagramWebhookEvent


@dataclass(frozen=True)
class AccountBudget:
    connection_id: str
    remaining_calls: int | None
    usage_percent: float | None


@dataclass
class QueueHealth:
    pending_events: int = 0
    queued_syncs: int = 0
    oldest_pending_event_age_s: float | None = None
    budgets: list[AccountBudget] = field(default_factory=list)


def queue_health(session: Session, now: datetime) -> QueueHealth:
    event = InstagramWebhookEvent
    pending, oldest = session.execute(
        select(func.count(), func.min(event.received_at)).where(event.status == "pending")
    ).one()
    queued = session.execute(
        select(func.count()).where(InstagramSyncHistory.status == "queued")
    ).scalar_one()
    age = None if oldest is None else max(0.0, (now - _aware(oldest)).total_seconds())
    return QueueHealth(int(pending), int(queued), age, latest_budgets(session))


def latest_budgets(session: Session) -> list[AccountBudget]:
    snap = ApiBudgetSnapshot
    latest = select(snap.connection_id, func.max(snap.taken_at).label("taken_at")).where(
        snap.connection_id.is_not(None)
    ).group_by(snap.connection_id).subquery()
    rows = session.execute(
        select(snap.connection_id, snap.remaining_calls, snap.usage_percent).join(
            latest, and_(snap.connection_id == latest.c.connection_id, snap.taken_at == latest.c.taken_at)
        ).order_by(snap.connection_id)
    )
    return [AccountBudget(c, r, u) for c, r, u in rows]


def _aware(value: datetime) -> datetime:
    # func.min() comes back untyped on SQLite: a naive (UTC) datetime or its text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        from datetime import timezone

        value = value.replace(tzinfo=timezone.utc)
    return value
