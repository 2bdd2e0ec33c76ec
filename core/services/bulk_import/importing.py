"""Turning Instagram posts into drafts: the one path shared by the scan, polling and webhooks.

Importing is idempotent on `ig_media_id`: a post already drafted (or already a
product) is skipped before any work, and the insert itself is `ON CONFLICT DO
NOTHING` on the unique `ig_media_id`, so two workers racing on the same post make
one draft and neither fails.

The slow part (downloading images, extracting) touches no database, so a scan can
run it for many posts in threads and then insert in one short transaction:
`prepare_post` → `Extractor.extract[_many]` → `insert_draft`. `import_media` does
the three for one post (the webhook and polling jobs' entry).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.extraction.schema import ExtractedProduct
from core.ids import new_id
from core.instagram import GraphError, MediaItem, PermissionMissing, TokenInvalid
from core.media import MediaError, MediaStore, MediaUrlExpired
from core.models import InstagramConnection, Product, ProductDraft, Store
from core.services.edit_sync.sync_rules import post_fingerprint
from core.services.usage.ai_usage import record_ai_usages
from core.services.review.approval import on_draft_created

log = logging.getLogger("catalog_sync.importing")

DEFAULT_DRAFT_LIFETIME_DAYS = 7


class Extractor(Protocol):
    def extract(
        self, caption: str, media_type: str, image_bytes: bytes | None = None, default_currency: str = "KES"
    ) -> ExtractedProduct: ...


@dataclass
class PreparedPost:
    """A post with its images copied: everything a draft needs except the extraction."""

    item: MediaItem
    images: list[dict[str, Any]] = field(default_factory=list)
    image_errors: list[dict[str, str]] = field(default_factory=list)
    first_image: bytes | None = field(default=None, repr=False)  # for image-aware extractors
    refreshed: bool = False  # the media was re-read for fresh CDN addresses


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one post: `created`, `skipped` (already there) or `failed`."""

    media_id: str
    status: str
    draft_id: str | None = None
    reason: str | None = None
    image_errors: tuple[dict[str, str], ...] = ()


@dataclass
class ImportTarget:
    """Where drafts go: the store and connection, and the run that made them."""

    store_id: str
    connection_id: str | None
    default_currency: str = "KES"
    sync_history_id: str | None = None
    draft_lifetime_days: int = DEFAULT_DRAFT_LIFETIME_DAYS

    @classmethod
    def for_connection(
        cls, session: Session, connection: InstagramConnection, *, sync_history_id: str | None = None,
        draft_lifetime_days: int = DEFAULT_DRAFT_LIFETIME_DAYS,
    ) -> ImportTarget:
        store = session.get(Store, connection.store_id)
        return cls(
            store_id=connection.store_id,
            connection_id=connection.id,
            default_currency=(store.default_currency if store else None) or "KES",
            sync_history_id=sync_history_id,
            draft_lifetime_days=draft_lifetime_days,
        )


# --- what is already there --------------------------------------------------------------------


def already_imported(session: Session, media_ids: Iterable[str]) -> set[str]:
    """The ids among `media_ids` that have a draft or an Instagram product already (any store)."""
    ids = list(dict.fromkeys(str(i) for i in media_ids))
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(session.scalars(select(ProductDraft.ig_media_id).where(ProductDraft.ig_media_id.in_(chunk))))
        found.update(
            session.scalars(
                select(Product.source_external_id).where(
                    Product.source_type == "instagram", Product.source_external_id.in_(chunk)
                )
            )
        )
    return found


def drafts_of_run(session: Session, sync_history_id: str, media_ids: Iterable[str]) -> set[str]:
    """The ids among `media_ids` drafted by this run: a resumed scan counts them as its own."""
    ids = list(media_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(ProductDraft.ig_media_id).where(
                ProductDraft.sync_history_id == sync_history_id, ProductDraft.ig_media_id.in_(ids)
            )
        )
    )


# --- images -----------------------------------------------------------------------------------


def prepare_post(
    item: MediaItem,
    media_store: MediaStore,
    namespace: str,
    refresh: Callable[[str], MediaItem] | None = None,
) -> PreparedPost:
    """Copy every image of the post into the media store. Never raises for an image.

    An image that fails its checks is left out and its reason kept. When the CDN
    says the signed address expired (403/410), the media is re-read once through
    `refresh` (a Graph `get_media`) for fresh addresses. A dead token at that re-read
    (`TokenInvalid`, `PermissionMissing`) is raised, not kept as an image problem: it
    is about the connection, and the caller must stop and mark it.
    """
    prepared = PreparedPost(item=item)
    urls = image_urls(item)
    for position in range(len(urls)):
        stored = _copy_one(prepared, urls, position, media_store, namespace, refresh)
        if stored is not None:
            prepared.images.append(stored)
    return prepared


def image_urls(item: MediaItem) -> list[str]:
    """One picture per slide: a video's `media_url` is the video file, so take its thumbnail."""
    if item.children:
        picked = [(c.thumbnail_url or c.media_url) if c.media_type == "VIDEO" else c.display_url for c in item.children]
    elif item.media_type == "VIDEO":
        picked = [item.thumbnail_url or (item.media_urls[0] if item.media_urls else None)]
    else:
        picked = list(item.media_urls)
    return [url for url in picked if url]


def _copy_one(
    prepared: PreparedPost,
    urls: list[str],
    position: int,
    media_store: MediaStore,
    namespace: str,
    refresh: Callable[[str], MediaItem] | None,
) -> dict[str, Any] | None:
    url = urls[position]
    try:
        data = media_store.fetch(url)
    except MediaUrlExpired as error:
        fresh = _refreshed_urls(prepared, refresh)
        if fresh is None or position >= len(fresh):
            return _image_failed(prepared, url, error)
        urls[:] = fresh
        url = fresh[position]
        try:
            data = media_store.fetch(url)
        except MediaError as again:
            return _image_failed(prepared, url, again)
    except MediaError as error:
        return _image_failed(prepared, url, error)
    try:
        stored = media_store.store_bytes(data, url, namespace)
    except MediaError as error:
        return _image_failed(prepared, url, error)
    if prepared.first_image is None:
        prepared.first_image = media_store.read(stored.key)
    return stored.as_dict()


def _refreshed_urls(prepared: PreparedPost, refresh: Callable[[str], MediaItem] | None) -> list[str] | None:
    """Fresh addresses from one Graph re-read per post (never a second one)."""
    if refresh is None or prepared.refreshed:
        return None
    prepared.refreshed = True
    try:
        fresh = refresh(prepared.item.id)
    except (TokenInvalid, PermissionMissing):
        raise
    except GraphError as error:
        prepared.image_errors.append({"reason": "refresh_failed", "detail": error.message[:300]})
        return None
    return image_urls(fresh)


def _image_failed(prepared: PreparedPost, url: str, error: MediaError) -> None:
    prepared.image_errors.append({"reason": error.reason, "detail": str(error)[:300], "url": _no_query(url)})
    log.info("image of media %s left out: %s (%s)", prepared.item.id, error.reason, error)
    return None


def _no_query(url: str) -> str:
    return url.split("?", 1)[0][:300]


# --- drafts -----------------------------------------------------------------------------------


def source_fingerprint(item: MediaItem) -> str:
    """What the post said when we read it; edit sync compares it to spot a changed post."""
    return post_fingerprint(item.media_type, item.caption, item.children_ids)


def draft_values(
    prepared: PreparedPost, extracted: ExtractedProduct, target: ImportTarget, now: datetime
) -> dict[str, Any]:
    """The `product_draft` row for a prepared, extracted post."""
    item = prepared.item
    return {
        "id": new_id("draft"),
        "store_id": target.store_id,
        "connection_id": target.connection_id,
        "ig_media_id": item.id,
        "ig_media_type": item.media_type,
        "ig_permalink": item.permalink,
        "ig_caption": item.caption,
        "ig_timestamp": item.timestamp,
        "ig_media_urls": list(item.media_urls),
        "images": prepared.images,
        "extracted_data": extracted.model_dump(mode="json"),
        "seller_edits": {},
        "confidence": extracted.confidence,
        "extractor": extracted.extractor,
        "status": "pending",
        "auto_approved": False,
        "expires_at": now + timedelta(days=target.draft_lifetime_days),
        "source_fingerprint": source_fingerprint(item),
        "sync_history_id": target.sync_history_id,
        "created_at": now,
        "updated_at": now,
    }


def insert_draft(session: Session, values: dict[str, Any]) -> bool:
    """Insert unless the post is drafted already; True when this call created the draft."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ProductDraft)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["ig_media_id"])
        .returning(ProductDraft.id)  # rowcount is not reliable for ON CONFLICT on every driver
    )
    return session.execute(statement).first() is not None


def finish_new_draft(
    session: Session, draft_id: str, extracted: ExtractedProduct, store_id: str, *, notify_person: bool, clock: Clock
) -> None:
    """Record the draft's AI calls, then hand it to review (auto-approve, or a notification)."""
    record_ai_usages(session, extracted.usage or [], store_id=store_id, draft_id=draft_id, clock=clock)
    draft = session.get(ProductDraft, draft_id)
    if draft is not None:
        on_draft_created(session, draft, notify_person=notify_person, clock=clock)


# --- one post, start to end ---------------------------------------------------------------------


def import_media(
    session: Session,
    item: MediaItem,
    *,
    target: ImportTarget,
    extractor: Extractor,
    media_store: MediaStore,
    refresh: Callable[[str], MediaItem] | None = None,
    clock: Clock | None = None,
    notify_person: bool = True,
) -> ImportOutcome:
    """Import one post into a draft if it is new. The caller commits.

    For the polling and webhook jobs (the scan does the same steps in batches).
    """
    clock = clock or SystemClock()
    if already_imported(session, [item.id]):
        return ImportOutcome(item.id, "skipped", reason="already imported")
    prepared = prepare_post(item, media_store, target.store_id, refresh)
    extracted = extractor.extract(item.caption, item.media_type, prepared.first_image, target.default_currency)
    values = draft_values(prepared, extracted, target, clock.now())
    if not insert_draft(session, values):
        return ImportOutcome(item.id, "skipped", reason="drafted concurrently")
    finish_new_draft(session, values["id"], extracted, target.store_id, notify_person=notify_person, clock=clock)
    return ImportOutcome(item.id, "created", values["id"], image_errors=tuple(prepared.image_errors))
