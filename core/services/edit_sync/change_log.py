"""The per-post change log: every change edit sync or a person makes to a synced post's
draft or product, with what changed, when, and from which side.

Written inside the caller's transaction (it commits with the change it describes);
read scoped to the actor's stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.ids import new_id
from core.models import ProductChange
from core.security import Actor, require_store

SIDES = ("instagram", "vendly", "resolution")
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class ChangeEntry:
    id: str
    created_at: datetime
    side: str
    action: str
    summary: str | None
    changes: dict[str, Any]
    actor: str | None
    product_id: str | None
    draft_id: str | None
    ig_media_id: str | None
    conflict_id: str | None


def record_change(
    session: Session, *, store_id: str, side: str, action: str, changes: dict[str, Any] | None = None,
    summary: str | None = None, product_id: str | None = None, draft_id: str | None = None,
    ig_media_id: str | None = None, actor: str | None = SYSTEM_ACTOR, conflict_id: str | None = None,
    sync_history_id: str | None = None, clock: Clock | None = None,
) -> ProductChange:
    """Add one entry to the change log (the caller commits)."""
    if side not in SIDES:
        raise ValueError(f"unknown side {side!r}; expected one of {SIDES}")
    entry = ProductChange(
        id=new_id("pch"), store_id=store_id, side=side, action=action, changes=_jsonable(changes or {}),
        summary=summary, product_id=product_id, draft_id=draft_id, ig_media_id=ig_media_id, actor=actor,
        conflict_id=conflict_id, sync_history_id=sync_history_id, created_at=(clock or SystemClock()).now(),
    )
    session.add(entry)
    return entry


def _jsonable(value: Any) -> Any:
    """Decimals and dates as text, so the JSON column takes any product value."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def list_changes(
    session: Session, actor: Actor, store_id: str, *, ig_media_id: str | None = None,
    product_id: str | None = None, side: str | None = None, limit: int = 200,
) -> list[ChangeEntry]:
    """A store's change log, newest first; narrowed to one post (by media or product id)."""
    require_store(session, actor, store_id)
    stmt = select(ProductChange).where(ProductChange.store_id == store_id)
    post = [column == value for column, value in
            ((ProductChange.ig_media_id, ig_media_id), (ProductChange.product_id, product_id)) if value]
    if post:
        stmt = stmt.where(or_(*post))
    if side:
        stmt = stmt.where(ProductChange.side == side)
    stmt = stmt.order_by(ProductChange.created_at.desc(), ProductChange.id.desc()).limit(max(1, min(limit, 1000)))
    return [_entry(row) for row in session.scalars(stmt)]


def _entry(row: ProductChange) -> ChangeEntry:
    return ChangeEntry(
        id=row.id, created_at=row.created_at, side=row.side, action=row.action, summary=row.summary,
        changes=dict(row.changes or {}), actor=row.actor, product_id=row.product_id, draft_id=row.draft_id,
        ig_media_id=row.ig_media_id, conflict_id=row.conflict_id,
    )
