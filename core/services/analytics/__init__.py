"""Analytics: approval, AI accuracy, sync health, API budget, AI cost and errors, in SQL.

Every figure is aggregated in the database (PostgreSQL or SQLite) for one store or, for
ops, all stores, over a UTC date range. Entry points:

- `analytics_report(session, actor, store_id, period, clock)` -> `AnalyticsReport`
  (`.kpis()`, `.tables()`, `.alerts`), what the page and `catalog-sync report` show.
- `Period.for_days(first, last)` / `Period.last_days(n, now)`.
- `report_as_text(report)` for scripts.
"""

from core.services.analytics.alerts import Alert, evaluate_alerts
from core.services.analytics.report import AnalyticsReport, analytics_report
from core.services.analytics.scope import Period, Scope, resolve_scope
from core.services.analytics.text import report_as_text

__all__ = [
    "Alert", "AnalyticsReport", "Period", "Scope", "analytics_report", "evaluate_alerts",
    "report_as_text", "resolve_scope",
]
