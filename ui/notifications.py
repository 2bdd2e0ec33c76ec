"""The sidebar's notifications: an unread counter and the latest messages, with "Review now"."""

from __future__ import annotations

import streamlit as st

from core.security import Actor
from core.services.review.notifications import list_notifications, mark_read, unread_count
from ui.context import db_session, selected_store_id
from ui.formatting import time_ago
from ui.review_state import FOCUS_KEY

REVIEW_PAGE = "pages/review.py"



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
            if st.button("Review now", key=f"review_now_{note.id}", icon=":material/arrow_forward:"):
                _open(actor, store_id, note.id, note.draft_id)
        if unread and st.button("Mark all read", key="notifications_read"):
            with db_session() as session:
                mark_read(session, actor, store_id)
            st.rerun()


def _open(actor: Actor, store_id: str, notification_id: str, draft_id: str | None) -> None:
    with db_session() as session:
        mark_read(session, actor, store_id, [notification_id])
    if draft_id:
        st.session_state[FOCUS_KEY] = draft_id
    st.switch_page(REVIEW_PAGE)
