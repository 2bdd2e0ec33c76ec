"""Scan: import a connected Instagram account's posts into drafts.

Options form → Start scan. The worker does the work; this page only reads the
scan's progress row, refreshed by a fragment every two seconds, so it can be left
and reopened at any time. When the scan is done: a summary and a way to Review.
Recent scans for the store are listed below with their figures.
"""

from datetime import timedelta

import pandas as pd
import streamlit as st

from core.errors import CatalogSyncError
from core.services.bulk_import.scan import ScanView, current_scan, recent_scans, request_scan
from ui.context import db_session, require_actor, selected_store_id, show_error

STATUS_LABELS = {
    "queued": "Waiting for the worker",
    "running": "Scanning",
    "success": "Done",
    "partial_success": "Done, with some problems",
    "failed": "Failed",
}

actor = require_actor()
store_id = selected_store_id()
st.title("Scan Instagram")
if not store_id:
    st.info("Choose a store first.")
    st.stop()


def options_form() -> None:
    with st.form("scan_options"):
        st.caption("Import your posts as drafts you can review. Posts already imported are skipped.")
        take_all = st.checkbox("All posts", value=True)
        limit = st.number_input("Newest posts to import", min_value=1, max_value=10_000, value=100, step=50)
        months = st.selectbox("Posted in the last", [None, 1, 3, 6, 12, 24],
                              format_func=lambda m: "any time" if m is None else f"{m} months")
        include_carousels = st.checkbox("Include carousels (several photos)", value=True)
        include_videos = st.checkbox("Include videos and reels (their cover image)", value=False)
        if st.form_submit_button("Start scan", type="primary"):
            start_scan({"limit": None if take_all else int(limit), "months": months,
                        "include_carousels": include_carousels, "include_videos": include_videos})


def start_scan(options: dict) -> None:
    with db_session() as session:
        try:
            request_scan(session, actor, store_id, options)
        except CatalogSyncError as error:
            show_error(error)
            return
    st.rerun()


def show_progress(scan: ScanView) -> None:
    st.subheader(STATUS_LABELS.get(scan.status, scan.status))
    if scan.status == "queued" and scan.last_error:
        st.warning(f"Retrying soon: {scan.last_error}")
    label = f"{scan.processed} of {scan.total or '…'} posts" if scan.total else "Listing your posts…"
    st.progress(scan.fraction_done, text=label)
    left, middle, right = st.columns(3)
    left.metric("Drafts found", scan.drafts_created)
    middle.metric("Skipped", scan.skipped)
    right.metric("Time left", _duration(scan.seconds_left) if scan.seconds_left is not None else "estimating…")
    recent_errors(scan, limit=5)


def show_summary(scan: ScanView) -> None:
    icon = {"success": ":material/check_circle:", "failed": ":material/error:"}.get(scan.status, ":material/info:")
    st.subheader(f"{STATUS_LABELS.get(scan.status, scan.status)}", anchor=False)
    st.caption(f"{icon} {scan.total} posts · took {_duration((scan.duration_ms or 0) / 1000)} · "
               f"{scan.api_calls_used} Instagram calls")
    columns = st.columns(4)
    for column, (name, value) in zip(columns, [("Drafts created", scan.drafts_created), ("Skipped", scan.skipped),
                                               ("Failed", scan.failed), ("Posts", scan.processed)]):
        column.metric(name, value)
    if scan.status == "failed" and scan.last_error:
        st.error(scan.last_error)
        if "Reconnect" in scan.last_error:
            st.page_link("pages/connect.py", label="Reconnect Instagram", icon=":material/link:")
    recent_errors(scan, limit=20)
    if scan.drafts_created:
        st.page_link("pages/review.py", label=f"Review {scan.drafts_created} drafts", icon=":material/grid_view:")


def recent_errors(scan: ScanView, limit: int) -> None:
    if not scan.errors:
        return
    with st.expander(f"Problems ({len(scan.errors)})", expanded=False):
        rows = scan.errors[-limit:]
        st.dataframe(pd.DataFrame(rows, columns=["media_id", "reason", "detail"]), hide_index=True,
                     width="stretch")


@st.fragment(run_every=2)
def live_scan() -> None:
    """Polls the progress row; once the scan is over, one full rerun shows the summary."""
    with db_session() as session:
        scan = current_scan(session, actor, store_id)
    if scan is None or not scan.is_active:
        st.rerun()
    show_progress(scan)


def scan_history() -> None:
    with db_session() as session:
        scans = recent_scans(session, actor, store_id, limit=10)
    if not scans:
        return
    st.subheader("Recent scans")
    table = pd.DataFrame(
        [{"Started": s.created_at, "Status": STATUS_LABELS.get(s.status, s.status), "Posts": s.total,
          "Drafts": s.drafts_created, "Skipped": s.skipped, "Failed": s.failed, "API calls": s.api_calls_used,
          "Took": _duration((s.duration_ms or 0) / 1000) if s.duration_ms is not None else "—"} for s in scans]
    )
    st.dataframe(table, hide_index=True, width="stretch")


def _duration(seconds: float) -> str:
    return str(timedelta(seconds=int(max(0, seconds))))


try:
    with db_session() as session:
        latest = current_scan(session, actor, store_id)
except CatalogSyncError as error:
    show_error(error)
    st.stop()

if latest is not None and latest.is_active:
    live_scan()
else:
    if latest is not None:
        show_summary(latest)
        st.divider()
    options_form()
scan_history()
