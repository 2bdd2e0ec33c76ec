"""Operations figures: sync health, Graph API budget, AI usage and cost, errors per 1,000 ops.

Syncs count by `started_at` in the period (queued runs have not happened yet); API calls
are `instagram_sync_history.api_calls_used` summed per UTC day and account, set against
the budget snapshots the worker persists (`api_budget_snapshot`); AI usage comes from
`ai_call`; webhook events count by `received_at`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core.models import (
    AICall,
    ApiBudgetSnapshot,
    InstagramConnection,
    InstagramSyncHistory,
    InstagramWebhookEvent,
)
from core.services.analytics.scope import Period, Scope
from core.services.analytics.sql import count_where, day_of, ratio

FINISHED = ("success", "partial_success", "failed")
ERROR_KINDS = ("sync_failed", "post_failed", "webhook_failed", "webhook_quarantined", "ai_failed")


@dataclass
class SyncHealth:
    runs: int = 0  # finished runs in the period
    success: int = 0
    partial: int = 0
    failed: int = 0
    posts_processed: int = 0
    posts_failed: int = 0
    by_type: list[dict] = field(default_factory=list)
    per_day: list[dict] = field(default_factory=list)

    @property
    def success_rate(self) -> float | None:
        return ratio(self.success, self.runs)

    @property
    def partial_rate(self) -> float | None:
        return ratio(self.partial, self.runs)


@dataclass
class ApiUsage:
    total_calls: int = 0
    rate_limit_hit: bool = False
    throttled_days: int = 0  # account-days with a throttled reading
    per_day: list[dict] = field(default_factory=list)  # every day, all accounts in scope
    budget_now: list[dict] = field(default_factory=list)  # latest snapshot per account
    per_account: list[dict] = field(default_factory=list)  # the period per account, busiest first


@dataclass
class AIUsageFigures:
    calls: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    per_day: list[dict] = field(default_factory=list)


@dataclass
class ErrorFigures:
    operations: int = 0
    errors: int = 0
    by_kind: list[dict] = field(default_factory=list)

    @property
    def per_thousand(self) -> float | None:
        share = ratio(self.errors, self.operations)
        return None if share is None else share * 1000


def _syncs(scope: Scope, period: Period, *columns):
    history = InstagramSyncHistory
    stmt = select(*columns).where(
        history.started_at >= period.start, history.started_at < period.end, history.status.in_(FINISHED)
    )
    return scope.apply(stmt, history.store_id)


def _status_counts():
    status = InstagramSyncHistory.status
    return (func.count(), *(count_where(status == s) for s in FINISHED))


def sync_health(session: Session, scope: Scope, period: Period) -> SyncHealth:
    history = InstagramSyncHistory
    totals = session.execute(
        _syncs(scope, period, *_status_counts(),
               func.coalesce(func.sum(history.posts_processed), 0),
               func.coalesce(func.sum(history.posts_failed), 0))
    ).one()
    by_type_stmt = _syncs(
        scope, period, history.sync_type, *_status_counts(),
        func.coalesce(func.sum(history.posts_processed), 0),
        func.coalesce(func.sum(history.drafts_created), 0),
        func.coalesce(func.sum(history.api_calls_used), 0),
    ).group_by(history.sync_type).order_by(history.sync_type)
    by_type = [
        {"sync_type": t, "runs": int(n), "success": int(s), "partial_success": int(p), "failed": int(f),
         "success_rate": ratio(s, n), "posts_processed": int(pp), "drafts_created": int(dc),
         "api_calls": int(calls)}
        for t, n, s, p, f, pp, dc, calls in session.execute(by_type_stmt)
    ]
    day = day_of(history.started_at).label("day")
    per_day_rows = {
        d: (int(n), int(s), int(p), int(f))
        for d, n, s, p, f in session.execute(_syncs(scope, period, day, *_status_counts()).group_by(day))
    }
    per_day = [
        dict(zip(("day", "runs", "success", "partial_success", "failed"), (d, *per_day_rows.get(d, (0, 0, 0, 0)))))
        for d in period.days()
    ]
    n, s, p, f, processed, posts_failed = (int(v or 0) for v in totals)
    return SyncHealth(n, s, p, f, processed, posts_failed, by_type, per_day)


def api_usage(session: Session, scope: Scope, period: Period) -> ApiUsage:
    """Graph calls per day and per account, against the budget snapshots of the same span.

    Per day sums every account in scope (one store has one account); per account sums the
    period, so the all-stores view stays one row per day and one per account.
    """
    history, snap = InstagramSyncHistory, ApiBudgetSnapshot
    in_period = and_(history.started_at >= period.start, history.started_at < period.end)
    snap_in_period = and_(snap.taken_at >= period.start, snap.taken_at < period.end)
    day = day_of(history.started_at).label("day")
    calls_by_day = dict(session.execute(
        scope.apply(select(day, func.sum(history.api_calls_used)).where(in_period), history.store_id).group_by(day)
    ).all())
    snap_day = day_of(snap.taken_at).label("day")
    snaps_by_day = {
        d: (peak, int(accounts or 0)) for d, peak, accounts in session.execute(
            scope.apply(select(snap_day, func.max(snap.usage_percent),
                               func.count(snap.connection_id.distinct()).filter(snap.throttled.is_(True)))
                        .where(snap_in_period), snap.store_id).group_by(snap_day)
        )
    }
    per_day = [
        {"day": d, "api_calls": int(calls_by_day.get(d) or 0),
         "peak_usage_percent": _float(snaps_by_day.get(d, (None, 0))[0]),
         "accounts_throttled": snaps_by_day.get(d, (None, 0))[1]}
        for d in period.days()
    ]
    per_account = _per_account(session, scope, in_period, snap_in_period, len(period.days()))
    hit = any(r["days_throttled"] or (r["peak_usage_percent"] or 0) >= 100 for r in per_account)
    total = sum(r["api_calls"] for r in per_day)
    names = {r["connection_id"]: r["account"] for r in per_account}
    return ApiUsage(total, hit, sum(r["days_throttled"] for r in per_account), per_day,
                    budget_now(session, scope, names), per_account)


def _per_account(session: Session, scope: Scope, in_period, snap_in_period, days: int) -> list[dict]:
    history, snap = InstagramSyncHistory, ApiBudgetSnapshot
    calls = dict(session.execute(
        scope.apply(select(history.connection_id, func.sum(history.api_calls_used)).where(in_period),
                    history.store_id).group_by(history.connection_id)
    ).all())
    # Calls per 100% of budget: our calls in the window over Meta's percentage of it.
    budget = func.max(snap.calls_in_window * 100.0 / snap.usage_percent).filter(snap.usage_percent > 0)
    throttled_days = func.count(day_of(snap.taken_at).distinct()).filter(snap.throttled.is_(True))
    snaps = {
        c: (peak, b, int(t or 0)) for c, peak, b, t in session.execute(
            scope.apply(select(snap.connection_id, func.max(snap.usage_percent), budget, throttled_days)
                        .where(snap_in_period), snap.store_id).group_by(snap.connection_id)
        )
    }
    names = _account_names(session, set(calls) | set(snaps))
    rows = []
    for connection_id in set(calls) | set(snaps):
        peak, estimated, throttled = snaps.get(connection_id, (None, None, 0))
        used = int(calls.get(connection_id) or 0)
        estimated = None if estimated is None else int(estimated)
        rows.append({
            "account": names.get(connection_id, connection_id or "unknown"), "connection_id": connection_id,
            "api_calls": used, "calls_per_day": round(used / days, 2), "estimated_daily_budget": estimated,
            "share_of_budget_per_day": ratio(used / days, estimated), "peak_usage_percent": _float(peak),
            "days_throttled": throttled,
        })
    return sorted(rows, key=lambda r: (-r["api_calls"], r["account"]))


def _float(value) -> float | None:
    return None if value is None else float(value)


def budget_now(session: Session, scope: Scope, names: dict | None = None) -> list[dict]:
    """The latest budget snapshot of each account: what is left right now."""
    snap = ApiBudgetSnapshot
    latest = scope.apply(
        select(snap.connection_id, func.max(snap.taken_at).label("taken_at")), snap.store_id
    ).group_by(snap.connection_id).subquery()
    stmt = select(snap).join(
        latest, and_(snap.connection_id == latest.c.connection_id, snap.taken_at == latest.c.taken_at)
    )
    rows = session.execute(stmt).scalars().all()
    names = names if names is not None else {}
    missing = {r.connection_id for r in rows} - set(names)
    names = {**names, **_account_names(session, missing)}
    return [
        {"account": names.get(r.connection_id, r.ig_user_id), "usage_percent": r.usage_percent,
         "calls_last_24h": r.calls_in_window, "remaining_calls": r.remaining_calls,
         "throttled": r.throttled, "blocked_until": r.blocked_until, "taken_at": r.taken_at}
        for r in sorted(rows, key=lambda r: names.get(r.connection_id, r.ig_user_id) or "")
    ]


def _account_names(session: Session, connection_ids: set) -> dict:
    ids = {c for c in connection_ids if c}
    if not ids:
        return {}
    stmt = select(InstagramConnection.id, InstagramConnection.ig_username, InstagramConnection.ig_user_id).where(
        InstagramConnection.id.in_(ids)
    )
    return {cid: (f"@{name}" if name else user_id) for cid, name, user_id in session.execute(stmt)}


def ai_usage(session: Session, scope: Scope, period: Period) -> AIUsageFigures:
    day = day_of(AICall.created_at).label("day")
    stmt = scope.apply(
        select(day, func.count(), count_where(AICall.ok.is_(False)),
               func.coalesce(func.sum(AICall.input_tokens), 0),
               func.coalesce(func.sum(AICall.output_tokens), 0),
               func.coalesce(func.sum(AICall.cost_usd), 0)).where(
            AICall.created_at >= period.start, AICall.created_at < period.end
        ),
        AICall.store_id,
    ).group_by(day)
    found = {d: (int(n), int(f), int(i), int(o), Decimal(str(c))) for d, n, f, i, o, c in session.execute(stmt)}
    zero = (0, 0, 0, 0, Decimal("0"))
    per_day = [
        dict(zip(("day", "calls", "failed", "input_tokens", "output_tokens"), (d, *found.get(d, zero)[:4])))
        | {"cost_usd": float(found.get(d, zero)[4])}
        for d in period.days()
    ]
    totals = [sum(row[i] for row in found.values()) for i in range(5)]
    return AIUsageFigures(totals[0], totals[1], totals[2], totals[3], float(totals[4]), per_day)


def error_figures(session: Session, scope: Scope, period: Period, sync: SyncHealth, ai: AIUsageFigures) -> ErrorFigures:
    """Errors per 1,000 operations, by kind.

    Operations: finished syncs + posts they processed + webhook events received + AI calls.
    Errors: failed syncs, failed posts, failed and quarantined webhook events, failed AI calls.
    """
    event = InstagramWebhookEvent
    events_stmt = scope.apply(
        select(func.count(), count_where(event.status == "failed"), count_where(event.status == "quarantined")).where(
            event.received_at >= period.start, event.received_at < period.end
        ),
        event.store_id,
    )
    events, events_failed, quarantined = (int(v or 0) for v in session.execute(events_stmt).one())
    operations = sync.runs + sync.posts_processed + events + ai.calls
    counts = dict(zip(ERROR_KINDS, (sync.failed, sync.posts_failed, events_failed, quarantined, ai.failed)))
    by_kind = [
        {"kind": kind, "errors": n, "per_1000_operations": None if not operations else n * 1000 / operations}
        for kind, n in counts.items()
    ]
    return ErrorFigures(operations, sum(counts.values()), by_kind)

