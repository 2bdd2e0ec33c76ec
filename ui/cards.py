"""The review grid's draft card, and reading our own image copies safely.

Images come from the media store's folder (`settings.media_dir / key`). A draft with no
image, a missing file or a key that points outside the folder shows a placeholder
instead of breaking the grid.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import streamlit as st
from PIL import Image, ImageDraw

from core.clock import utcnow
from core.config import get_settings
from core.services.review.draft_rules import confidence_band, expires_in_text, format_price, sync_note_summary
from core.services.review.drafts import DraftCard

BAND_COLOURS = {"high": "green", "medium": "orange", "low": "red", "unknown": "gray"}
BAND_LABELS = {"high": "High", "medium": "Medium", "low": "Low", "unknown": "No score"}
CARD_NOTE_WIDTH = 70  # characters of the change note a card shows; the Edit dialog has it all
# Why a draft left the queue without a person's decision, said on its card.
STATUS_EXPLANATIONS = {"withdrawn": "its Instagram post was deleted before review"}


def media_path(key: str | None) -> Path | None:
    """The file for a media-store key, or None if it is missing or escapes the media folder."""
    if not key:
        return None
    root = Path(get_settings().media_dir).resolve()
    path = (root / key).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


@lru_cache(maxsize=1)
def placeholder_image() -> bytes:
    """A plain grey square saying there is no image (made once per process)."""
    image = Image.new("RGB", (400, 400), (236, 233, 242))
    ImageDraw.Draw(image).text((150, 190), "no image", fill=(120, 110, 140))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def image_or_placeholder(key: str | None):
    path = media_path(key)
    return str(path) if path else placeholder_image()


def confidence_badge(confidence: float | None) -> None:
    band = confidence_band(confidence)
    score = f" {confidence:.0%}" if confidence is not None else ""
    st.badge(f"{BAND_LABELS[band]}{score}", color=BAND_COLOURS[band])


def card_title(card) -> str:
    """The draft's name, or what the grid calls a draft without one (messages quote it too)."""
    if card.name:
        return card.name
    made = card.created_at
    return f"Untitled draft from {made.day} {made:%b %Y}" if made else "Untitled draft"


def draft_card(
    card: DraftCard,
    *,
    selected: bool,
    on_select: Callable[[str], None],
    actions: Callable[[DraftCard], None],
) -> None:
    """One card: thumbnail, select box, name, price, confidence, expiry, image count, actions."""
    with st.container(border=True, key=f"card_{card.id}"):
        st.image(image_or_placeholder(card.thumb), width="stretch")
        # The selection set is the truth; the checkbox mirrors it without a second default.
        st.session_state[f"select_{card.id}"] = selected
        st.checkbox("Select", key=f"select_{card.id}", on_change=on_select, args=(card.id,))
        st.markdown(f"**{card_title(card)}**  \n{format_price(card.price, card.currency)}")
        with st.container(horizontal=True, gap="small"):
            confidence_badge(card.confidence)
            if card.image_count > 1:
                st.badge(f"{card.image_count} images", icon=":material/photo_library:", color="blue")
            if card.edited_fields:
                st.badge("edited", icon=":material/edit:", color="violet")
            if card.auto_approved:
                st.badge("auto-approved", icon=":material/bolt:", color="green")
            if card.source_deleted_at:
                st.badge("source post deleted", icon=":material/delete:", color="red")
        if card.change_note:
            st.caption(f":material/sync: {change_note_line(card.change_note)}")
        st.caption(status_text(card))
        actions(card)


def change_note_line(note: str) -> str:
    """A card's one line about what Instagram changed since the draft was made."""
    summary = textwrap.shorten(sync_note_summary(note), CARD_NOTE_WIDTH, placeholder=" …")
    return f"Changed on Instagram: {summary}"


def status_text(card: DraftCard) -> str:
    """'expires in 3 days' while pending; else the status and why (a rejection reason, a withdrawal)."""
    if card.status == "pending":
        return expires_in_text(card.expires_at, utcnow())
    why = card.rejection_reason.replace("_", " ") if card.rejection_reason else STATUS_EXPLANATIONS.get(card.status)
    return card.status + (f" ({why})" if why else "")
