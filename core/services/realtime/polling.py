"""One poll of one connection: new posts, and edits and deletions of known ones.

Meta sends no webhook for a new or edited post, so the worker polls. A poll lists the
posts newer than the newest one we hold (cheap: usually one page), then re-reads known
posts by id (`?ids=`, 50 per call) to catch caption edits and deletions: the most recent
ones, and the next slice of the older ones after the connection's `reconcile_cursor`
(wrapping round), so a post edited or deleted months after it was imported is found too.
Every post seen goes through `reconcile_media`; a known post the re-read no longer finds
is `mark_media_deleted`. The figures go on an `incremental_sync` row.

The schedule and the budget planning around it belong to the worker; this is the unit it runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.clock import Clock
from core.ids import new_id
from core.instagram import GraphClient, GraphError
from core.media import MediaStore
from core.models import InstagramConnection, InstagramSyncHistory, Product, ProductDraft
from core.services.bulk_import.importing import Extractor
from core.services.edit_sync.reconcile import mark_media_deleted, reconcile_media, record_failure

RECENT_KNOWN_POSTS = 50  # re-read each poll: edits mostly happen in a post's first days
# Timestamps have one-second resolution and posts can share one: list a little overlap
# (already-known posts cost nothing more than their place on the page).
LISTING_OVERLAP = timedelta(minutes=10)


def poll_connection(
    session: Session,
    connection: InstagramConnection,
    client: GraphClient,
    extractor: Extractor,
    clock: Clock,
    *,
    media_store: MediaStore | None = None,
    recent: int = RECENT_KNOWN_POSTS,
    sweep: int = 0,
    keep_quiet_run: bool = True,
    on_stop: Callable[[GraphError], None] | None = None,
) -> InstagramSyncHistory:
    """Poll once and commit; returns the run with its figures (status failed on a Graph error).

    With `keep_quiet_run=False` (the scheduled poll job) a run that found nothing new and
    failed nowhere leaves no history row: an account polled every minute would bury the
    history in empty rows. `on_stop` is told the Graph error that stopped a poll (the
    scheduler marks a dead token's connection and backs off from a throttle). `recent` and
    `sweep` are how many of the newest and of the older known posts to re-read."""
    started = time.monotonic()
    run = _start_run(session, connection, clock)
    calls_before = client.budget.total_calls(connection.ig_user_id)
    try:
        seen = _poll_new(session, connection, client, extractor, clock, run, media_store)
        _recheck_known(session, connection, client, extractor, clock, run, media_store, (recent, sweep), seen)
        run.status = "partial_success" if run.posts_failed else "success"
    except GraphError as error:  # the whole poll stopped (token, throttle): keep why, retry next time
        record_failure(run, "-", error)
        run.status = "failed"
        run.last_error = error.message[:500]
        if on_stop is not None:
            on_stop(error)
    run.api_calls_used = client.budget.total_calls(connection.ig_user_id) - calls_before
    run.completed_at = clock.now()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    connection.last_synced_at = run.completed_at
    if not keep_quiet_run and run.status == "success" and not run.posts_processed:
        session.delete(run)
    session.commit()
    return run


def _start_run(session: Session, connection: InstagramConnection, clock: Clock) -> InstagramSyncHistory:
    now = clock.now()
    run = InstagramSyncHistory(
        id=new_id("sync"), store_id=connection.store_id, connection_id=connection.id,
        sync_type="incremental_sync", status="running", options={}, created_at=now, started_at=now,
        posts_found=0, posts_processed=0, drafts_created=0, products_updated=0, posts_skipped=0,
        posts_failed=0, api_calls_used=0, errors=[],
    )
    session.add(run)
    session.flush()
    return run


def _poll_new(session, connection, client, extractor, clock, run, media_store) -> set[str]:
    newest = session.scalar(
        select(ProductDraft.ig_timestamp).where(ProductDraft.store_id == connection.store_id)
        .order_by(ProductDraft.ig_timestamp.desc().nulls_last()).limit(1)
    )
    seen = set()
    # With nothing imported yet, posts from before the connection are a bulk scan's job, not a poll's.
    floor = newest if newest is not None else connection.connected_at
    since = floor - LISTING_OVERLAP if floor is not None else None
    for item in client.list_media(connection.ig_user_id, newer_than=since):
        reconcile_media(session, connection, item, extractor, clock, run, media_store=media_store,
                        refresh=client.get_media)
        seen.add(item.id)
    return seen


def _recheck_known(session, connection, client, extractor, clock, run, media_store, sizes: tuple[int, int],
                   seen: set[str]) -> None:
    recent, sweep = sizes
    newest = [media_id for media_id in recent_known_media(session, connection.store_id, recent)
              if media_id not in seen]
    older = older_known_slice(session, connection.store_id, after=connection.reconcile_cursor, limit=sweep,
                              skip=seen | set(newest))
    known = newest + [media_id for _, media_id in older]
    found = client.get_media_many(known)
    for media_id in known:
        item = found.get(media_id)
        if item is None:
            with session.begin_nested():
                mark_media_deleted(session, connection, media_id, clock, run)
            continue
        reconcile_media(session, connection, item, extractor, clock, run, media_store=media_store,
                        refresh=client.get_media)
    if older:  # only once the slice was read: a poll stopped by Meta reads the same slice next time
        connection.reconcile_cursor = older[-1][0]


def _followed(store_id: str, *columns):
    """Posts we still follow: pending drafts, and products whose post is not gone."""
    return (
        select(*columns)
        .outerjoin(Product, Product.id == ProductDraft.product_id)
        .where(ProductDraft.store_id == store_id)
        .where(or_(ProductDraft.status == "pending",
                   (ProductDraft.status == "approved") & Product.source_deleted_at.is_(None)))
    )


def recent_known_media(session: Session, store_id: str, limit: int) -> list[str]:
    """The newest posts we still follow."""
    stmt = (_followed(store_id, ProductDraft.ig_media_id)
            .order_by(ProductDraft.ig_timestamp.desc().nulls_last(), ProductDraft.id).limit(limit))
    return list(session.scalars(stmt))


def older_known_slice(session: Session, store_id: str, *, after: str | None, limit: int,
                      skip: set[str]) -> list[tuple[str, str]]:
    """Up to `limit` followed posts as (draft id, media id), in draft-id order after the draft
    `after`, wrapping round to the first; posts in `skip` (read already this poll) are left out.

    Draft ids grow with time and never change, so the order holds while posts come and go."""
    if limit <= 0:
        return []
    stmt = _followed(store_id, ProductDraft.id, ProductDraft.ig_media_id).order_by(ProductDraft.id).limit(limit)
    if skip:
        stmt = stmt.where(ProductDraft.ig_media_id.not_in(skip))
    if after is None:
        return [tuple(row) for row in session.execute(stmt)]
    rows = [tuple(row) for row in session.execute(stmt.where(ProductDraft.id > after))]
    if len(rows) < limit:
        wrapped = stmt.where(ProductDraft.id <= after).limit(limit - len(rows))
        rows += [tuple(row) for row in session.execute(wrapped)]
    return rows
