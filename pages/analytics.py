"""Analytics: does Instagram sync pay off? Approval, AI accuracy, sync health, API budget, cost, errors.

KPI tiles carry the seed's alert thresholds (red when crossed); charts show the series and
breakdowns; every table shown has a CSV download. Figures come from
`core.services.analytics`, which computes them in the database and enforces scoping.
"""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from core.clock import SystemClock
from core.errors import CatalogSyncError
from core.services.analytics import AnalyticsReport, Period, analytics_report
from core.services.analytics.alerts import AI_ACCURACY_MIN, ERROR_RATE_MAX, SYNC_SUCCESS_MIN
from core.services.analytics.text import format_duration, format_kpi, rows_to_csv
from ui.context import db_session, require_actor, selected_store_id, show_error

DOWNLOADS_KEY = "analytics_downloads"  # file name -> CSV text of every table on screen


ALL_STORES = "all"


def choose_scope(actor) -> str | None:
    """Ops may look at every store at once (ALL_STORES); otherwise the store in the sidebar."""
    if actor.is_ops and st.toggle("All stores", key="analytics_all_stores"):
        return ALL_STORES
    return selected_store_id()


def choose_period() -> Period | None:
    today = SystemClock().now().date()
    picked = st.date_input(
        "Dates (UTC)", value=(today - timedelta(days=29), today), key="analytics_dates"
    )
    if not isinstance(picked, (tuple, list)) or len(picked) != 2:
        st.info("Pick the last day of the range too.")
        return None
    try:
        return Period.for_days(*picked)
    except CatalogSyncError as error:
        show_error(error)
        return None


def load_report(actor, store_id: str | None, period: Period) -> AnalyticsReport | None:
    try:
        with db_session() as session:
            return analytics_report(session, actor, store_id, period)
    except CatalogSyncError as error:
        show_error(error)
        return None


# --- KPI tiles -----------------------------------------------------------------------------


def _target_delta(value: float | None, target: float, higher_is_better: bool) -> str | None:
    """'+5.0 pts vs 90% target': the metric's arrow turns red when the target is missed."""
    if value is None:
        return None
    points = (value - target) * 100
    return f"{points:+.1f} pts vs {target:.0%} target" if higher_is_better else f"{points:+.1f} pts vs {target:.0%} limit"


def kpi_tiles(report: AnalyticsReport) -> None:
    k, alerts = report.kpis(), report.alert_keys()
    error_share = None if k["errors_per_1000_ops"] is None else k["errors_per_1000_ops"] / 1000
    row = st.columns(4)
    row[0].metric("Sync success", format_kpi("sync_success_rate", k["sync_success_rate"]),
                  _target_delta(k["sync_success_rate"], SYNC_SUCCESS_MIN, True), border=True,
                  help=f"{k['syncs_finished']} finished syncs; partial {format_kpi('sync_partial_rate', k['sync_partial_rate'])}")
    row[1].metric("AI accuracy (zero-edit approvals)", format_kpi("ai_accuracy", k["ai_accuracy"]),
                  _target_delta(k["ai_accuracy"], AI_ACCURACY_MIN, True), border=True,
                  help="Share of drafts a person approved without editing any field.")
    row[2].metric("Error rate", "n/a" if error_share is None else f"{error_share:.1%}",
                  _target_delta(error_share, ERROR_RATE_MAX, False), delta_color="inverse", border=True,
                  help=f"{format_kpi('errors_per_1000_ops', k['errors_per_1000_ops'])} per 1,000 operations")
    row[3].metric("Instagram rate limit", "Hit" if k["rate_limit_hit"] else "Not hit",
                  "throttled" if "rate_limit" in alerts else None, delta_color="inverse", border=True,
                  help=f"{k['api_calls']} Graph API calls in the period")
    row = st.columns(4)
    row[0].metric("Approval rate", format_kpi("approval_rate", k["approval_rate"]), border=True,
                  help="approved / (approved + rejected + expired) of drafts created in the period")
    row[1].metric("Drafts pending now", k["drafts_pending_now"], f"{k['drafts_expiring_48h']} expire within 48 h",
                  delta_color="off", border=True)
    row[2].metric("Post to draft (median)", format_duration(k["post_to_draft_median_s"]),
                  f"p90 {format_duration(k['post_to_draft_p90_s'])}", delta_color="off", border=True)
    row[3].metric("Draft to approval (median)", format_duration(k["draft_to_approval_median_s"]),
                  f"p90 {format_duration(k['draft_to_approval_p90_s'])}", delta_color="off", border=True)


# --- tables and charts ------------------------------------------------------------------------


def table_with_download(name: str, rows: list[dict], title: str) -> None:
    """Show a table and offer exactly what it shows as CSV."""
    csv_text = rows_to_csv(rows)
    st.session_state.setdefault(DOWNLOADS_KEY, {})[f"{name}.csv"] = csv_text
    with st.expander(f"{title} (table)"):
        if rows:
            st.dataframe(_displayable(pd.DataFrame(rows)), hide_index=True)
        else:
            st.caption("No rows in this period.")
        st.download_button(
            "Download CSV", csv_text, file_name=f"{name}.csv", mime="text/csv",
            key=f"download_{name}", on_click="ignore", icon=":material/download:",
        )


def _displayable(frame: pd.DataFrame) -> pd.DataFrame:
    """Mixed-type columns (the KPI table's values) shown as text; Arrow wants one type per column."""
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: "" if v is None else str(v))
    return frame


def chart(spec: alt.Chart, key: str) -> None:
    st.altair_chart(spec, key=key)


def series_chart(rows: list[dict], columns: list[str], title: str, mark: str = "line") -> alt.Chart:
    frame = pd.DataFrame(rows, columns=["day", *columns]).melt("day", var_name="series", value_name="count")
    base = alt.Chart(frame, title=title)
    drawn = base.mark_line(point=True) if mark == "line" else base.mark_bar()
    return drawn.encode(
        x=alt.X("day:T", title=None), y=alt.Y("count:Q", title=None, stack=mark == "bar"),
        color=alt.Color("series:N", title=None), tooltip=["day:T", "series:N", "count:Q"],
    )


def bar_chart(rows: list[dict], category: str, value: str, title: str, percent: bool = False) -> alt.Chart:
    frame = pd.DataFrame(rows, columns=[category, value])
    axis = alt.Axis(format="%") if percent else alt.Axis()
    return alt.Chart(frame, title=title).mark_bar().encode(
        x=alt.X(f"{value}:Q", title=None, axis=axis), y=alt.Y(f"{category}:N", sort="-x", title=None),
        tooltip=[f"{category}:N", alt.Tooltip(f"{value}:Q", format=".1%" if percent else ",")],
    )


def drafts_tab(report: AnalyticsReport) -> None:
    d = report.drafts
    chart(series_chart(d.per_day, ["drafts_created", "approved", "rejected", "products_imported"],
                       "Drafts and products per day"), "chart_activity")
    table_with_download("activity_per_day", d.per_day, "Drafts and products per day")
    left, right = st.columns(2)
    with left:
        chart(bar_chart(d.field_edits, "field", "edit_rate", "Which fields people fix", percent=True), "chart_fields")
        table_with_download("field_edit_rates", d.field_edits, "Edit rate per field")
    with right:
        bands = [r for r in d.bands if r["drafts"]]
        frame = pd.DataFrame(bands, columns=["band", "accuracy", "approval_rate"]).melt("band", var_name="figure")
        chart(alt.Chart(frame, title="Does high confidence mean right?").mark_bar().encode(
            x=alt.X("band:N", sort=["high", "medium", "low", "unknown"], title="confidence"),
            xOffset="figure:N", y=alt.Y("value:Q", axis=alt.Axis(format="%"), title=None),
            color=alt.Color("figure:N", title=None), tooltip=["band:N", "figure:N", alt.Tooltip("value:Q", format=".1%")],
        ), "chart_bands")
        table_with_download("accuracy_by_confidence", d.bands, "Accuracy by confidence band")
    chart(bar_chart(d.rejection_reasons, "reason", "rejected", "Rejection reasons"), "chart_rejections")
    table_with_download("rejection_reasons", d.rejection_reasons, "Rejection reasons")


def sync_tab(report: AnalyticsReport) -> None:
    chart(series_chart(report.sync.per_day, ["success", "partial_success", "failed"], "Syncs per day", "bar"),
          "chart_syncs")
    table_with_download("syncs_per_day", report.sync.per_day, "Syncs per day")
    table_with_download("syncs_by_type", report.sync.by_type, "Syncs by type")
    api = report.api
    chart(series_chart(api.per_day, ["api_calls"], "Instagram API calls per day", "bar"), "chart_api")
    table_with_download("api_calls_per_day", api.per_day, "API calls per day, with the day's peak budget use")
    top = api.per_account[:20]
    frame = pd.DataFrame(top, columns=["account", "share_of_budget_per_day"])
    chart(alt.Chart(frame, title="API budget used per day, by account (busiest 20)").mark_bar().encode(
        x=alt.X("share_of_budget_per_day:Q", axis=alt.Axis(format="%"), title="share of daily budget"),
        y=alt.Y("account:N", sort="-x", title=None),
        color=alt.condition(alt.datum.share_of_budget_per_day >= 0.9, alt.value("#d62728"), alt.value("#1f77b4")),
        tooltip=["account:N", alt.Tooltip("share_of_budget_per_day:Q", format=".1%")],
    ), "chart_api_accounts")
    table_with_download("api_calls_per_account", api.per_account, "API calls per account against the budget")
    table_with_download("api_budget_now", report.api.budget_now, "API budget left now (latest reading per account)")


def ai_tab(report: AnalyticsReport) -> None:
    ai = report.ai
    cols = st.columns(3)
    cols[0].metric("AI calls", f"{ai.calls:,}", f"{ai.failed} failed", delta_color="off")
    cols[1].metric("Tokens", f"{ai.input_tokens + ai.output_tokens:,}", f"{ai.output_tokens:,} out", delta_color="off")
    cols[2].metric("Estimated cost", f"${ai.cost_usd:,.4f}")
    chart(series_chart(ai.per_day, ["input_tokens", "output_tokens"], "AI tokens per day", "bar"), "chart_tokens")
    chart(series_chart(ai.per_day, ["cost_usd"], "AI cost per day (USD)"), "chart_cost")
    table_with_download("ai_usage_per_day", ai.per_day, "AI usage per day")


def errors_tab(report: AnalyticsReport) -> None:
    e = report.errors
    st.caption(f"{e.errors:,} errors in {e.operations:,} operations (syncs, posts, webhook events, AI calls).")
    chart(bar_chart(e.by_kind, "kind", "per_1000_operations", "Errors per 1,000 operations, by kind"), "chart_errors")
    table_with_download("errors_by_kind", e.by_kind, "Errors by kind")


def main() -> None:
    actor = require_actor()
    st.title("Analytics")
    controls = st.columns([1, 2])
    with controls[0]:
        store_id = choose_scope(actor)
    with controls[1]:
        period = choose_period()
    if period is None:
        return
    if store_id is None:
        st.info("Choose a store in the sidebar first.")
        return
    report = load_report(actor, None if store_id == ALL_STORES else store_id, period)
    if report is None:
        return
    st.session_state[DOWNLOADS_KEY] = {}
    for alert in report.alerts:
        st.error(alert.message, icon=":material/warning:")
    kpi_tiles(report)
    table_with_download("kpis", report.tables()["kpis"], "All headline figures")
    tabs = st.tabs(["Drafts & accuracy", "Sync & API budget", "AI usage", "Errors"])
    for tab, draw in zip(tabs, (drafts_tab, sync_tab, ai_tab, errors_tab)):
        with tab:
            draw(report)


main()
