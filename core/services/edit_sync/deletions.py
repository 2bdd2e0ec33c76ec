"""Posts that are gone from Instagram, and posts that come back.

A pending draft is withdrawn; a product is flagged "source post deleted" and, by the
store's setting, hidden or left as it is. Nothing is ever deleted, and a post that
reappears (Instagram lets people archive and unarchive) undoes what we did.
Nothing here commits: the caller does.
"""

from __future__ import annotations

from sqlalchemy import select

from core.models import SyncConflict
from core.services.edit_sync.change_log import record_change
from core.services.edit_sync.post_changes import KnownPost, SyncContext, SyncOutcome, notify_store
from core.services.edit_sync.sync_settings import edit_sync_settings

WITHDRAWN = "withdrawn"


def post_deleted(ctx: SyncContext, post: KnownPost) -> SyncOutcome:
    """Withdraw the pending draft, or flag (and maybe hide) the product. Idempotent."""
    if post.follows_product:
        return _flag_product(ctx, post)
    draft = post.draft
    if draft.status != "pending":
        return SyncOutcome(post.media_id, "skipped", draft_id=draft.id, reason=f"draft is {draft.status}")
    draft.status = WITHDRAWN
    draft.updated_at = ctx.now
    record_change(ctx.session, store_id=ctx.store.id, side="instagram", action="draft_withdrawn",
                  summary="The post was deleted on Instagram; the draft was withdrawn.", draft_id=draft.id,
                  ig_media_id=post.media_id, sync_history_id=ctx.history_id, clock=ctx.clock)
    return SyncOutcome(post.media_id, "withdrawn", draft_id=draft.id)


def _flag_product(ctx: SyncContext, post: KnownPost) -> SyncOutcome:
    product = post.product
    if product.source_deleted_at is not None:
        return SyncOutcome(post.media_id, "skipped", product_id=product.id, reason="already flagged")
    hide = edit_sync_settings(ctx.store).on_delete == "hide" and product.status != "hidden"
    product.source_deleted_at = ctx.now
    snapshot = dict(product.source_snapshot or {})
    if hide:
        snapshot["status_before_hidden"] = product.status
        product.status = "hidden"
    product.source_snapshot = snapshot
    dismissed = _dismiss_open_conflicts(ctx, product.id)
    summary = "The post was deleted on Instagram; the product was " + ("hidden." if hide else "flagged, left as is.")
    changes = {"status": {"from": snapshot["status_before_hidden"], "to": "hidden"}} if hide else {}
    record_change(ctx.session, store_id=ctx.store.id, side="instagram", action="source_deleted", changes=changes,
                  summary=summary, product_id=product.id, ig_media_id=post.media_id, conflict_id=dismissed,
                  sync_history_id=ctx.history_id, clock=ctx.clock)
    notify_store(ctx, "source_deleted", f"Post deleted: {product.name}", summary,
                    dedup_key=f"source_deleted:{product.id}:{ctx.now.isoformat()}")
    if ctx.history is not None:
        ctx.history.products_updated = (ctx.history.products_updated or 0) + 1
    return SyncOutcome(post.media_id, "flagged_deleted", product_id=product.id, conflict_id=dismissed,
                       reason="hidden" if hide else "flagged")


def _dismiss_open_conflicts(ctx: SyncContext, product_id: str) -> str | None:
    conflict = ctx.session.scalar(
        select(SyncConflict).where(SyncConflict.product_id == product_id, SyncConflict.status == "open")
    )
    if conflict is None:
        return None
    conflict.status = "dismissed"
    conflict.dismissed_reason = "The post was deleted on Instagram."
    conflict.updated_at = ctx.now
    return conflict.id


def is_marked_deleted(post: KnownPost) -> bool:
    if post.follows_product:
        return post.product.source_deleted_at is not None
    return post.draft is not None and post.draft.status == WITHDRAWN


def post_restored(ctx: SyncContext, post: KnownPost) -> SyncOutcome:
    """The post is visible again: un-withdraw the draft, or un-flag (and un-hide) the product."""
    if post.follows_product:
        product = post.product
        snapshot = dict(product.source_snapshot or {})
        before = snapshot.pop("status_before_hidden", None)
        if before and product.status == "hidden":
            product.status = before
        product.source_deleted_at = None
        product.source_snapshot = snapshot
        target = {"product_id": product.id}
    else:
        post.draft.status = "pending"
        post.draft.updated_at = ctx.now
        target = {"draft_id": post.draft.id}
    record_change(ctx.session, store_id=ctx.store.id, side="instagram", action="source_restored",
                  summary="The post is visible on Instagram again.", ig_media_id=post.media_id,
                  sync_history_id=ctx.history_id, clock=ctx.clock, **target)
    return SyncOutcome(post.media_id, "restored", **target)
