"""In-app notifications: "New product detected", "N drafts expire tomorrow", "Scan finished".

Writers (scan, sync, the expiry job) call `notify*` inside their own transaction and
commit it themselves. Readers (the sidebar counter and list) go through the actor's
scoping like every other service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.ids import new_id
from core.models import InstagramConnection, Notification, ProductDraft
from core.security import Actor, require_store
from core.services.review.draft_rules import effective_values

KINDS = (
    "new_draft", "auto_approved", "drafts_expiring", "scan_finished",
    "sync_conflict", "source_deleted", "connection_expired",
)


def notify(
    session: Session, store_id: str, kind: str, title: str, body: str | None = None, *,
    draft_id: str | None = None, dedup_key: str | None = None, clock: Clock | None = None,
) -> None:
    """Add a notification; with a `dedup_key`, a second call with the same key adds nothing.

    The insert skips a clashing key in the database (ON CONFLICT DO NOTHING), so two
    workers sending the same notice at once still send it once.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    values = dict(
        id=new_id("ntf"), store_id=store_id, kind=kind, title=title[:200], body=body,
        draft_id=draft_id, dedup_key=dedup_key, created_at=(clock or SystemClock()).now(),
    )
    session.execute(_insert_ignoring_duplicates(session).values(**values))


def _insert_ignoring_duplicates(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(Notification).on_conflict_do_nothing(index_elements=["dedup_key"])
    if dialect == "sqlite":
        return sqlite.insert(Notification).on_conflict_do_nothing(index_elements=["dedup_key"])
    return insert(Notification)


def notify_new_draft(session: Session, draft: ProductDraft, clock: Clock | None = None) -> None:
    """"New product detected" for a draft that sync found (a bulk scan sends one summary instead)."""
    name = effective_values(draft.extracted_data, draft.seller_edits).get("name") or "a new post"
    notify(
        session, draft.store_id, "new_draft", f"New product detected: {name}",
        "A new Instagram post is waiting for your review.",
        draft_id=draft.id, dedup_key=f"new_draft:{draft.id}", clock=clock,
    )


def notify_scan_finished(
    session: Session, store_id: str, sync_id: str, status: str, drafts_created: int, clock: Clock | None = None,
) -> None:
    title = f"Scan finished: {drafts_created} new draft{'s' if drafts_created != 1 else ''}"
    if status not in ("success", "completed"):
        title += f" ({status.replace('_', ' ')})"
    notify(session, store_id, "scan_finished", title, dedup_key=f"scan_finished:{sync_id}", clock=clock)


def notify_connection_broken(session: Session, connection: InstagramConnection, clock: Clock | None = None) -> None:
    """"Reconnect your Instagram account": once per connection and status change, whoever noticed it
    first (a scan that met a dead token, or the token-upkeep job)."""
    now = (clock or SystemClock()).now()
    changed = (connection.status_changed_at or connection.updated_at or now).isoformat()
    notify(
        session, connection.store_id, "connection_expired",
        "Reconnect your Instagram account",
        f"Catalog Sync can no longer read @{connection.ig_username or connection.ig_user_id}: "
        f"{connection.status_reason or connection.status}. New posts are not synced until you reconnect "
        "on the Connect page.",
        dedup_key=f"connection_broken:{connection.id}:{connection.status}:{changed}", clock=clock,
    )


@dataclass(frozen=True)
class NotificationView:
    """A notification as the sidebar shows it (plain values, safe after the session closes)."""

    id: str
    kind: str
    title: str
    body: str | None
    draft_id: str | None
    created_at: datetime
    read_at: datetime | None


def list_notifications(session: Session, actor: Actor, store_id: str, limit: int = 20) -> list[NotificationView]:
    require_store(session, actor, store_id)
    stmt = (
        select(Notification).where(Notification.store_id == store_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    )
    return [
        NotificationView(n.id, n.kind, n.title, n.body, n.draft_id, n.created_at, n.read_at)
        for n in session.scalars(stmt)
    ]


def unread_count(session: Session, actor: Actor, store_id: str) -> int:
    require_store(session, actor, store_id)
    stmt = select(func.count()).where(Notification.store_id == store_id, Notification.read_at.is_(None))
    return int(session.scalar(stmt) or 0)


def mark_read(
    session: Session, actor: Actor, store_id: str, notification_ids: list[str] | None = None,
    now: datetime | None = None,
) -> int:
    """Mark some (or, with None, all) of a store's notifications read; returns how many changed."""
    require_store(session, actor, store_id)
    stmt = update(Notification).where(Notification.store_id == store_id, Notification.read_at.is_(None))
    if notification_ids is not None:
        stmt = stmt.where(Notification.id.in_(notification_ids))
    changed = session.execute(
        stmt.values(read_at=now or SystemClock().now()).execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return changed
