"""Following a post after import: caption edits and media changes reach its draft or product.

- A pending draft takes the new AI reading in place; the seller's edits still win, and
  the card gets a note saying what Instagram changed.
- An approved product nobody touched in Vendly since its base takes Instagram's new
  values (when the store auto-applies), recorded as `products_updated`.
- An approved product a person changed in Vendly gets a `sync_conflict` holding the base,
  Instagram's and Vendly's value per field; nothing is written until a person chooses.
  A later edit of the same post updates the open conflict instead of adding another.

Deletions live in `core.services.edit_sync.deletions`; the entry points the polling and
webhook jobs call are in `core.services.edit_sync.reconcile`. Nothing here commits: the caller does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import Clock
from core.ids import new_id
from core.instagram import MediaItem
from core.media import MediaError, MediaStore
from core.models import InstagramSyncHistory, Product, ProductDraft, Store, SyncConflict
from core.services.usage.ai_usage import record_ai_usages
from core.services.edit_sync.change_log import record_change
from core.services.review.draft_rules import edits_after_change, is_sync_note, sync_note
from core.services.bulk_import.importing import Extractor, prepare_post
from core.services.review.notifications import notify
from core.services.review.products import product_values, write_fields
from core.services.edit_sync.sync_rules import (
    SYNC_FIELDS,
    describe_changes,
    field_diff,
    image_keys,
    instagram_side,
    listing_values,
    media_changed,
    post_fingerprint,
    three_way,
    vendly_untouched,
)
from core.services.edit_sync.sync_settings import edit_sync_settings

AI_FIELDS = tuple(name for name in SYNC_FIELDS if name != "images")


@dataclass(frozen=True)
class SyncOutcome:
    """What one post's reconciliation did.

    status: created | skipped | unchanged | draft_updated | product_updated | conflict_opened |
    conflict_updated | recorded | withdrawn | flagged_deleted | restored | failed
    """

    media_id: str
    status: str
    draft_id: str | None = None
    product_id: str | None = None
    conflict_id: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None


@dataclass
class KnownPost:
    """What we held about a post before this read: its draft and/or product, and the
    fingerprint, caption and AI reading we last saw."""

    store_id: str
    media_id: str
    draft: ProductDraft | None
    product: Product | None

    @property
    def seen(self) -> dict[str, Any]:
        """The last version of the post we read (kept on the product once it is approved)."""
        stored = ((self.product.source_snapshot or {}).get("seen") if self.product else None) or {}
        draft = self.draft
        return {
            "fingerprint": stored.get("fingerprint") or (draft.source_fingerprint if draft else None),
            "caption": stored.get("caption", draft.ig_caption if draft else (self.product.source_caption
                                                                             if self.product else None)),
            "ai": stored.get("ai") or (draft.extracted_data if draft else None) or {},
        }

    @property
    def follows_product(self) -> bool:
        """An approved product is what the post drives now (not its draft)."""
        return self.product is not None and (self.draft is None or self.draft.status == "approved")


def known_post(session: Session, store_id: str, media_id: str) -> KnownPost | None:
    """The store's draft and product for this post, if it was imported already."""
    draft = session.scalar(
        select(ProductDraft).where(ProductDraft.ig_media_id == media_id, ProductDraft.store_id == store_id)
    )
    product = session.get(Product, draft.product_id) if draft is not None and draft.product_id else None
    if product is None:
        product = session.scalars(
            select(Product).where(Product.store_id == store_id, Product.source_type == "instagram",
                                  Product.source_external_id == media_id).limit(1)
        ).first()
    if draft is None and product is None:
        return None
    return KnownPost(store_id, media_id, draft, product)


@dataclass
class PostRead:
    """The post as read now: fingerprint, AI reading, and new images when the media changed."""

    item: MediaItem
    fingerprint: str
    ai: dict[str, Any]
    images: list[dict[str, Any]] | None
    changes: dict[str, dict[str, Any]]  # AI fields, images and caption that differ from what we saw


@dataclass
class SyncContext:
    session: Session
    store: Store
    clock: Clock
    history: InstagramSyncHistory | None = None

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def history_id(self) -> str | None:
        return self.history.id if self.history is not None else None


# --- reading the post again -------------------------------------------------------------------


def has_changed(post: KnownPost, item: MediaItem) -> bool:
    return post_fingerprint(item.media_type, item.caption, item.children_ids) != post.seen["fingerprint"]


def read_post(
    ctx: SyncContext, post: KnownPost, item: MediaItem, extractor: Extractor,
    media_store: MediaStore | None, refresh: Callable[[str], MediaItem] | None,
) -> PostRead:
    """Re-extract a changed post; copy its images again only when its slides changed."""
    seen = post.seen
    images, first_image = None, None
    if media_changed(seen["fingerprint"], seen["caption"], item.media_type, item.children_ids) and media_store:
        prepared = prepare_post(item, media_store, ctx.store.id, refresh)
        images, first_image = prepared.images, prepared.first_image
    elif media_store is not None:
        first_image = _first_stored_image(media_store, _current_images(post))
    extracted = extractor.extract(item.caption, item.media_type, first_image, ctx.store.default_currency or "KES")
    record_ai_usages(ctx.session, extracted.usage or [], store_id=ctx.store.id,
                     draft_id=post.draft.id if post.draft else None, clock=ctx.clock)
    ai = extracted.model_dump(mode="json")
    changes = field_diff(seen["ai"], ai, AI_FIELDS)
    if images is not None and image_keys(images) != image_keys(_current_images(post)):
        changes["images"] = {"from": image_keys(_current_images(post)), "to": image_keys(images)}
    if (seen["caption"] or "") != (item.caption or ""):
        changes["caption"] = {"from": seen["caption"], "to": item.caption}
    fingerprint = post_fingerprint(item.media_type, item.caption, item.children_ids)
    return PostRead(item, fingerprint, ai, images, changes)


def _current_images(post: KnownPost) -> list[Any]:
    if post.follows_product:
        return list(post.product.images or [])
    return list(post.draft.images or []) if post.draft else []


def _first_stored_image(media_store: MediaStore, images: list[Any]) -> bytes | None:
    """The stored copy of the first image, for extractors that look at the picture."""
    for key in image_keys(images)[:1]:
        try:
            return media_store.read(key)
        except (MediaError, OSError):
            return None
    return None


# --- a pending draft --------------------------------------------------------------------------


def update_draft(ctx: SyncContext, post: KnownPost, read: PostRead) -> SyncOutcome:
    """The draft takes the new AI reading; seller edits stay on top (and win)."""
    draft = post.draft
    summary = describe_changes(read.changes, ctx.store.default_currency)
    notes = [n for n in read.ai.get("notes") or [] if not is_sync_note(n)]
    notes.append(sync_note(ctx.now, summary))
    draft.extracted_data = {**read.ai, "notes": notes}
    draft.seller_edits = edits_after_change(read.ai, draft.seller_edits, {})
    draft.confidence = read.ai.get("confidence")
    draft.extractor = read.ai.get("extractor")
    _note_post_read(draft, read)
    if read.images is not None:
        draft.images = read.images
    draft.updated_at = ctx.now
    record_change(ctx.session, store_id=ctx.store.id, side="instagram", action="draft_updated",
                  changes=read.changes, summary=summary, draft_id=draft.id, ig_media_id=post.media_id,
                  sync_history_id=ctx.history_id, clock=ctx.clock)
    return SyncOutcome(post.media_id, "draft_updated", draft_id=draft.id, changes=read.changes)


def _note_post_read(draft: ProductDraft, read: PostRead) -> None:
    draft.ig_caption = read.item.caption
    draft.ig_media_type = read.item.media_type
    draft.ig_media_urls = list(read.item.media_urls)
    draft.source_fingerprint = read.fingerprint


def record_only(ctx: SyncContext, post: KnownPost, read: PostRead) -> SyncOutcome:
    """A rejected, expired or withdrawn draft: remember the new version, change nothing else."""
    if post.draft is not None:
        post.draft.source_fingerprint = read.fingerprint
    record_change(ctx.session, store_id=ctx.store.id, side="instagram", action="post_edited",
                  changes=read.changes, summary=describe_changes(read.changes, ctx.store.default_currency),
                  draft_id=post.draft.id if post.draft else None, ig_media_id=post.media_id,
                  sync_history_id=ctx.history_id, clock=ctx.clock)
    return SyncOutcome(post.media_id, "recorded", draft_id=post.draft.id if post.draft else None,
                       changes=read.changes, reason=f"draft is {post.draft.status if post.draft else 'gone'}")


# --- an approved product ------------------------------------------------------------------------


def base_values(post: KnownPost) -> dict[str, Any]:
    """The values the product and the post last agreed on (the approval, or the last sync)."""
    product = post.product
    snapshot = product.source_snapshot or {}
    base = listing_values(snapshot) if "name" in snapshot else product_values(product)
    base["images"] = image_keys(snapshot["images"]) if "images" in snapshot else image_keys(product.images)
    return base


def base_taken_at(product: Product) -> datetime | None:
    snapshot = product.source_snapshot or {}
    stamp = snapshot.get("synced_at") or snapshot.get("approved_at")
    return datetime.fromisoformat(stamp) if stamp else None


def update_product_from_post(ctx: SyncContext, post: KnownPost, read: PostRead) -> SyncOutcome:
    """Apply, or raise (or update) a conflict, by the three-way comparison."""
    product = post.product
    ai_changes = {k: v for k, v in read.changes.items() if k in AI_FIELDS}
    new_images = image_keys(read.images) if read.images is not None else None
    base = base_values(post)
    instagram, invalid = instagram_side(base, ai_changes, ctx.store.default_currency or "KES", new_images)
    plan = three_way(base, instagram, product_values(product))
    _remember_seen(post, read)
    open_conflict = _open_conflict(ctx.session, product.id)
    if not plan.open_fields:
        return _in_agreement(ctx, post, read, instagram, plan.agreed, open_conflict)
    fields = plan.conflict_fields(invalid)
    if open_conflict is not None:
        return _update_conflict(ctx, post, read, open_conflict, fields, instagram)
    settings = edit_sync_settings(ctx.store)
    untouched = not plan.clashes and vendly_untouched(product.vendly_edited_at, base_taken_at(product))
    if settings.auto_apply_untouched and untouched and not invalid:
        return _apply(ctx, post, read, instagram, plan.open_fields + plan.agreed)
    return _open_new_conflict(ctx, post, read, fields, instagram)


def _remember_seen(post: KnownPost, read: PostRead) -> None:
    snapshot = dict(post.product.source_snapshot or {})
    snapshot["seen"] = {"fingerprint": read.fingerprint, "caption": read.item.caption, "ai": read.ai}
    post.product.source_snapshot = snapshot
    if post.draft is not None:
        post.draft.source_fingerprint = read.fingerprint


def set_base(product: Product, values: dict[str, Any], caption: str | None, now: datetime,
             fields: list[str] | tuple[str, ...] = SYNC_FIELDS, *, in_step: bool = False) -> None:
    """Move the base of later comparisons to these values (Instagram's, once applied or resolved).

    `in_step` says the product now equals the base in every field: only then does the base's
    time move, so an older Vendly edit still counts as "changed in Vendly" until it is gone.
    """
    snapshot = dict(product.source_snapshot or {})
    if "name" not in snapshot:
        snapshot.update(product_values(product))
    snapshot.update({name: values[name] for name in fields if name in values})
    snapshot["caption"] = caption
    if in_step:
        snapshot["synced_at"] = now.isoformat()
    product.source_snapshot = snapshot


def _apply(ctx: SyncContext, post: KnownPost, read: PostRead, instagram: dict[str, Any],
           fields: list[str]) -> SyncOutcome:
    product = post.product
    before = product_values(product)
    values = {name: instagram[name] for name in fields}
    if "images" in values and read.images is not None:
        values["images"] = read.images  # full image records (thumbnails, sizes), not just keys
    write_fields(product, values)
    product.source_caption = read.item.caption
    set_base(product, instagram, read.item.caption, ctx.now, in_step=True)
    changes = {**field_diff(before, product_values(product)), **_caption_only(read.changes)}
    if ctx.history is not None:
        ctx.history.products_updated = (ctx.history.products_updated or 0) + 1
    record_change(ctx.session, store_id=ctx.store.id, side="instagram", action="product_updated", changes=changes,
                  summary=describe_changes(changes, product.currency), product_id=product.id,
                  draft_id=post.draft.id if post.draft else None, ig_media_id=post.media_id,
                  sync_history_id=ctx.history_id, clock=ctx.clock)
    return SyncOutcome(post.media_id, "product_updated", product_id=product.id, changes=changes)


def _caption_only(changes: dict[str, Any]) -> dict[str, Any]:
    return {"caption": changes["caption"]} if "caption" in changes else {}


def _in_agreement(ctx: SyncContext, post: KnownPost, read: PostRead, instagram: dict[str, Any],
                  agreed: list[str], open_conflict: SyncConflict | None) -> SyncOutcome:
    """Instagram changed nothing the product does not already say: move the base, nothing else.

    An open conflict whose post went back to agreeing with the product is dismissed.
    """
    set_base(post.product, instagram, read.item.caption, ctx.now, agreed)
    conflict_id = None
    if open_conflict is not None:
        open_conflict.status = "dismissed"
        open_conflict.dismissed_reason = "The post no longer differs from the product."
        open_conflict.updated_at = ctx.now
        conflict_id = open_conflict.id
    record_change(ctx.session, store_id=ctx.store.id, side="instagram", action="post_edited", changes=read.changes,
                  summary=describe_changes(read.changes, post.product.currency), product_id=post.product.id,
                  ig_media_id=post.media_id, conflict_id=conflict_id, sync_history_id=ctx.history_id,
                  clock=ctx.clock)
    return SyncOutcome(post.media_id, "recorded", product_id=post.product.id, changes=read.changes,
                       reason="the product already says what the post says")


def _open_conflict(session: Session, product_id: str) -> SyncConflict | None:
    return session.scalar(
        select(SyncConflict).where(SyncConflict.product_id == product_id, SyncConflict.status == "open")
    )


def _conflict_values(instagram: dict[str, Any], read: PostRead) -> dict[str, Any]:
    values = dict(instagram)
    if read.images is not None:
        values["image_records"] = read.images
    return values


def _open_new_conflict(ctx: SyncContext, post: KnownPost, read: PostRead, fields: dict[str, Any],
                       instagram: dict[str, Any]) -> SyncOutcome:
    conflict = SyncConflict(
        id=new_id("scf"), store_id=ctx.store.id, product_id=post.product.id,
        draft_id=post.draft.id if post.draft else None, ig_media_id=post.media_id, status="open",
        fields=fields, instagram_values=_conflict_values(instagram, read), instagram_caption=read.item.caption,
        detections=1, created_at=ctx.now, updated_at=ctx.now,
    )
    try:
        with ctx.session.begin_nested():
            ctx.session.add(conflict)
    except IntegrityError:  # another worker opened it a moment ago: update that one instead
        existing = _open_conflict(ctx.session, post.product.id)
        return _update_conflict(ctx, post, read, existing, fields, instagram)
    _log_conflict(ctx, post, read, conflict, "conflict_opened")
    notify_store(ctx, "sync_conflict", f"Instagram edit to check: {post.product.name}",
           "The post changed after the product was edited in Vendly. Choose what to keep on the Sync page.",
           dedup_key=f"sync_conflict:{conflict.id}")
    return SyncOutcome(post.media_id, "conflict_opened", product_id=post.product.id, conflict_id=conflict.id,
                       changes=read.changes)


def _update_conflict(ctx: SyncContext, post: KnownPost, read: PostRead, conflict: SyncConflict,
                     fields: dict[str, Any], instagram: dict[str, Any]) -> SyncOutcome:
    conflict.fields = fields
    conflict.instagram_values = _conflict_values(instagram, read)
    conflict.instagram_caption = read.item.caption
    conflict.detections = (conflict.detections or 1) + 1
    conflict.updated_at = ctx.now
    _log_conflict(ctx, post, read, conflict, "conflict_updated")
    return SyncOutcome(post.media_id, "conflict_updated", product_id=post.product.id, conflict_id=conflict.id,
                       changes=read.changes)


def _log_conflict(ctx: SyncContext, post: KnownPost, read: PostRead, conflict: SyncConflict, action: str) -> None:
    record_change(ctx.session, store_id=ctx.store.id, side="instagram", action=action, changes=read.changes,
                  summary=describe_changes(read.changes, post.product.currency), product_id=post.product.id,
                  draft_id=conflict.draft_id, ig_media_id=post.media_id, conflict_id=conflict.id,
                  sync_history_id=ctx.history_id, clock=ctx.clock)


def notify_store(ctx: SyncContext, kind: str, title: str, body: str, *, dedup_key: str) -> None:
    """Tell the store's people (in-app notification), once per dedup key."""
    notify(ctx.session, ctx.store.id, kind, title, body, dedup_key=dedup_key, clock=ctx.clock)
