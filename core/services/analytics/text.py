"""Analytics as text and CSV: for `catalog-sync report`, scripts and the page's downloads."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from core.services.analytics.report import AnalyticsReport

PERCENT_KPIS = {"sync_success_rate", "sync_partial_rate", "ai_accuracy", "approval_rate"}
DURATION_KPIS = {
    "post_to_draft_median_s", "post_to_draft_p90_s", "draft_to_approval_median_s", "draft_to_approval_p90_s",
}


def format_percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def format_duration(seconds: float | None) -> str:
    """'45s', '12m', '3.5h', '2.1d': short enough for a tile."""
    if seconds is None:
        return "n/a"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def format_kpi(key: str, value) -> str:
    if key in PERCENT_KPIS:
        return format_percent(value)
    if key in DURATION_KPIS:
        return format_duration(value)
    if key == "errors_per_1000_ops":
        return "n/a" if value is None else f"{value:.1f}"
    if key == "ai_cost_usd":
        return f"${value:.4f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def report_as_text(report: AnalyticsReport) -> str:
    last_day = (report.period.end - timedelta(microseconds=1)).date()
    lines = [
        f"Catalog Sync analytics: {report.store_id or 'all stores'}, "
        f"{report.period.start.date()} to {last_day} (UTC)",
        "",
    ]
    width = max(len(k) for k in report.kpis())
    lines += [f"  {k.ljust(width)}  {format_kpi(k, v)}" for k, v in report.kpis().items()]
    lines += ["", "Alerts:"] + ([f"  ! {a.message}" for a in report.alerts] or ["  none"])
    for name in ("field_edit_rates", "accuracy_by_confidence", "rejection_reasons", "syncs_by_type",
                 "errors_by_kind", "api_budget_now"):
        lines += ["", f"{name}:"] + _table_lines(report.tables()[name])
    return "\n".join(lines) + "\n"


def _table_lines(rows: list[dict]) -> list[str]:
    if not rows:
        return ["  (none)"]
    headers = list(rows[0])
    cells = [[_cell(row[h]) for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    out = ["  " + "  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    out += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return out


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def rows_to_csv(rows: list[dict]) -> str:
    """A table as CSV text with a header row; an empty table is an empty string."""
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()})
    return buffer.getvalue()
