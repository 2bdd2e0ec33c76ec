"""The review screen's state: the cached grid query, its invalidation, selection and messages.

The grid query is cached per store, filter and page (shared by every session of this
process) and keyed on a per-store version that every action bumps, so a change shows
at once; a short TTL picks up drafts the worker adds.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.security import Actor
from core.services.review.drafts import DraftFilter, DraftPage, list_drafts
from ui.context import db_session

GRID_TTL_SECONDS = 20
SELECTED_KEY = "review_selected"
SELECTION_FILTER_KEY = "review_selected_filter"
FLASH_KEY = "review_flash"
FOCUS_KEY = "review_focus"
# The filter widgets' keys (the page owns the widgets; notices set them before it opens).
STATUS_KEY, BAND_KEY, SEARCH_KEY, CATEGORY_KEY, PAGE_KEY = (
    "review_status", "review_band", "review_search", "review_category", "review_page")


@st.cache_resource
def _versions() -> dict[str, int]:
    return {}


def data_version(store_id: str) -> int:
    return _versions().get(store_id, 0)


def invalidate(store_id: str) -> None:
    """Call after any change to a store's drafts, so every session's next grid is fresh."""
    versions = _versions()
    versions[store_id] = versions.get(store_id, 0) + 1


@st.cache_data(ttl=GRID_TTL_SECONDS, max_entries=500, show_spinner=False)
def _cached_page(actor: Actor, store_id: str, draft_filter: DraftFilter, page: int, page_size: int,
                 version: int) -> DraftPage:
    with db_session() as session:
        return list_drafts(session, actor, store_id, draft_filter, page, page_size)


def grid_page(actor: Actor, store_id: str, draft_filter: DraftFilter, page: int, page_size: int) -> DraftPage:
    return _cached_page(actor, store_id, draft_filter, page, page_size, data_version(store_id))


# --- the filter, set from elsewhere ---------------------------------------------------------------


def open_review_on_band(band: str) -> None:
    """Make the Review page open on the pending drafts of this band (all categories, no
    search), as a notice about expiring drafts asks; call before the page's widgets exist."""
    st.session_state.update({STATUS_KEY: "pending", BAND_KEY: band, PAGE_KEY: 1})
    for key in (SEARCH_KEY, CATEGORY_KEY):
        st.session_state.pop(key, None)


# --- selection ------------------------------------------------------------------------------
# One set per store, so an ops person who switches store never acts on the last store's drafts;
# each set remembers the filter it was made under (see `keep_matching`).


def _selections() -> dict[str, set[str]]:
    return st.session_state.setdefault(SELECTED_KEY, {})


def selected_ids(store_id: str) -> set[str]:
    return _selections().setdefault(store_id, set())


def toggle_selected(store_id: str, draft_id: str) -> None:
    """Checkbox callback: keep the store's selection in one set that survives paging."""
    chosen = selected_ids(store_id)
    if st.session_state.get(f"select_{draft_id}"):
        chosen.add(draft_id)
    else:
        chosen.discard(draft_id)


def select(store_id: str, draft_ids: list[str]) -> None:
    selected_ids(store_id).update(draft_ids)
    for draft_id in draft_ids:
        st.session_state[f"select_{draft_id}"] = True


def clear_selection(store_id: str) -> None:
    _drop(store_id, selected_ids(store_id))


def keep_matching(store_id: str, draft_filter: DraftFilter, matching: Callable[[set[str]], list[str]]) -> None:
    """When the filter changed since the store's drafts were selected, keep only those it
    still shows (`matching` answers which of the given ids match), so "Approve selected"
    never reaches a draft the person can no longer see."""
    filters = st.session_state.setdefault(SELECTION_FILTER_KEY, {})
    chosen = selected_ids(store_id)
    if chosen and filters.get(store_id) != draft_filter:
        _drop(store_id, chosen - set(matching(chosen)))
    filters[store_id] = draft_filter


def _drop(store_id: str, draft_ids: set[str]) -> None:
    for draft_id in draft_ids:
        st.session_state.pop(f"select_{draft_id}", None)
    selected_ids(store_id).difference_update(draft_ids)


# --- messages that survive the rerun after an action ----------------------------------------------


def flash(message: str, icon: str = ":material/check_circle:") -> None:
    st.session_state.setdefault(FLASH_KEY, []).append((message, icon))


def show_flashes() -> None:
    for message, icon in st.session_state.pop(FLASH_KEY, []):
        st.toast(message, icon=icon)
