"""The review screen's editors: the Edit dialog and the Reject popover.

Both call core.services and report back through `ui.review_state` (a toast after the
rerun, and the store's grid cache invalidated). Validation messages show under the
field they are about.
"""

from __future__ import annotations

import streamlit as st

from core.errors import CatalogSyncError, ValidationFailed
from core.extraction.schema import CATEGORIES
from core.security import Actor
from core.services.review.approval import approve_draft, undo_auto_approve
from core.services.review.draft_rules import REJECTION_REASONS, parse_amount
from core.services.review.drafts import DraftCard, edit_draft, get_draft, reject_draft
from ui.cards import card_title, confidence_badge, image_or_placeholder
from ui.context import db_session, show_error
from ui.review_state import FOCUS_KEY, flash, invalidate

ERRORS_KEY = "edit_errors"
NO_CATEGORY = "(none)"


def _price_text(value) -> str:
    """2500.0 and "2500.00" both show as 2500; 19.5 as 19.50."""
    amount = parse_amount(value)
    if amount is None:
        return ""
    return f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"


def _field_error(field: str) -> None:
    problem = st.session_state.get(ERRORS_KEY, {}).get(field)
    if problem:
        st.error(problem, icon=":material/error:")


def _changed_fields(card: DraftCard, form: dict) -> dict:
    """Only the fields a person actually changed, so untouched blanks are not 'edits'."""
    current = {
        "name": card.name, "price": _price_text(card.price), "compare_at_price": _price_text(card.compare_at_price),
        "currency": card.currency or "", "description": card.description,
        "category": card.category or NO_CATEGORY, "tags": ", ".join(card.tags),
    }
    changes = {field: value for field, value in form.items() if value != current[field]}
    if changes.get("category") == NO_CATEGORY:
        changes.pop("category")
    return changes


def open_editor(draft_id: str) -> None:
    """Button callback: the dialog stays open across reruns until saved or dismissed."""
    st.session_state.pop(ERRORS_KEY, None)
    st.session_state[FOCUS_KEY] = draft_id


def close_editor() -> None:
    st.session_state.pop(ERRORS_KEY, None)
    st.session_state.pop(FOCUS_KEY, None)


@st.dialog("Edit draft", width="large", on_dismiss=close_editor)
def edit_dialog(actor: Actor, draft_id: str) -> None:
    try:
        with db_session() as session:
            card = get_draft(session, actor, draft_id)
    except CatalogSyncError as error:
        close_editor()
        show_error(error)
        return
    _image_strip(card)
    form = _edit_fields(card)
    if card.status != "pending":
        st.info(f"This draft is {card.status}; it can no longer be edited.")
        if card.status == "approved" and card.auto_approved:
            _undo_button(actor, card)
        return
    with st.container(horizontal=True):
        save = st.button("Save draft", key="edit_save", icon=":material/save:")
        approve = st.button("Save & approve", key="edit_approve", type="primary", icon=":material/check:")
    if save or approve:
        _save(actor, card, _changed_fields(card, form), approve=approve)


def _image_strip(card: DraftCard) -> None:
    images = card.images or [{}]
    # The carousel as a row of thumbnails (a post has at most 10 images).
    st.image([image_or_placeholder(image.get("thumb") or image.get("key")) for image in images], width=200)
    with st.container(horizontal=True):
        confidence_badge(card.confidence)
        if card.permalink:
            st.link_button("View post", card.permalink, icon=":material/open_in_new:")
    if card.source_deleted_at:
        st.warning(f"Source post deleted: the Instagram post was deleted on {card.source_deleted_at:%Y-%m-%d}. "
                   "The product was flagged (or hidden, by the store's Sync setting).", icon=":material/delete:")
    if card.change_note:
        kept = " Your own edits are kept and still win." if card.edited_fields else ""
        st.info(f"{card.change_note}.{kept}", icon=":material/sync:")
    if card.caption:
        with st.expander("Instagram caption"):
            st.text(card.caption)


def _edit_fields(card: DraftCard) -> dict:
    key = card.id
    form = {"name": st.text_input("Name", card.name, max_chars=200, key=f"edit_name_{key}")}
    _field_error("name")
    left, middle, right = st.columns(3)
    with left:
        form["price"] = st.text_input("Price", _price_text(card.price), key=f"edit_price_{key}")
        _field_error("price")
    with middle:
        form["compare_at_price"] = st.text_input(
            "Was price (optional)", _price_text(card.compare_at_price), key=f"edit_compare_{key}")
        _field_error("compare_at_price")
    with right:
        form["currency"] = st.text_input("Currency", card.currency or "", max_chars=3, key=f"edit_currency_{key}")
        _field_error("currency")
    form["description"] = st.text_area("Description", card.description, key=f"edit_description_{key}")
    _field_error("description")
    options = [NO_CATEGORY, *CATEGORIES]
    form["category"] = st.selectbox(
        "Category", options, index=options.index(card.category) if card.category in options else 0,
        key=f"edit_category_{key}")
    _field_error("category")
    form["tags"] = st.text_input("Tags (comma separated)", ", ".join(card.tags), key=f"edit_tags_{key}")
    _field_error("tags")
    return form


def _save(actor: Actor, card: DraftCard, changes: dict, *, approve: bool) -> None:
    try:
        with db_session() as session:
            if changes:
                edit_draft(session, actor, card.id, changes)
            if approve:
                product = approve_draft(session, actor, card.id)
    except ValidationFailed as error:
        invalidate(card.store_id)
        st.session_state[ERRORS_KEY] = error.errors
        if not error.errors:
            st.error(str(error))
            return
        st.rerun()
    except CatalogSyncError as error:
        show_error(error)
        return
    close_editor()
    invalidate(card.store_id)
    flash(f"Approved “{product.name}”." if approve else "Draft saved.")
    st.rerun()


def _undo_button(actor: Actor, card: DraftCard) -> None:
    if st.button("Undo auto-approve", key="edit_undo", icon=":material/undo:"):
        try:
            with db_session() as session:
                undo_auto_approve(session, actor, card.id)
        except CatalogSyncError as error:
            show_error(error)
            return
        close_editor()
        invalidate(card.store_id)
        flash(f"“{card_title(card)}” is back in review; its product is now a draft.", ":material/undo:")
        st.rerun()


def reject_popover(actor: Actor, card: DraftCard) -> None:
    with st.popover("Reject", icon=":material/close:", key=f"reject_{card.id}"):
        reason = st.radio(
            "Reason", list(REJECTION_REASONS), format_func=REJECTION_REASONS.get, key=f"reason_{card.id}")
        note = st.text_input("Note (required for Other)", key=f"note_{card.id}")
        if st.button("Reject draft", key=f"confirm_reject_{card.id}", type="primary"):
            try:
                with db_session() as session:
                    reject_draft(session, actor, card.id, reason, note)
            except CatalogSyncError as error:
                show_error(error)
                return
            invalidate(card.store_id)
            flash(f"Rejected “{card_title(card)}”.", ":material/block:")
            st.rerun()

