"""The whole analytics page in one call: every figure for one store or all stores, one period.

`analytics_report` is what the page, the `report` command and the benchmark call; its
`tables()` are the tables the page shows and offers as CSV, and `kpis()` the tiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.security import Actor
from core.services.analytics.alerts import Alert, evaluate_alerts
from core.services.analytics.drafts import DraftFigures, draft_figures_from, draft_queries
from core.services.analytics.operations import (
    AIUsageFigures,
    ApiUsage,
    ErrorFigures,
    SyncHealth,
    ai_usage,
    api_usage,
    error_figures,
    sync_health,
)
from core.services.analytics.scope import Period, Scope, resolve_scope
from core.services.analytics.side_by_side import run_side_by_side


@dataclass
class AnalyticsReport:
    store_id: str | None  # None: every store
    period: Period
    generated_at: datetime
    drafts: DraftFigures
    sync: SyncHealth
    api: ApiUsage
    ai: AIUsageFigures
    errors: ErrorFigures
    alerts: list[Alert] = field(default_factory=list)

    def alert_keys(self) -> set[str]:
        return {a.key for a in self.alerts}

    def kpis(self) -> dict[str, float | int | bool | None]:
        """The headline figures, keyed as the page's tiles and the text report name them."""
        o, t = self.drafts.outcomes, self.drafts.timing
        return {
            "sync_success_rate": self.sync.success_rate,
            "sync_partial_rate": self.sync.partial_rate,
            "syncs_finished": self.sync.runs,
            "ai_accuracy": o.ai_accuracy,
            "approval_rate": o.approval_rate,
            "drafts_created": o.created,
            "drafts_approved": o.approved,
            "drafts_auto_approved": o.auto_approved,
            "drafts_rejected": o.rejected,
            "drafts_expired": o.expired,
            "drafts_pending_now": self.drafts.backlog.pending,
            "drafts_expiring_48h": self.drafts.backlog.expiring_soon,
            "post_to_draft_median_s": t.post_to_draft_median_s,
            "post_to_draft_p90_s": t.post_to_draft_p90_s,
            "draft_to_approval_median_s": t.draft_to_approval_median_s,
            "draft_to_approval_p90_s": t.draft_to_approval_p90_s,
            "api_calls": self.api.total_calls,
            "rate_limit_hit": self.api.rate_limit_hit,
            "ai_calls": self.ai.calls,
            "ai_tokens": self.ai.input_tokens + self.ai.output_tokens,
            "ai_cost_usd": round(self.ai.cost_usd, 6),
            "errors_per_1000_ops": self.errors.per_thousand,
        }

    def tables(self) -> dict[str, list[dict]]:
        """Every table the page shows, by a file-name-friendly key (the CSV downloads)."""
        return {
            "kpis": [{"figure": k, "value": v} for k, v in self.kpis().items()],
            "activity_per_day": self.drafts.per_day,
            "field_edit_rates": self.drafts.field_edits,
            "accuracy_by_confidence": self.drafts.bands,
            "rejection_reasons": self.drafts.rejection_reasons,
            "syncs_by_type": self.sync.by_type,
            "syncs_per_day": self.sync.per_day,
            "api_calls_per_day": self.api.per_day,
            "api_calls_per_account": self.api.per_account,
            "api_budget_now": self.api.budget_now,
            "ai_usage_per_day": self.ai.per_day,
            "errors_by_kind": self.errors.by_kind,
        }


def analytics_report(
    session: Session,
    actor: Actor,
    store_id: str | None,
    period: Period,
    clock: Clock | None = None,
) -> AnalyticsReport:
    """Every figure for `store_id` (None: all stores, ops only) over `period`.

    Raises PermissionDenied when a seller asks for another store or for all stores.
    """
    scope = resolve_scope(session, actor, store_id)
    now = (clock or SystemClock()).now()
    return build_report(session, scope, period, now)


def build_report(session: Session, scope: Scope, period: Period, now: datetime) -> AnalyticsReport:
    # Every independent query in one batch, so the database works on all of them at once and
    # the page costs about its slowest query (see side_by_side.py).
    parts = run_side_by_side(session, {
        **draft_queries(scope, period, now),
        "sync": lambda s: sync_health(s, scope, period),
        "api": lambda s: api_usage(s, scope, period),
        "ai": lambda s: ai_usage(s, scope, period),
    })
    drafts = draft_figures_from(parts, period)
    sync, api, ai = parts["sync"], parts["api"], parts["ai"]
    errors = error_figures(session, scope, period, sync, ai)
    alerts = evaluate_alerts(sync.success_rate, drafts.outcomes.ai_accuracy, errors.per_thousand, api.rate_limit_hit)
    return AnalyticsReport(scope.store_id, period, now, drafts, sync, api, ai, errors, alerts)
