"""Approving drafts into products: one by one, in batches, automatically, and undoing it.

A draft is claimed with a conditional UPDATE (`status = 'pending'` and not past its
expiry) before its product is written, in the same transaction. Two people (or two
browser tabs, or a person and the auto-approver) approving at once therefore make one
product: the loser's UPDATE matches no row and it gets a clear refusal.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core.clock import Clock, SystemClock
from core.config import get_settings
from core.errors import CatalogSyncError, NotFound, ValidationFailed
from core.ids import new_id
from core.logging import elapsed_ms, log_finished
from core.models import Product, ProductDraft, Store
from core.security import Actor, require_store, scope_to_actor
from core.services.review.draft_rules import (
    approvable_values,
    effective_values,
    next_free_slug,
    product_slug_base,
)
from core.services.review.drafts import draft_for, refusal_message
from core.services.review.notifications import notify, notify_new_draft
from core.services.people.stores import update_store_settings

log = logging.getLogger("catalog_sync.review")

AUTO_REVIEWER = "auto"
PRODUCT_STATUSES = ("active", "draft")
DEFAULT_AUTO_APPROVE_THRESHOLD = 0.9
# A unique-slug clash with a concurrent approval is retried this many times.
SLUG_ATTEMPTS = 3


@dataclass(frozen=True)
class ReviewSettings:
    """A store's approval switches, kept in `store.settings`."""

    product_status: str = "active"  # the status a new product gets on approval
    auto_approve: bool = False
    auto_approve_threshold: float = DEFAULT_AUTO_APPROVE_THRESHOLD


@dataclass
class BatchResult:
    approved: list[tuple[str, str]] = field(default_factory=list)  # (draft id, product id)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (draft id, why)

    @property
    def product_ids(self) -> list[str]:
        return [product_id for _, product_id in self.approved]


def review_settings(store: Store) -> ReviewSettings:
    settings = store.settings or {}
    return ReviewSettings(
        product_status=settings.get("product_status_on_approval", "active"),
        auto_approve=bool(settings.get("auto_approve", False)),
        auto_approve_threshold=float(settings.get("auto_approve_threshold", DEFAULT_AUTO_APPROVE_THRESHOLD)),
    )


def update_review_settings(
    session: Session, actor: Actor, store_id: str, *, product_status: str, auto_approve: bool,
    auto_approve_threshold: float,
) -> ReviewSettings:
    errors = {}
    if product_status not in PRODUCT_STATUSES:
        errors["product_status"] = f"Choose one of {', '.join(PRODUCT_STATUSES)}."
    if not 0.5 <= auto_approve_threshold <= 1.0:
        errors["auto_approve_threshold"] = "Choose a threshold between 0.5 and 1.0."
    if errors:
        raise ValidationFailed("The review settings could not be saved.", errors)
    store = update_store_settings(session, actor, store_id, {
        "product_status_on_approval": product_status,
        "auto_approve": auto_approve,
        "auto_approve_threshold": auto_approve_threshold,
    })
    session.commit()
    return review_settings(store)


# --- approving ---------------------------------------------------------------------------------


def approve_draft(session: Session, actor: Actor, draft_id: str, clock: Clock | None = None) -> Product:
    """Turn a pending draft into a product (seller edits over AI data), in one transaction."""
    started = time.perf_counter()
    product = _approve_one(session, actor, draft_id, clock)
    log_finished(log, "approve", {"draft_id": draft_id, "product_id": product.id, "reviewer": actor.user_id},
                 store_id=product.store_id, duration_ms=elapsed_ms(started))
    return product


def _approve_one(session: Session, actor: Actor, draft_id: str, clock: Clock | None) -> Product:
    now = (clock or SystemClock()).now()
    for attempt in range(SLUG_ATTEMPTS):
        draft = draft_for(session, actor, draft_id)
        try:
            product = _approve(session, draft, reviewer=actor.user_id, now=now, auto=False)
            session.commit()
            return product
        except IntegrityError:
            session.rollback()
            if attempt == SLUG_ATTEMPTS - 1:
                raise ValidationFailed("Another approval took this product's name at the same moment; try again.")
        except CatalogSyncError:
            session.rollback()
            raise
    raise AssertionError("unreachable")


def batch_approve(session: Session, actor: Actor, draft_ids: list[str], clock: Clock | None = None) -> BatchResult:
    """Approve each draft on its own; one that cannot be approved is reported, not fatal."""
    started = time.perf_counter()
    result, stores = BatchResult(), set()
    for draft_id in dict.fromkeys(draft_ids):  # keep order, drop repeats
        try:
            product = _approve_one(session, actor, draft_id, clock)
            result.approved.append((draft_id, product.id))
            stores.add(product.store_id)
        except CatalogSyncError as error:
            result.failed.append((draft_id, str(error)))
    log_finished(log, "batch_approve", {"approved": len(result.approved), "failed": len(result.failed),
                                        "stores": len(stores), "reviewer": actor.user_id},
                 store_id=next(iter(stores)) if len(stores) == 1 else None, duration_ms=elapsed_ms(started))
    return result


def maybe_auto_approve(session: Session, draft: ProductDraft, clock: Clock | None = None) -> Product | None:
    """Approve a just-created draft if its store auto-approves at its confidence; else None.

    Called by the scan and sync code right after creating a draft, inside their own
    transaction (a savepoint keeps a failure here from undoing the draft); they commit.
    """
    store = session.get(Store, draft.store_id)
    settings = review_settings(store)
    if not settings.auto_approve or draft.confidence is None:
        return None
    if draft.confidence < settings.auto_approve_threshold:
        return None
    session.flush()
    now = (clock or SystemClock()).now()
    try:
        with session.begin_nested():
            product = _approve(session, draft, reviewer=AUTO_REVIEWER, now=now, auto=True)
    except (CatalogSyncError, IntegrityError):
        # Not approvable as it stands (no price, say): it stays pending for a person.
        session.refresh(draft)
        return None
    notify(
        session, draft.store_id, "auto_approved", f"Auto-approved: {product.name}",
        "Approved automatically at high confidence. Undo it from the Review page if it is wrong.",
        draft_id=draft.id, dedup_key=f"auto_approved:{draft.id}", clock=clock,
    )
    return product


def on_draft_created(session: Session, draft: ProductDraft, *, notify_person: bool = True,
                     clock: Clock | None = None) -> Product | None:
    """What sync does after creating a draft: auto-approve it if the store allows, else tell
    the store a new product was detected. A bulk scan passes notify_person=False and sends
    one `notify_scan_finished` at the end instead."""
    product = maybe_auto_approve(session, draft, clock)
    if product is None and notify_person:
        notify_new_draft(session, draft, clock)
    return product


def undo_auto_approve(session: Session, actor: Actor, draft_id: str, clock: Clock | None = None) -> ProductDraft:
    """Put an auto-approved product back to `draft` status and its draft back in the review queue.

    The product is kept (and reused if the draft is approved again), so nothing is duplicated.
    """
    draft = draft_for(session, actor, draft_id)
    now = (clock or SystemClock()).now()
    lifetime = timedelta(days=get_settings().draft_lifetime_days)
    claimed = session.execute(
        update(ProductDraft)
        .where(ProductDraft.id == draft.id, ProductDraft.status == "approved", ProductDraft.auto_approved.is_(True))
        .values(
            status="pending", auto_approved=False, reviewed_at=now, reviewed_by=actor.user_id,
            expires_at=max(draft.expires_at, now + lifetime), updated_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.rollback()
        raise ValidationFailed("Only an auto-approved draft can be undone.")
    product = session.get(Product, draft.product_id)
    if product is not None:
        product.status = "draft"
    session.commit()
    session.refresh(draft)
    return draft


def _approve(session: Session, draft: ProductDraft, *, reviewer: str, now: datetime, auto: bool) -> Product:
    store = session.get(Store, draft.store_id)
    if draft.status != "pending":
        raise ValidationFailed(refusal_message(draft))
    values = approvable_values(effective_values(draft.extracted_data, draft.seller_edits), store.default_currency)
    _claim(session, draft, reviewer=reviewer, now=now, auto=auto)
    status = review_settings(store).product_status
    product = session.get(Product, draft.product_id) if draft.product_id else None
    if product is None:
        product = Product(id=new_id("prd"), store_id=store.id, source_type="instagram")
        product.slug = _free_slug(session, store.id, product_slug_base(values["name"]))
        session.add(product)
    _fill_product(product, draft, values, status=status, now=now)
    draft.product_id = product.id  # flushed after the product's INSERT (foreign-key order)
    session.flush()
    return product


def _claim(session: Session, draft: ProductDraft, *, reviewer: str, now: datetime, auto: bool) -> None:
    claimed = session.execute(
        update(ProductDraft)
        .where(ProductDraft.id == draft.id, ProductDraft.status == "pending", ProductDraft.expires_at > now)
        .values(status="approved", reviewed_at=now, reviewed_by=reviewer, auto_approved=auto, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.refresh(draft)
        raise ValidationFailed(refusal_message(draft))
    # Mirror what the UPDATE wrote, without reading the row back.
    for name, value in (("status", "approved"), ("reviewed_at", now), ("reviewed_by", reviewer),
                        ("auto_approved", auto), ("updated_at", now)):
        set_committed_value(draft, name, value)


def _fill_product(product: Product, draft: ProductDraft, values: dict[str, Any], *, status: str, now: datetime) -> None:
    for name in ("name", "description", "currency", "category", "tags", "variants"):
        setattr(product, name, values[name])
    product.price = Decimal(values["price"])
    product.compare_at_price = Decimal(values["compare_at_price"]) if values["compare_at_price"] else None
    product.images = [
        {key: image.get(key) for key in ("key", "thumb", "width", "height")}
        for image in (draft.images or []) if isinstance(image, dict) and image.get("key")
    ]
    product.status = status
    product.source_type = "instagram"
    product.source_external_id = draft.ig_media_id
    product.source_permalink = draft.ig_permalink
    product.source_caption = draft.ig_caption
    product.source_imported_at = now
    # The base of edit sync's three-way comparison: exactly what the product was made from.
    product.source_snapshot = {**values, "caption": draft.ig_caption, "approved_at": now.isoformat()}


def _free_slug(session: Session, store_id: str, base: str) -> str:
    """The first free slug in the store. On PostgreSQL, approvals in one store take a
    transaction-scoped advisory lock first, so concurrent approvals of same-named drafts
    pick slugs one after another instead of clashing; SQLite already has one writer at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_lock_key(store_id))))
    taken = set(session.scalars(
        select(Product.slug).where(Product.store_id == store_id, Product.slug.startswith(base, autoescape=True))
    ))
    return next_free_slug(base, taken)


def _lock_key(store_id: str) -> int:
    """A stable signed 64-bit number for the store (advisory locks are keyed by integers)."""
    return int.from_bytes(hashlib.sha256(f"product-slug:{store_id}".encode()).digest()[:8], "big", signed=True)


def products_for_drafts(session: Session, actor: Actor, store_id: str, draft_ids: list[str]) -> list[Product]:
    """The products made from these drafts (for confirmations and tests), scoped to the store."""
    require_store(session, actor, store_id)
    stmt = (
        select(Product).join(ProductDraft, ProductDraft.product_id == Product.id)
        .where(ProductDraft.store_id == store_id, ProductDraft.id.in_(draft_ids))
    )
    return list(session.scalars(stmt))


def get_product(session: Session, actor: Actor, product_id: str) -> Product:
    product = session.scalar(scope_to_actor(select(Product).where(Product.id == product_id), Product.store_id, actor))
    if product is None:
        raise NotFound("That product does not exist or is not in your store.")
    return product
