"""Review: the image grid where people approve, edit or reject drafts.

Filter chips with counts, a search box and paging sit above a grid of cards; a
selection that survives paging feeds "Approve selected". Every action goes through
core.services, then shows a toast and a fresh grid.
"""

from functools import partial

import streamlit as st

from core.errors import CatalogSyncError
from core.extraction.schema import CATEGORIES
from core.services.review.approval import (
    PRODUCT_STATUSES,
    approve_draft,
    batch_approve,
    review_settings,
    undo_auto_approve,
    update_review_settings,
)
from core.services.review.drafts import (
    MAX_SELECT_ALL,
    STATUSES,
    DraftCard,
    DraftFilter,
    DraftPage,
    draft_cards,
    list_drafts,
    matching_draft_ids,
)
from core.services.people.stores import get_store
from ui.cards import card_title, draft_card
from ui.context import db_session, require_actor, selected_store_id, show_error
from ui.draft_dialogs import edit_dialog, open_editor, reject_popover
from ui.review_state import (
    BAND_KEY,
    CATEGORY_KEY,
    FOCUS_KEY,
    PAGE_KEY,
    SEARCH_KEY,
    STATUS_KEY,
    clear_selection,
    flash,
    grid_page,
    invalidate,
    keep_matching,
    select,
    selected_ids,
    show_flashes,
    toggle_selected,
)

PAGE_SIZE = 24
NEW_DRAFTS_CHECK_SECONDS = 5
COLUMNS = 4
BAND_LABELS = {"all": "All", "high": "High confidence", "low": "Low confidence", "expiring": "Expiring in 48 h"}
ALL_CATEGORIES = "All categories"
FAILURES_KEY = "review_failures"

actor = require_actor()
store_id = selected_store_id()
st.title("Review")
if not store_id:
    st.info("Choose a store in the sidebar to review its drafts.")
    st.stop()
show_flashes()


def reset_page() -> None:
    st.session_state[PAGE_KEY] = 1


def current_filter() -> DraftFilter:
    category = st.session_state.get(CATEGORY_KEY, ALL_CATEGORIES)
    return DraftFilter(
        status=st.session_state.get(STATUS_KEY) or "pending",
        band=st.session_state.get(BAND_KEY) or "all",
        category=None if category == ALL_CATEGORIES else category,
        search=st.session_state.get(SEARCH_KEY, ""),
    )


def filter_bar(page: DraftPage) -> None:
    counts = page.counts
    # Defaults through the state, not `default=`: a notice may have set them before the page opened.
    st.session_state.setdefault(STATUS_KEY, "pending")
    st.session_state.setdefault(BAND_KEY, "all")
    left, right = st.columns([3, 2])
    with left:
        st.segmented_control(
            "Status", STATUSES, key=STATUS_KEY, on_change=reset_page,
            format_func=lambda status: f"{status.title()} ({counts[status]})", label_visibility="collapsed",
        )
        st.pills(
            "Filter", list(BAND_LABELS), key=BAND_KEY, on_change=reset_page,
            format_func=lambda band: f"{BAND_LABELS[band]} ({counts[band]})", label_visibility="collapsed",
        )
    with right:
        st.text_input("Search", key=SEARCH_KEY, placeholder="Search name or caption",
                      on_change=reset_page, icon=":material/search:", label_visibility="collapsed")
        st.selectbox("Category", [ALL_CATEGORIES, *CATEGORIES], key=CATEGORY_KEY,
                     on_change=reset_page, label_visibility="collapsed")


def selection_bar(page: DraftPage, draft_filter: DraftFilter) -> None:
    chosen = selected_ids(store_id)
    with st.container(horizontal=True, vertical_alignment="center", key="selection_bar"):
        st.markdown(f"**{len(chosen):,} selected**")
        if st.button("Select all on this page", key="select_page", icon=":material/select_all:"):
            select(store_id, [card.id for card in page.items])
            st.rerun()
        if page.total > len(page.items) and st.button(
            select_matching_label(page.total), key="select_matching", icon=":material/done_all:"
        ):
            with db_session() as session:
                select(store_id, matching_draft_ids(session, actor, store_id, draft_filter))
            if page.total > MAX_SELECT_ALL:
                flash(f"Selected the first {MAX_SELECT_ALL:,} of {page.total:,} matching drafts "
                      f"(at most {MAX_SELECT_ALL:,} at a time).", ":material/info:")
            st.rerun()
        if chosen and st.button("Clear", key="clear_selection"):
            clear_selection(store_id)
            st.rerun()
        if st.button(
            f"Approve selected ({len(chosen):,})", key="approve_selected", type="primary",
            icon=":material/done_all:", disabled=not chosen,
        ):
            approve_many(sorted(chosen))


def select_matching_label(total: int) -> str:
    """Say so when "select all" is capped, rather than silently taking fewer than it says."""
    if total > MAX_SELECT_ALL:
        return f"Select the first {MAX_SELECT_ALL:,} of {total:,} matching"
    return f"Select all {total:,} matching"


def approve_many(draft_ids: list[str]) -> None:
    with db_session() as session:
        result = batch_approve(session, actor, draft_ids)
    invalidate(store_id)
    clear_selection(store_id)
    if result.approved:
        flash(f"Approved {len(result.approved)} draft{'s' if len(result.approved) != 1 else ''}.")
    if result.failed:
        flash(f"{len(result.failed)} could not be approved; see the list above the grid.", ":material/warning:")
        st.session_state[FAILURES_KEY] = named_failures(result.failed)
    st.rerun()


def named_failures(failed: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(what the person calls the draft, why it failed): a raw draft id means nothing to them."""
    with db_session() as session:
        cards = draft_cards(session, actor, [draft_id for draft_id, _ in failed])
    return [(card_title(cards[draft_id]) if draft_id in cards else "A draft no longer in this store", reason)
            for draft_id, reason in failed]


def show_failures() -> None:
    failed = st.session_state.get(FAILURES_KEY)
    if not failed:
        return
    with st.expander(f"{len(failed)} drafts could not be approved", expanded=True, icon=":material/warning:"):
        for title, reason in failed:
            st.markdown(f"- **{title}**: {reason}")
        if st.button("Dismiss", key="dismiss_failures"):
            st.session_state.pop(FAILURES_KEY)
            st.rerun()


def run_action(action, message: str, icon: str = ":material/check_circle:") -> None:
    try:
        with db_session() as session:
            action(session)
    except CatalogSyncError as error:
        show_error(error)
        return
    invalidate(store_id)
    flash(message, icon)
    st.rerun()


def card_actions(card: DraftCard) -> None:
    with st.container(horizontal=True, gap="small"):
        if card.status == "pending":
            if st.button("Approve", key=f"approve_{card.id}", type="primary", icon=":material/check:"):
                run_action(lambda s: approve_draft(s, actor, card.id), f"Approved “{card_title(card)}”.")
            st.button("Edit", key=f"edit_{card.id}", icon=":material/edit:", on_click=open_editor, args=(card.id,))
            reject_popover(actor, card)
        if card.status == "approved" and card.auto_approved and st.button(
            "Undo auto-approve", key=f"undo_{card.id}", icon=":material/undo:"
        ):
            run_action(lambda s: undo_auto_approve(s, actor, card.id),
                       f"“{card_title(card)}” is back in review; its product is now a draft.", ":material/undo:")
        if card.permalink:
            st.link_button("View post", card.permalink, icon=":material/open_in_new:")


def grid(page: DraftPage) -> None:
    if not page.items:
        st.info("No drafts match these filters.")
        return
    chosen = selected_ids(store_id)
    on_select = partial(toggle_selected, store_id)
    for start in range(0, len(page.items), COLUMNS):
        for column, card in zip(st.columns(COLUMNS), page.items[start:start + COLUMNS]):
            with column:
                draft_card(card, selected=card.id in chosen, on_select=on_select, actions=card_actions)


def pager(page: DraftPage) -> None:
    with st.container(horizontal=True, vertical_alignment="center", key="pager"):
        if st.button("Previous", key="page_prev", disabled=page.page <= 1, icon=":material/chevron_left:"):
            st.session_state[PAGE_KEY] = page.page - 1
            st.rerun()
        st.markdown(f"Page {page.page} of {page.pages} · {page.total} drafts")
        if st.button("Next", key="page_next", disabled=page.page >= page.pages, icon=":material/chevron_right:"):
            st.session_state[PAGE_KEY] = page.page + 1
            st.rerun()


def approval_settings() -> None:
    with st.expander("Approval settings", icon=":material/tune:"):
        with db_session() as session:
            current = review_settings(get_store(session, actor, store_id))
        with st.form("approval_settings"):
            auto = st.toggle("Auto-approve confident drafts", value=current.auto_approve, key="auto_approve")
            threshold = st.slider("Confidence threshold", 0.5, 1.0, current.auto_approve_threshold, 0.01,
                                  key="auto_threshold")
            status = st.radio("New products are", PRODUCT_STATUSES, horizontal=True,
                              index=PRODUCT_STATUSES.index(current.product_status), key="product_status")
            if st.form_submit_button("Save settings"):
                run_action(lambda s: update_review_settings(
                    s, actor, store_id, product_status=status, auto_approve=auto, auto_approve_threshold=threshold,
                ), "Approval settings saved.")


@st.fragment(run_every=NEW_DRAFTS_CHECK_SECONDS)
def watch_for_new_drafts(draft_filter: DraftFilter, shown_pending: int) -> None:
    """The worker adds drafts whenever polling finds a new post; reload the grid when the
    store's pending count moves, so they appear without a click (not while editing)."""
    if st.session_state.get(FOCUS_KEY):
        return
    with db_session() as session:
        pending_now = list_drafts(session, actor, store_id, draft_filter, 1, 1).counts["pending"]
    if pending_now != shown_pending:
        invalidate(store_id)
        st.rerun()


def still_matching(draft_filter: DraftFilter, draft_ids: set[str]) -> list[str]:
    with db_session() as session:
        return matching_draft_ids(session, actor, store_id, draft_filter, among=draft_ids)


draft_filter = current_filter()
keep_matching(store_id, draft_filter, partial(still_matching, draft_filter))
try:
    page = grid_page(actor, store_id, draft_filter, st.session_state.get(PAGE_KEY, 1), PAGE_SIZE)
except CatalogSyncError as error:
    show_error(error)
    st.stop()
filter_bar(page)
if draft_filter.status == "pending":
    selection_bar(page, draft_filter)
show_failures()
grid(page)
pager(page)
watch_for_new_drafts(draft_filter, page.counts["pending"])
approval_settings()
editing = st.session_state.get(FOCUS_KEY)
if editing:
    edit_dialog(actor, editing)
