"""Conflicts as people see and resolve them, and the sync history the Sync page lists.

Every function takes the acting user: a seller only ever reaches their own store's
conflicts, and another store's conflict id answers "not found" like one that does not
exist. Resolving claims the conflict with a conditional UPDATE, so two people resolving
at once cannot both write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.errors import NotFound, ValidationFailed
from core.models import InstagramSyncHistory, Product, SyncConflict
from core.security import Actor, require_store, scope_to_actor
from core.services.edit_sync.change_log import record_change
from core.services.review.draft_rules import clean_changes
from core.services.edit_sync.post_changes import set_base
from core.services.review.products import product_values, write_fields
from core.services.edit_sync.sync_rules import SYNC_FIELDS, chosen_values, describe_changes, field_diff, same

CONFLICT_STATUSES = ("open", "resolved", "dismissed")


@dataclass(frozen=True)
class ConflictView:
    """One conflict with Vendly's side read live (a person may have edited since it opened)."""

    id: str
    store_id: str
    product_id: str
    product_name: str
    ig_media_id: str
    permalink: str | None
    status: str
    fields: dict[str, dict[str, Any]]  # per field: base, instagram, vendly (live), suggested, ...
    instagram_caption: str | None
    detections: int
    created_at: datetime
    updated_at: datetime
    currency: str | None
    resolution: dict[str, Any] | None


def _scoped(actor: Actor):
    return scope_to_actor(select(SyncConflict), SyncConflict.store_id, actor)


def list_conflicts(session: Session, actor: Actor, store_id: str, status: str = "open",
                   limit: int = 100) -> list[ConflictView]:
    """A store's conflicts of one status, most recently changed first."""
    require_store(session, actor, store_id)
    if status not in CONFLICT_STATUSES:
        raise ValidationFailed(f"Unknown conflict status {status!r}.")
    stmt = _scoped(actor).where(SyncConflict.store_id == store_id, SyncConflict.status == status)
    rows = session.scalars(stmt.order_by(SyncConflict.updated_at.desc(), SyncConflict.id).limit(limit))
    return [_view(session, row) for row in rows]


def count_open_conflicts(session: Session, actor: Actor, store_id: str) -> int:
    require_store(session, actor, store_id)
    return session.scalar(select(func.count()).select_from(SyncConflict).where(
        SyncConflict.store_id == store_id, SyncConflict.status == "open")) or 0


def get_conflict(session: Session, actor: Actor, conflict_id: str) -> ConflictView:
    return _view(session, _conflict_for(session, actor, conflict_id))


def _conflict_for(session: Session, actor: Actor, conflict_id: str) -> SyncConflict:
    conflict = session.scalar(_scoped(actor).where(SyncConflict.id == conflict_id))
    if conflict is None:
        raise NotFound("That conflict does not exist or is not in your store.")
    return conflict


def _view(session: Session, conflict: SyncConflict) -> ConflictView:
    product = session.get(Product, conflict.product_id)
    live = product_values(product)
    fields = {
        name: {**entry, "vendly": live.get(name) if conflict.status == "open" else entry.get("vendly")}
        for name, entry in (conflict.fields or {}).items()
    }
    return ConflictView(
        id=conflict.id, store_id=conflict.store_id, product_id=product.id, product_name=product.name,
        ig_media_id=conflict.ig_media_id, permalink=product.source_permalink, status=conflict.status,
        fields=fields, instagram_caption=conflict.instagram_caption, detections=conflict.detections or 1,
        created_at=conflict.created_at, updated_at=conflict.updated_at, currency=product.currency,
        resolution=conflict.resolution,
    )


# --- resolving ------------------------------------------------------------------------------------


def resolve_conflict(session: Session, actor: Actor, conflict_id: str, choices: dict[str, Any],
                     clock: Clock | None = None) -> Product:
    """Apply a person's choice per field ("vendly", "instagram" or {"edit": value}) and commit.

    The product gets the chosen values; the base moves to Instagram's side, so the next
    comparison starts from what the post says now. If the result differs from the post,
    the product counts as edited in Vendly (a later post edit asks again).
    """
    now = (clock or SystemClock()).now()
    conflict = _conflict_for(session, actor, conflict_id)
    if conflict.status != "open":
        raise ValidationFailed(f"This conflict is already {conflict.status}.")
    product = session.get(Product, conflict.product_id)
    picked = chosen_values(conflict.fields or {}, choices, product_values(product))
    values = _validated(product, conflict, picked)
    _claim(session, conflict, actor, picked, now)
    before = product_values(product)
    write_fields(product, values)
    instagram = conflict.instagram_values or {}
    in_step = all(same(name, product_values(product)[name], instagram.get(name)) for name in SYNC_FIELDS
                  if name in instagram)
    if not in_step:
        product.vendly_edited_at = now
    set_base(product, instagram, conflict.instagram_caption, now, in_step=in_step)
    product.source_caption = conflict.instagram_caption
    changes = field_diff(before, product_values(product))
    record_change(session, store_id=product.store_id, side="resolution", action="conflict_resolved",
                  changes={**changes, "choices": {k: v[0] for k, v in picked.items()}},
                  summary=describe_changes(changes, product.currency) if changes else "kept the product as it is",
                  product_id=product.id, draft_id=conflict.draft_id, ig_media_id=conflict.ig_media_id,
                  actor=actor.user_id, conflict_id=conflict.id, clock=clock)
    session.commit()
    return product


def _validated(product: Product, conflict: SyncConflict, picked: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    """The values to write: edits and Instagram's values pass the same checks as any edit."""
    values: dict[str, Any] = {}
    editable = {name: value for name, (choice, value) in picked.items() if choice != "vendly" and name != "images"}
    if editable:
        values.update(clean_changes(editable))
    if "images" in picked and picked["images"][0] == "instagram":
        values["images"] = (conflict.instagram_values or {}).get("image_records") or picked["images"][1]
    price = values.get("price", product.price)
    compare_at = values.get("compare_at_price", product.compare_at_price)
    if compare_at not in (None, "") and price not in (None, "") and float(compare_at) <= float(price):
        raise ValidationFailed("Some fields need fixing.",
                               {"compare_at_price": "The 'was' price must be higher than the price."})
    return values


def _claim(session: Session, conflict: SyncConflict, actor: Actor, picked: dict[str, tuple[str, Any]],
           now: datetime) -> None:
    resolution = {name: {"choice": choice, "value": _plain(value)} for name, (choice, value) in picked.items()}
    claimed = session.execute(
        update(SyncConflict)
        .where(SyncConflict.id == conflict.id, SyncConflict.status == "open")
        .values(status="resolved", resolution=resolution, resolved_at=now, resolved_by=actor.user_id,
                updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.rollback()
        raise ValidationFailed("Someone else resolved this conflict a moment ago.")


def _plain(value: Any) -> Any:
    if isinstance(value, (list, dict, str, int, float, bool)) or value is None:
        return value
    return str(value)


# --- sync history -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryFilter:
    sync_type: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_sync_history(session: Session, actor: Actor, store_id: str, history_filter: HistoryFilter | None = None,
                      limit: int = 200) -> list[InstagramSyncHistory]:
    """A store's runs (scans, polls, webhook syncs), newest first, with the seed's figures."""
    require_store(session, actor, store_id)
    wanted = history_filter or HistoryFilter()
    history = InstagramSyncHistory
    stmt = scope_to_actor(select(history), history.store_id, actor).where(history.store_id == store_id)
    if wanted.sync_type:
        stmt = stmt.where(history.sync_type == wanted.sync_type)
    if wanted.status:
        stmt = stmt.where(history.status == wanted.status)
    if wanted.since:
        stmt = stmt.where(history.created_at >= wanted.since)
    if wanted.until:
        stmt = stmt.where(history.created_at < wanted.until)
    return list(session.scalars(stmt.order_by(history.created_at.desc(), history.id).limit(limit)))


def history_choices(session: Session, actor: Actor, store_id: str) -> tuple[list[str], list[str]]:
    """The sync types and statuses this store's history holds (for the filter boxes)."""
    require_store(session, actor, store_id)
    history = InstagramSyncHistory
    where = history.store_id == store_id
    types = sorted(t for t in session.scalars(select(history.sync_type).where(where).distinct()) if t)
    statuses = sorted(s for s in session.scalars(select(history.status).where(where).distinct()) if s)
    return types, statuses
