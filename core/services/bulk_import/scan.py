"""Bulk import (US-4): asking for a scan, and reading its progress.

The UI never scans. `request_scan` writes an `instagram_sync_history` row
(`sync_type='bulk_import'`, status `queued`) and the worker runs it
(`core/services/bulk_import/scan_runner.py`), updating the same row as it goes; the Scan page
polls that row. A store has at most one scan queued or running: a second request
gets the first one's id, and a partial unique index makes that hold even when two
requests race.

The option rules (`ScanOptions`, `skip_reason`) and the time estimate are pure
functions, tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.ids import new_id
from core.instagram import MediaItem
from core.models import InstagramConnection, InstagramSyncHistory
from core.security import Actor, require_store

SYNC_TYPE = "bulk_import"
ACTIVE_STATUSES = ("queued", "running")
FINAL_STATUSES = ("success", "partial_success", "failed")
MAX_POSTS = 10_000  # Meta's /media lists at most the 10,000 newest posts
DAYS_PER_MONTH = 30.44


class ScanOptions(BaseModel):
    """What the seller asked to import (seed 5.2 / 6.2). Stored on the scan row as JSON."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int | None = Field(default=None, ge=1, le=MAX_POSTS, description="newest N matching posts")
    include_videos: bool = False
    include_carousels: bool = True
    months: int | None = Field(default=None, ge=1, le=120, description="only posts from the last N months")

    @property
    def takes_every_type(self) -> bool:
        return self.include_videos and self.include_carousels


def parse_scan_options(raw: dict[str, Any] | ScanOptions | None) -> ScanOptions:
    """Options from a form or the CLI; `ValidationFailed` naming each bad field."""
    if isinstance(raw, ScanOptions):
        return raw
    try:
        return ScanOptions.model_validate(raw or {})
    except ValidationError as error:
        problems = {".".join(str(p) for p in e["loc"]) or "options": e["msg"] for e in error.errors()}
        raise ValidationFailed("Those scan options are not valid.", problems) from None


def oldest_wanted(options: ScanOptions, now: datetime) -> datetime | None:
    """Posts at or before this moment are out of the "last N months" window."""
    if options.months is None:
        return None
    return now - timedelta(days=round(options.months * DAYS_PER_MONTH))


def skip_reason(item: MediaItem, options: ScanOptions, cutoff: datetime | None) -> str | None:
    """Why the options leave this post out, or None when it is wanted."""
    if item.media_type == "VIDEO" and not options.include_videos:
        return "video"
    if item.is_carousel and not options.include_carousels:
        return "carousel"
    if cutoff is not None and item.timestamp <= cutoff:
        return "older"
    return None


def seconds_left(processed: int, total: int, elapsed_seconds: float) -> float | None:
    """A plain rate estimate; None until there is a rate to go on."""
    if processed <= 0 or total <= 0 or elapsed_seconds <= 0:
        return None
    remaining = max(0, total - processed)
    return remaining * elapsed_seconds / processed


# --- requesting ---------------------------------------------------------------------------------


def request_scan(
    session: Session,
    actor: Actor,
    store_id: str,
    options: dict[str, Any] | ScanOptions | None = None,
    *,
    clock: Clock | None = None,
) -> str:
    """Queue a bulk import for the store and return its id (or the id of the one already active).

    Commits. Raises `ValidationFailed` for bad options or a store without a usable
    Instagram connection.
    """
    require_store(session, actor, store_id)
    parsed = parse_scan_options(options)
    connection = _usable_connection(session, store_id)
    existing = active_scan_id(session, store_id)
    if existing is not None:
        return existing
    now = (clock or SystemClock()).now()
    scan = InstagramSyncHistory(
        id=new_id("sync"),
        store_id=store_id,
        connection_id=connection.id,
        sync_type=SYNC_TYPE,
        status="queued",
        options=parsed.model_dump(),
        errors=[],
        requested_by=actor.user_id,
        created_at=now,
    )
    session.add(scan)
    try:
        session.commit()
    except IntegrityError:
        # Another request queued one between our check and our insert: the index kept it to one.
        session.rollback()
        existing = active_scan_id(session, store_id)
        if existing is None:
            raise
        return existing
    return scan.id


def _usable_connection(session: Session, store_id: str) -> InstagramConnection:
    connection = session.scalar(select(InstagramConnection).where(InstagramConnection.store_id == store_id))
    if connection is None or not connection.access_token_encrypted:
        raise ValidationFailed("Connect an Instagram account before scanning.", {"store": "not connected"})
    if connection.status != "active":
        reason = connection.status_reason or f"the connection is {connection.status}"
        raise ValidationFailed(f"Reconnect Instagram before scanning: {reason}", {"store": "reconnect needed"})
    return connection


def active_scan_id(session: Session, store_id: str) -> str | None:
    return session.scalar(
        select(InstagramSyncHistory.id).where(
            InstagramSyncHistory.store_id == store_id,
            InstagramSyncHistory.sync_type == SYNC_TYPE,
            InstagramSyncHistory.status.in_(ACTIVE_STATUSES),
        )
    )


# --- reading progress ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanView:
    """One scan as the Scan page and the CLI show it."""

    id: str
    store_id: str
    status: str
    options: dict[str, Any]
    total: int
    processed: int
    drafts_created: int
    skipped: int
    failed: int
    api_calls_used: int
    errors: list[dict[str, Any]]
    created_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    duration_ms: int | None
    last_error: str | None
    seconds_left: float | None
    next_attempt_at: datetime | None = None  # a queued retry waits until then (backoff)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def fraction_done(self) -> float:
        if self.status in FINAL_STATUSES:
            return 1.0
        return min(1.0, self.processed / self.total) if self.total else 0.0

    def summary(self) -> dict[str, Any]:
        """The JSON the CLI prints (and benchmarks read)."""
        return {
            "scan_id": self.id,
            "store_id": self.store_id,
            "status": self.status,
            "posts_found": self.total,
            "posts_processed": self.processed,
            "drafts_created": self.drafts_created,
            "posts_skipped": self.skipped,
            "posts_failed": self.failed,
            "api_calls_used": self.api_calls_used,
            "duration_ms": self.duration_ms,
            "errors": len(self.errors),
            "last_error": self.last_error,
        }


def view_of(scan: InstagramSyncHistory, now: datetime) -> ScanView:
    elapsed = (now - scan.started_at).total_seconds() if scan.started_at else 0.0
    active = scan.status in ACTIVE_STATUSES
    return ScanView(
        id=scan.id,
        store_id=scan.store_id,
        status=scan.status,
        options=dict(scan.options or {}),
        total=scan.posts_found or 0,
        processed=scan.posts_processed or 0,
        drafts_created=scan.drafts_created or 0,
        skipped=scan.posts_skipped or 0,
        failed=scan.posts_failed or 0,
        api_calls_used=scan.api_calls_used or 0,
        errors=list(scan.errors or []),
        created_at=scan.created_at,
        started_at=scan.started_at,
        completed_at=scan.completed_at,
        duration_ms=scan.duration_ms,
        last_error=scan.last_error,
        seconds_left=seconds_left(scan.posts_processed or 0, scan.posts_found or 0, elapsed) if active else None,
        next_attempt_at=scan.next_attempt_at if scan.status == "queued" else None,
    )


def get_scan(session: Session, actor: Actor, scan_id: str, *, clock: Clock | None = None) -> ScanView:
    """A scan the actor may see; a seller asking for another store's scan gets NotFound."""
    scan = session.get(InstagramSyncHistory, scan_id, populate_existing=True)
    if scan is None or scan.sync_type != SYNC_TYPE:
        raise NotFound("That scan does not exist.")
    try:
        require_store(session, actor, scan.store_id)
    except PermissionDenied:
        raise NotFound("That scan does not exist.") from None
    return view_of(scan, (clock or SystemClock()).now())


def recent_scans(
    session: Session, actor: Actor, store_id: str, *, limit: int = 10, clock: Clock | None = None
) -> list[ScanView]:
    require_store(session, actor, store_id)
    rows = session.scalars(
        select(InstagramSyncHistory)
        .where(InstagramSyncHistory.store_id == store_id, InstagramSyncHistory.sync_type == SYNC_TYPE)
        .order_by(InstagramSyncHistory.created_at.desc(), InstagramSyncHistory.id.desc())
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    now = (clock or SystemClock()).now()
    return [view_of(row, now) for row in rows]


def current_scan(session: Session, actor: Actor, store_id: str, *, clock: Clock | None = None) -> ScanView | None:
    """The store's queued or running scan, else its latest one, else None."""
    scans = recent_scans(session, actor, store_id, limit=1, clock=clock)
    active = active_scan_id(session, store_id)
    if active is not None and (not scans or scans[0].id != active):
        return get_scan(session, actor, active, clock=clock)
    return scans[0] if scans else None
