"""The one entry the polling job and the webhook-event job call for every post they see.

    outcome = reconcile_media(session, connection, item, extractor, clock, history,
                              media_store=media_store, refresh=client.get_media)
    mark_media_deleted(session, connection, ig_media_id, clock, history)

A new post goes to the importer; a known post with an unchanged fingerprint costs
nothing; a changed one goes to edit sync (draft update, product update or conflict).
The caller commits.

Errors: with a `history` row (a poll run), a post that fails is rolled back to a
savepoint, counted in `posts_failed` with its reason in `errors`, and the run goes on;
its fingerprint is not updated, so the next poll tries it again. A dead token
(`TokenInvalid`, `PermissionMissing`, say at a CDN re-read) is not one post's problem:
it propagates, so the poll stops and its connection is marked. Without a run (a
webhook event), every error propagates so the event's own retry and backoff apply; a
change made without a run gets a small `edit_sync` history row of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from core.clock import Clock
from core.ids import new_id
from core.instagram import MediaItem, PermissionMissing, TokenInvalid
from core.media import MediaStore
from core.models import InstagramConnection, InstagramSyncHistory, Store
from core.services.edit_sync.post_changes import (
    KnownPost,
    SyncContext,
    SyncOutcome,
    has_changed,
    known_post,
    read_post,
    record_only,
    update_draft,
    update_product_from_post,
)
from core.services.edit_sync.deletions import is_marked_deleted, post_deleted, post_restored
from core.services.bulk_import.importing import Extractor, ImportTarget, import_media

# Outcomes that changed nothing worth a history row of their own.
QUIET = ("unchanged", "skipped")
MAX_ERRORS_KEPT = 200


def reconcile_media(
    session: Session,
    connection: InstagramConnection,
    media_item: MediaItem,
    extractor: Extractor,
    clock: Clock,
    history: InstagramSyncHistory | None = None,
    *,
    media_store: MediaStore | None = None,
    refresh: Callable[[str], MediaItem] | None = None,
) -> SyncOutcome:
    """Bring our copy of one post in line with Instagram's. The caller commits.

    `media_store` is needed to import a new post and to copy the slides of a post whose
    media changed; `refresh` (a Graph `get_media`) renews expired CDN addresses.
    """
    ctx = SyncContext(session, session.get(Store, connection.store_id), clock, history)
    if history is None:
        outcome = _reconcile(ctx, connection, media_item, extractor, media_store, refresh)
        _own_run(ctx, connection, outcome)
        return outcome
    history.posts_found = (history.posts_found or 0) + 1
    try:
        with session.begin_nested():
            outcome = _reconcile(ctx, connection, media_item, extractor, media_store, refresh)
    except (TokenInvalid, PermissionMissing):
        raise  # the connection's problem, not this post's: the poll stops and marks it
    except Exception as error:  # kept on the run, never lost; the next poll retries the post
        record_failure(history, media_item.id, error)
        return SyncOutcome(media_item.id, "failed", reason=f"{type(error).__name__}: {error}"[:300])
    _count(history, outcome)
    return outcome


def _reconcile(ctx: SyncContext, connection: InstagramConnection, item: MediaItem, extractor: Extractor,
               media_store: MediaStore | None, refresh: Callable[[str], MediaItem] | None) -> SyncOutcome:
    post = known_post(ctx.session, ctx.store.id, item.id)
    if post is None:
        return _import_new(ctx, connection, item, extractor, media_store, refresh)
    restored = post_restored(ctx, post) if is_marked_deleted(post) else None
    if not has_changed(post, item):
        return restored or SyncOutcome(item.id, "unchanged")
    read = read_post(ctx, post, item, extractor, media_store, refresh)
    return _apply_read(ctx, post, read)


def _apply_read(ctx: SyncContext, post: KnownPost, read) -> SyncOutcome:
    if post.follows_product:
        return update_product_from_post(ctx, post, read)
    if post.draft is not None and post.draft.status == "pending":
        return update_draft(ctx, post, read)
    return record_only(ctx, post, read)


def _import_new(ctx: SyncContext, connection: InstagramConnection, item: MediaItem, extractor: Extractor,
                media_store: MediaStore | None, refresh: Callable[[str], MediaItem] | None) -> SyncOutcome:
    if media_store is None:
        raise ValueError("reconcile_media needs a media_store to import a new post")
    target = ImportTarget.for_connection(ctx.session, connection, sync_history_id=ctx.history_id)
    result = import_media(ctx.session, item, target=target, extractor=extractor, media_store=media_store,
                          refresh=refresh, clock=ctx.clock)
    return SyncOutcome(item.id, result.status, draft_id=result.draft_id, reason=result.reason)


def mark_media_deleted(
    session: Session,
    connection: InstagramConnection,
    ig_media_id: str,
    clock: Clock,
    history: InstagramSyncHistory | None = None,
) -> SyncOutcome:
    """A known post is gone (404, or absent from a full listing): withdraw or flag. The caller commits.

    With a `history` row the post counts in its figures like any other post the run looked at."""
    ctx = SyncContext(session, session.get(Store, connection.store_id), clock, history)
    post = known_post(session, connection.store_id, str(ig_media_id))
    if post is None:
        outcome = SyncOutcome(str(ig_media_id), "skipped", reason="not a post this store imported")
    else:
        outcome = post_deleted(ctx, post)
    if history is None:
        _own_run(ctx, connection, outcome)
    else:
        history.posts_found = (history.posts_found or 0) + 1
        _count(history, outcome)
    return outcome


# --- run bookkeeping ------------------------------------------------------------------------------


def _count(history: InstagramSyncHistory, outcome: SyncOutcome) -> None:
    """The seed's figures: every post seen is processed or skipped; drafts made are counted.

    `products_updated` is counted where the product changes (edit sync), not here.
    """
    if outcome.status in QUIET:
        history.posts_skipped = (history.posts_skipped or 0) + 1
        return
    history.posts_processed = (history.posts_processed or 0) + 1
    if outcome.status == "created":
        history.drafts_created = (history.drafts_created or 0) + 1


def record_failure(history: InstagramSyncHistory, media_id: str, error: Exception) -> None:
    history.posts_failed = (history.posts_failed or 0) + 1
    errors = list(history.errors or [])
    if len(errors) < MAX_ERRORS_KEPT:
        errors.append({"media_id": media_id, "error": type(error).__name__, "message": str(error)[:300]})
    history.errors = errors  # a new list, so the JSON column is written


def _own_run(ctx: SyncContext, connection: InstagramConnection, outcome: SyncOutcome) -> None:
    """A change made outside a run (a webhook hint) still shows in the sync history."""
    if outcome.status in QUIET:
        return
    now = ctx.now
    products_updated = 1 if outcome.status in ("product_updated", "flagged_deleted") else 0
    ctx.session.add(InstagramSyncHistory(
        id=new_id("sync"), store_id=ctx.store.id, connection_id=connection.id, sync_type="edit_sync",
        status="success", options={"media_id": outcome.media_id, "outcome": outcome.status},
        posts_found=1, posts_processed=1, drafts_created=1 if outcome.status == "created" else 0,
        products_updated=products_updated, created_at=now, started_at=now, completed_at=now, duration_ms=0,
    ))
