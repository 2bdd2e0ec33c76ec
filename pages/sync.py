"""Sync & conflicts: Instagram edits waiting for a person's choice, the sync history, each
post's change history, and the store's edit-sync settings.

A conflict shows per field the base both sides came from, Instagram's value and Vendly's,
with a choice per field (keep Vendly, take Instagram, edit) and one Apply.
"""

from datetime import datetime, time, timedelta, timezone

import pandas as pd
import streamlit as st

from core.errors import CatalogSyncError
from core.extraction.schema import CATEGORIES
from core.services.edit_sync.change_log import list_changes
from core.services.edit_sync.conflicts import (
    ConflictView,
    HistoryFilter,
    history_choices,
    list_conflicts,
    list_sync_history,
    resolve_conflict,
)
from core.services.people.stores import get_store
from core.services.edit_sync.sync_rules import FIELD_LABELS, describe_value, edit_text, parse_edit_text
from core.services.edit_sync.sync_settings import ON_DELETE_CHOICES, edit_sync_settings, update_edit_sync_settings
from ui.context import db_session, require_actor, selected_store_id, show_error

CHOICE_LABELS = {"vendly": "Keep Vendly", "instagram": "Take Instagram", "edit": "Edit"}
ON_DELETE_LABELS = {"flag": "Flag only (leave the product as it is)", "hide": "Hide the product"}
SIDE_LABELS = {"instagram": "Instagram", "vendly": "Vendly", "resolution": "Resolved by a person"}
ALL = "All"
CONFLICTS_CHECK_SECONDS = 5

actor = require_actor()
store_id = selected_store_id()
st.title("Sync & conflicts")
if not store_id:
    st.info("Choose a store in the sidebar to see its sync.")
    st.stop()

for message in st.session_state.pop("sync_flash", []):
    st.toast(message, icon=":material/check_circle:")


def flash(message: str) -> None:
    st.session_state.setdefault("sync_flash", []).append(message)


# --- conflicts ----------------------------------------------------------------------------------


def field_row(conflict: ConflictView, name: str, entry: dict) -> None:
    label, base, instagram, vendly, choice = st.columns([1.2, 2, 2, 2, 2.6])
    currency = conflict.currency
    label.markdown(f"**{FIELD_LABELS.get(name, name)}**")
    base.write(describe_value(name, entry.get("base"), currency))
    instagram.write(describe_value(name, entry.get("instagram"), currency))
    if entry.get("instagram_invalid"):
        instagram.caption(f":orange[Cannot be used: {entry['instagram_invalid']}]")
    vendly.write(describe_value(name, entry.get("vendly"), currency))
    if entry.get("vendly_changed"):
        vendly.caption(":blue[changed in Vendly]")
    options = choice_options(name, entry)
    suggested = entry.get("suggested") if entry.get("suggested") in options else options[0]
    picked = choice.radio(
        "Choice", options, index=options.index(suggested), key=f"choice_{conflict.id}_{name}",
        format_func=CHOICE_LABELS.get, horizontal=True, label_visibility="collapsed",
    )
    if picked == "edit":
        edit_box(choice, conflict, name, entry)


def choice_options(name: str, entry: dict) -> list[str]:
    """Images can only be kept or taken; a value a product cannot hold cannot be taken."""
    if name == "images":
        return ["vendly"] if entry.get("instagram_invalid") else ["vendly", "instagram"]
    return ["vendly", "edit"] if entry.get("instagram_invalid") else list(CHOICE_LABELS)


def edit_box(column, conflict: ConflictView, name: str, entry: dict) -> None:
    key = f"edit_{conflict.id}_{name}"
    start = entry.get("vendly") if entry.get("instagram_invalid") else entry.get("instagram")
    if name == "category":
        options = list(CATEGORIES)
        column.selectbox("Category", options, index=options.index(start) if start in options else 0,
                         key=key, label_visibility="collapsed")
    elif name == "description":
        column.text_area("Value", edit_text(name, start), key=key, label_visibility="collapsed")
    else:
        help_text = {"tags": "Comma-separated", "variants": "option=value, e.g. size=M, color=red"}.get(name)
        column.text_input("Value", edit_text(name, start), key=key, help=help_text, label_visibility="collapsed")


def choices_for(conflict: ConflictView) -> dict:
    choices = {}
    for name in conflict.fields:
        picked = st.session_state.get(f"choice_{conflict.id}_{name}")
        if picked == "edit":
            choices[name] = {"edit": parse_edit_text(name, st.session_state.get(f"edit_{conflict.id}_{name}", ""))}
        else:
            choices[name] = picked
    return choices


def apply_choices(conflict: ConflictView) -> None:
    try:
        with db_session() as session:
            resolve_conflict(session, actor, conflict.id, choices_for(conflict))
    except CatalogSyncError as error:
        st.session_state[f"error_{conflict.id}"] = error
        return
    flash(f"Applied your choices to {conflict.product_name}.")


def conflict_card(conflict: ConflictView) -> None:
    with st.container(border=True):
        st.subheader(conflict.product_name, anchor=False)
        times = "once" if conflict.detections == 1 else f"{conflict.detections} times"
        link = f" · [post]({conflict.permalink})" if conflict.permalink else ""
        st.caption(f"Instagram changed {times}, last {conflict.updated_at:%Y-%m-%d %H:%M} UTC{link}")
        if conflict.instagram_caption:
            st.caption(f"Caption now: {conflict.instagram_caption[:300]}")
        header = st.columns([1.2, 2, 2, 2, 2.6])
        for column, title in zip(header, ("Field", "Base (when they agreed)", "Instagram now", "Vendly now", "Keep")):
            column.caption(title)
        for name, entry in conflict.fields.items():
            field_row(conflict, name, entry)
        error = st.session_state.pop(f"error_{conflict.id}", None)
        if error is not None:
            show_error(error)
        st.button("Apply", key=f"apply_{conflict.id}", type="primary", on_click=apply_choices, args=(conflict,))


def conflicts_tab(conflicts: list[ConflictView]) -> None:
    if not conflicts:
        st.success("No conflicts: every Instagram edit has been applied or resolved.")
        return
    st.write("These posts changed on Instagram after someone edited the product in Vendly. "
             "Nothing has been overwritten: choose per field, then Apply.")
    for conflict in conflicts:
        conflict_card(conflict)


# --- history ----------------------------------------------------------------------------------------


def history_tab(session) -> None:
    types, statuses = history_choices(session, actor, store_id)
    left, middle, right = st.columns(3)
    sync_type = left.selectbox("Type", [ALL, *types], key="history_type")
    status = middle.selectbox("Status", [ALL, *statuses], key="history_status")
    today = datetime.now(timezone.utc).date()
    dates = right.date_input("Dates", (today - timedelta(days=30), today), key="history_dates")
    since, until = _date_range(dates)
    runs = list_sync_history(session, actor, store_id, HistoryFilter(
        sync_type=None if sync_type == ALL else sync_type, status=None if status == ALL else status,
        since=since, until=until))
    if not runs:
        st.info("No sync runs match these filters.")
        return
    st.dataframe(pd.DataFrame([_run_row(run) for run in runs]), hide_index=True, width="stretch")
    failed = [run for run in runs if run.errors or run.last_error]
    for run in failed[:20]:
        with st.expander(f"Errors of {run.sync_type} at {run.created_at:%Y-%m-%d %H:%M} ({run.status})"):
            if run.last_error:
                st.write(run.last_error)
            if run.errors:
                st.dataframe(pd.DataFrame(run.errors), hide_index=True, width="stretch")


def _date_range(dates) -> tuple[datetime | None, datetime | None]:
    if not isinstance(dates, (tuple, list)) or not dates:
        return None, None
    start = datetime.combine(dates[0], time.min, tzinfo=timezone.utc)
    end = datetime.combine(dates[-1], time.min, tzinfo=timezone.utc) + timedelta(days=1)
    return start, end


def _run_row(run) -> dict:
    return {
        "Started": run.started_at or run.created_at, "Type": run.sync_type, "Status": run.status,
        "Posts found": run.posts_found, "Processed": run.posts_processed, "Drafts created": run.drafts_created,
        "Products updated": run.products_updated, "Skipped": run.posts_skipped, "Failed": run.posts_failed,
        "API calls": run.api_calls_used, "Duration (s)": round((run.duration_ms or 0) / 1000, 1),
        "Errors": len(run.errors or []),
    }


# --- per-post change history --------------------------------------------------------------------------


def changes_tab(session) -> None:
    entries = list_changes(session, actor, store_id, limit=500)
    if not entries:
        st.info("No changes yet. Edits to imported posts and products will be listed here.")
        return
    posts = list(dict.fromkeys(entry.ig_media_id for entry in entries if entry.ig_media_id))
    post = st.selectbox("Post", [ALL, *posts], key="changes_post",
                        format_func=lambda media_id: "All posts" if media_id == ALL else f"Post {media_id}")
    if post != ALL:
        entries = list_changes(session, actor, store_id, ig_media_id=post, limit=500)
    st.dataframe(pd.DataFrame([{
        "When": entry.created_at, "From": SIDE_LABELS.get(entry.side, entry.side),
        "What": entry.action.replace("_", " "), "Change": entry.summary or "", "Post": entry.ig_media_id,
        "By": entry.actor,
    } for entry in entries]), hide_index=True, width="stretch")


# --- settings ---------------------------------------------------------------------------------------------


def settings_tab(session) -> None:
    current = edit_sync_settings(get_store(session, actor, store_id))
    with st.form("sync_settings"):
        auto_apply = st.toggle("Apply Instagram edits to products nobody changed in Vendly",
                               value=current.auto_apply_untouched, key="sync_auto_apply")
        on_delete = st.radio("When a product's post is deleted", list(ON_DELETE_CHOICES),
                             index=list(ON_DELETE_CHOICES).index(current.on_delete),
                             format_func=ON_DELETE_LABELS.get, key="sync_on_delete")
        if st.form_submit_button("Save settings"):
            try:
                update_edit_sync_settings(session, actor, store_id, auto_apply_untouched=auto_apply,
                                          on_delete=on_delete)
                st.success("Settings saved.")
            except CatalogSyncError as error:
                show_error(error)


@st.fragment(run_every=CONFLICTS_CHECK_SECONDS)
def watch_for_conflicts(shown: int) -> None:
    """Polling raises conflicts in the background; show them without a click by rerunning
    the page when the number of open conflicts moves (choices made so far are kept)."""
    with db_session() as session:
        if len(list_conflicts(session, actor, store_id)) != shown:
            st.rerun()


with db_session() as session:
    open_conflicts = list_conflicts(session, actor, store_id)
    conflicts, history, changes, settings = st.tabs(
        [f"Conflicts ({len(open_conflicts)})", "Sync history", "Change history", "Settings"])
    with conflicts:
        conflicts_tab(open_conflicts)
    with history:
        history_tab(session)
    with changes:
        changes_tab(session)
    with settings:
        settings_tab(session)
watch_for_conflicts(len(open_conflicts))
