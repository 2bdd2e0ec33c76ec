"""The sidebar's notifications: an unread counter and the latest messages, each with a button
that opens where the notice can be acted on.

Most notices are about drafts and open Review (on the draft, if there is one); "N drafts
expire tomorrow" opens Review on the expiring drafts; Instagram edits that need a choice
and deleted posts open Sync & conflicts; a broken connection opens Connect.
"""

from __future__ import annotations

import streamlit as st

from core.security import Actor
from core.services.review.notifications import NotificationView, list_notifications, mark_read, unread_count
from ui.context import db_session, open_page_next, selected_store_id
from ui.formatting import time_ago
from ui.review_state import FOCUS_KEY, open_review_on_band

REVIEW_PAGE = "pages/review.py"
SYNC_PAGE = "pages/sync.py"
CONNECT_PAGE = "pages/connect.py"
REVIEW_NOW = (REVIEW_PAGE, "Review now")
# kind -> (page, button label); any other kind is about drafts and opens Review.
ROUTES = {
    "sync_conflict": (SYNC_PAGE, "Open Sync & conflicts"),
    "source_deleted": (SYNC_PAGE, "Open Sync & conflicts"),
    "connection_expired": (CONNECT_PAGE, "Reconnect"),
}


def notifications_sidebar(actor: Actor) -> None:
    """Counter and list for the chosen store; call inside `with st.sidebar:`."""
    store_id = selected_store_id()
    if not store_id:
        return
    with db_session() as session:
        unread = unread_count(session, actor, store_id)
        latest = list_notifications(session, actor, store_id, limit=10)
    label = f"Notifications ({unread})" if unread else "Notifications"
    with st.popover(label, icon=":material/notifications:", key="notifications"):
        if not latest:
            st.caption("Nothing yet.")
        for note in latest:
            st.markdown(f"{'**' if note.read_at is None else ''}{note.title}{'**' if note.read_at is None else ''}")
            st.caption(f"{time_ago(note.created_at)}{' · ' + note.body if note.body else ''}")
            st.button(ROUTES.get(note.kind, REVIEW_NOW)[1], key=f"review_now_{note.id}",
                      icon=":material/arrow_forward:", on_click=_open, args=(actor, store_id, note))
        if unread and st.button("Mark all read", key="notifications_read"):
            with db_session() as session:
                mark_read(session, actor, store_id)
            st.rerun()


def _open(actor: Actor, store_id: str, note: NotificationView) -> None:
    """Button callback: mark the notice read and open the page (and view) it is about."""
    with db_session() as session:
        mark_read(session, actor, store_id, [note.id])
    page = ROUTES.get(note.kind, REVIEW_NOW)[0]
    if note.kind == "drafts_expiring":
        open_review_on_band("expiring")
    elif page == REVIEW_PAGE and note.draft_id:
        st.session_state[FOCUS_KEY] = note.draft_id
    open_page_next(page)
