"""Reviewing drafts: the grid's query (filters, counts, paging), editing and rejecting.

Approving lives in `core.services.review.approval`, expiry in `core.services.review.expiry`.
Every function takes the acting user and only ever reaches that user's stores: a
draft id from another store answers "not found", exactly like an id that does not exist,
so ids cannot be probed. Functions that change data commit their own transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.errors import NotFound, ValidationFailed
from core.extraction.schema import HIGH_CONFIDENCE, REVIEW_THRESHOLD
from core.models import Product, ProductDraft
from core.security import Actor, require_store, scope_to_actor
from core.services.review.draft_rules import (
    EXPIRING_WINDOW,
    clean_draft_changes,
    clean_rejection,
    edits_after_change,
    effective_values,
    is_sync_note,
)

# "withdrawn": the post was deleted on Instagram before anyone reviewed it (edit sync).
STATUSES = ("pending", "approved", "rejected", "expired", "withdrawn")
# The filter chips: a confidence band or "expiring soon" within the chosen status.
BANDS = ("all", "high", "low", "expiring")
MAX_PAGE_SIZE = 100
# "Select all matching" stops here, so one click cannot queue an unbounded batch.
MAX_SELECT_ALL = 1000


@dataclass(frozen=True)
class DraftFilter:
    status: str = "pending"
    band: str = "all"
    category: str | None = None
    search: str = ""

    def validated(self) -> "DraftFilter":
        if self.status not in STATUSES:
            raise ValidationFailed(f"Unknown status {self.status!r}.")
        if self.band not in BANDS:
            raise ValidationFailed(f"Unknown filter {self.band!r}.")
        return self


@dataclass(frozen=True)
class DraftCard:
    """One draft as the grid shows it: effective values, with the AI's original kept apart."""

    id: str
    store_id: str
    status: str
    name: str
    description: str
    price: Any
    compare_at_price: Any
    currency: str | None
    category: str | None
    tags: list[str]
    variants: list[dict]
    confidence: float | None
    expires_at: datetime | None
    images: list[dict]
    media_type: str
    permalink: str | None
    caption: str | None
    edited_fields: tuple[str, ...]
    auto_approved: bool
    product_id: str | None
    rejection_reason: str | None
    notes: list[str] = field(default_factory=list)
    # When the approved product's Instagram post was found deleted (edit sync flags it).
    source_deleted_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def image_count(self) -> int:
        return len(self.images)

    @property
    def change_note(self) -> str | None:
        """What Instagram last changed in the post, if edit sync updated this draft."""
        return next((note for note in reversed(self.notes) if is_sync_note(note)), None)

    @property
    def thumb(self) -> str | None:
        """The first image's thumbnail key (relative to the media folder), if any."""
        for image in self.images:
            if isinstance(image, dict) and (image.get("thumb") or image.get("key")):
                return image.get("thumb") or image.get("key")
        return None


@dataclass(frozen=True)
class DraftPage:
    items: list[DraftCard]
    total: int  # drafts matching the whole filter
    page: int
    page_size: int
    counts: dict[str, int]  # per status (pending, ...) and per band within the status (all, high, ...)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def to_card(draft: ProductDraft, source_deleted_at: datetime | None = None) -> DraftCard:
    values = effective_values(draft.extracted_data, draft.seller_edits)
    return DraftCard(
        id=draft.id,
        store_id=draft.store_id,
        status=draft.status,
        name=values.get("name") or "",
        description=values.get("description") or "",
        price=values.get("price"),
        compare_at_price=values.get("compare_at_price"),
        currency=values.get("currency"),
        category=values.get("category"),
        tags=values["tags"],
        variants=values["variants"],
        confidence=draft.confidence,
        expires_at=draft.expires_at,
        images=[image for image in (draft.images or []) if isinstance(image, dict)],
        media_type=draft.ig_media_type,
        permalink=draft.ig_permalink,
        caption=draft.ig_caption,
        edited_fields=tuple(sorted(draft.seller_edits or {})),
        auto_approved=draft.auto_approved,
        product_id=draft.product_id,
        rejection_reason=draft.rejection_reason,
        notes=list((draft.extracted_data or {}).get("notes") or []),
        source_deleted_at=source_deleted_at,
        created_at=draft.created_at,
    )


# --- reading -----------------------------------------------------------------------------------


def list_drafts(
    session: Session,
    actor: Actor,
    store_id: str,
    draft_filter: DraftFilter | None = None,
    page: int = 1,
    page_size: int = 24,
    clock: Clock | None = None,
) -> DraftPage:
    """One page of a store's drafts, with the counts the filter chips show.

    Filtering, counting and paging all happen in the database, so the grid stays quick
    with thousands of drafts.
    """
    require_store(session, actor, store_id)
    draft_filter = (draft_filter or DraftFilter()).validated()
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    now = (clock or SystemClock()).now()
    counts = _counts(session, store_id, draft_filter, now)
    total = counts[draft_filter.band]
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    stmt = (
        _matching(store_id, draft_filter, now)
        .add_columns(Product.source_deleted_at)
        .outerjoin(Product, Product.id == ProductDraft.product_id)
        .order_by(ProductDraft.created_at.desc(), ProductDraft.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    cards = [to_card(draft, source_deleted_at) for draft, source_deleted_at in session.execute(stmt)]
    return DraftPage(items=cards, total=total, page=page, page_size=page_size, counts=counts)


def matching_draft_ids(
    session: Session, actor: Actor, store_id: str, draft_filter: DraftFilter, clock: Clock | None = None,
    among: Collection[str] | None = None,
) -> list[str]:
    """Ids of every draft matching the filter (at most MAX_SELECT_ALL), for "select all";
    with `among`, only those of these ids (what of a selection the filter still shows)."""
    require_store(session, actor, store_id)
    now = (clock or SystemClock()).now()
    stmt = (
        _matching(store_id, draft_filter.validated(), now)
        .with_only_columns(ProductDraft.id)
        .order_by(ProductDraft.created_at.desc(), ProductDraft.id.desc())
        .limit(MAX_SELECT_ALL)
    )
    if among is not None:
        stmt = stmt.where(ProductDraft.id.in_(list(among)))
    return list(session.scalars(stmt))


def get_draft(session: Session, actor: Actor, draft_id: str) -> DraftCard:
    draft = draft_for(session, actor, draft_id)
    product = session.get(Product, draft.product_id) if draft.product_id else None
    return to_card(draft, product.source_deleted_at if product else None)


def draft_cards(session: Session, actor: Actor, draft_ids: Collection[str]) -> dict[str, DraftCard]:
    """The actor's drafts among these ids, by id, in one query (ids elsewhere are left out)."""
    stmt = scope_to_actor(select(ProductDraft).where(ProductDraft.id.in_(list(draft_ids))), ProductDraft.store_id, actor)
    return {draft.id: to_card(draft) for draft in session.scalars(stmt)}


def draft_for(session: Session, actor: Actor, draft_id: str) -> ProductDraft:
    """The draft row, if it is in one of the actor's stores; NotFound otherwise."""
    stmt = scope_to_actor(select(ProductDraft).where(ProductDraft.id == draft_id), ProductDraft.store_id, actor)
    draft = session.scalar(stmt)
    if draft is None:
        raise NotFound("That draft does not exist or is not in your store.")
    return draft


def _effective(name: str):
    """A field's effective value in SQL: the person's edit, else the AI's."""
    return func.coalesce(ProductDraft.seller_edits[name].as_string(), ProductDraft.extracted_data[name].as_string())


def _base_conditions(store_id: str, draft_filter: DraftFilter) -> list:
    conditions = [ProductDraft.store_id == store_id]
    if draft_filter.category:
        conditions.append(_effective("category") == draft_filter.category)
    search = draft_filter.search.strip()
    if search:
        conditions.append(
            or_(
                _effective("name").icontains(search, autoescape=True),
                ProductDraft.ig_caption.icontains(search, autoescape=True),
            )
        )
    return conditions


def _band_condition(band: str, now: datetime):
    if band == "high":
        return ProductDraft.confidence >= HIGH_CONFIDENCE
    if band == "low":
        return ProductDraft.confidence < REVIEW_THRESHOLD
    if band == "expiring":
        return and_(ProductDraft.expires_at > now, ProductDraft.expires_at <= now + EXPIRING_WINDOW)
    return None


def _matching(store_id: str, draft_filter: DraftFilter, now: datetime) -> Select:
    conditions = _base_conditions(store_id, draft_filter)
    conditions.append(ProductDraft.status == draft_filter.status)
    band = _band_condition(draft_filter.band, now)
    if band is not None:
        conditions.append(band)
    return select(ProductDraft).where(*conditions)


def _counts(session: Session, store_id: str, draft_filter: DraftFilter, now: datetime) -> dict[str, int]:
    """Every chip's count in one query: per status, and per band within the chosen status."""
    in_status = ProductDraft.status == draft_filter.status
    columns = [func.count(case((ProductDraft.status == status, 1))).label(status) for status in STATUSES]
    columns.append(func.count(case((in_status, 1))).label("all"))
    for band in BANDS[1:]:
        columns.append(func.count(case((and_(in_status, _band_condition(band, now)), 1))).label(band))
    row = session.execute(select(*columns).where(*_base_conditions(store_id, draft_filter))).one()
    return {key: int(value or 0) for key, value in row._mapping.items()}


# --- changing ----------------------------------------------------------------------------------


def edit_draft(session: Session, actor: Actor, draft_id: str, changes: dict[str, Any]) -> DraftCard:
    """Validate a person's changes and keep them in `seller_edits`; the AI's data stays as it was."""
    draft = draft_for(session, actor, draft_id)
    if draft.status != "pending":
        raise ValidationFailed(f"This draft is {draft.status}; only pending drafts can be edited.")
    cleaned = clean_draft_changes(draft.extracted_data, draft.seller_edits, changes)
    draft.seller_edits = edits_after_change(draft.extracted_data, draft.seller_edits, cleaned)
    session.commit()
    return to_card(draft)


def reject_draft(
    session: Session, actor: Actor, draft_id: str, reason: str, note: str | None = None,
    clock: Clock | None = None,
) -> DraftCard:
    """Reject a pending draft with one of the seed's reasons ('other' needs a note)."""
    reason, note = clean_rejection(reason, note)
    draft = draft_for(session, actor, draft_id)
    now = (clock or SystemClock()).now()
    claimed = session.execute(
        update(ProductDraft)
        .where(ProductDraft.id == draft.id, ProductDraft.status == "pending")
        .values(
            status="rejected", rejection_reason=reason, rejection_note=note,
            reviewed_at=now, reviewed_by=actor.user_id, updated_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    session.refresh(draft)
    if claimed != 1:
        raise ValidationFailed(refusal_message(draft))
    return to_card(draft)


_EXPIRED = "This draft has expired; rescan the post to review it again."
REFUSALS = {
    # Still pending, yet the claim failed: it is past its expiry and the expiry job has not run yet.
    "pending": _EXPIRED,
    "expired": _EXPIRED,
    "approved": "This draft was already approved; its product exists.",
    "rejected": "This draft was rejected, so it cannot be approved or rejected again.",
    "withdrawn": ("This draft was withdrawn: its Instagram post was deleted before review. "
                  "If the post comes back, the draft returns to review."),
}


def refusal_message(draft: ProductDraft) -> str:
    """Why a pending-only action cannot happen to this draft, in words a person understands."""
    return REFUSALS.get(draft.status, f"This draft is {draft.status}; only pending drafts can be approved or rejected.")
