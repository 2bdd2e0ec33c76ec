"""Events & polling (ops): recent webhook events with their status, attempts, error and payload
(secrets masked), a retry for failed ones, and every account's polling state and budget."""

import pandas as pd
import streamlit as st

from core.errors import CatalogSyncError
from core.services.realtime.polling_view import polling_state
from core.services.realtime.webhook_events import EVENT_STATUSES, list_events, retry_event
from ui.context import db_session, require_actor, show_error

ALL = "All"
EVENT_COLUMNS = ["received_at", "status", "field", "ig_user_id", "media_id", "store_id", "attempts",
                 "last_error", "next_attempt_at", "processed_at", "id"]

actor = require_actor()
st.title("Events & polling")
if not actor.is_ops:
    st.warning("This page is for Vendly operations staff.")
    st.stop()


@st.fragment(run_every=5)
def polling_section() -> None:
    st.subheader("Polling")
    st.caption("Meta sends no webhook for a new post: the worker polls each account, more often after new "
               "posts or a webhook, less for idle ones, within polling's share of the hourly API budget.")
    with db_session() as session:
        rows = polling_state(session, actor)
    if not rows:
        st.info("No connected accounts yet.")
        return
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, use_container_width=True,
        column_config={
            "last_poll": st.column_config.DatetimeColumn("Last poll", format="YYYY-MM-DD HH:mm:ss"),
            "next_poll": st.column_config.DatetimeColumn("Next poll", format="YYYY-MM-DD HH:mm:ss"),
            "budget_used_pct": st.column_config.ProgressColumn("Budget used this hour", min_value=0,
                                                               max_value=100, format="%.0f%%"),
        },
    )


def events_section() -> None:
    st.subheader("Webhook events")
    status = st.segmented_control("Status", [ALL, *EVENT_STATUSES], default=ALL, key="event_status")
    with db_session() as session:
        events = list_events(session, actor, status=None if status in (None, ALL) else status, limit=200)
    if not events:
        st.info("No webhook events" + ("" if status in (None, ALL) else f" with status {status}") + ".")
        return
    st.dataframe(pd.DataFrame(events)[EVENT_COLUMNS], hide_index=True, use_container_width=True)
    chosen = st.selectbox("Event", [e["id"] for e in events], key="event_chosen",
                          format_func=lambda i: _label(next(e for e in events if e["id"] == i)))
    event = next(e for e in events if e["id"] == chosen)
    if event["last_error"]:
        (st.error if event["status"] == "failed" else st.caption)(event["last_error"])
    st.json(event["payload"], expanded=False)
    if event["status"] == "failed" and st.button("Retry this event", type="primary", key="event_retry"):
        _retry(event["id"])


def _label(event: dict) -> str:
    return f"{event['received_at']:%Y-%m-%d %H:%M:%S} · {event['status']} · {event['field'] or '?'} · {event['id']}"


def _retry(event_id: str) -> None:
    try:
        with db_session() as session:
            changed = retry_event(session, actor, event_id)
    except CatalogSyncError as error:
        show_error(error)
        return
    if changed:
        st.success("The event is back in the queue; a worker will pick it up in a few seconds.")
    else:
        st.warning("The event was no longer failed (another person or worker got to it).")


polling_section()
events_section()
