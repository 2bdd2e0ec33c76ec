"""Worker jobs for draft lifetimes: expire old pending drafts, and remind a day before.

Both are idempotent and safe to run from several workers at once: each claims rows
with a conditional UPDATE (and, on PostgreSQL, `FOR UPDATE SKIP LOCKED` in chunks so
two workers never wait on, or deadlock over, the same rows). A row is only ever
changed by the one worker whose UPDATE matched it.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.clock import Clock
from core.logging import log_operation
from core.models import ProductDraft
from core.services.review.notifications import notify

log = logging.getLogger("catalog_sync.expiry")

CHUNK = 500
REMIND_BEFORE = timedelta(hours=24)


def expire_drafts(session: Session, clock: Clock) -> int:
    """Mark pending drafts past `expires_at` as expired; returns how many this call changed."""
    now = clock.now()
    total = 0
    while True:
        ids = (
            select(ProductDraft.id)
            .where(ProductDraft.status == "pending", ProductDraft.expires_at <= now)
            .limit(CHUNK)
            .with_for_update(skip_locked=True)
        )
        changed = session.execute(
            update(ProductDraft)
            .where(ProductDraft.id.in_(ids.scalar_subquery()), ProductDraft.status == "pending")
            .values(status="expired", updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        total += changed
        if changed < CHUNK:
            return total


def send_expiry_reminders(session: Session, clock: Clock) -> int:
    """One "N drafts expire tomorrow" notice per store for drafts entering their last day.

    Each draft is counted once (`expiry_reminded_at`), however often or widely the job runs.
    Returns how many drafts were newly counted.
    """
    now = clock.now()
    ids = (
        select(ProductDraft.id)
        .where(
            ProductDraft.status == "pending",
            ProductDraft.expiry_reminded_at.is_(None),
            ProductDraft.expires_at > now,
            ProductDraft.expires_at <= now + REMIND_BEFORE,
        )
        .with_for_update(skip_locked=True)
    )
    claimed = session.execute(
        update(ProductDraft)
        .where(ProductDraft.id.in_(ids.scalar_subquery()), ProductDraft.expiry_reminded_at.is_(None))
        .values(expiry_reminded_at=now)
        .returning(ProductDraft.id, ProductDraft.store_id)
        .execution_options(synchronize_session=False)
    ).all()
    per_store = Counter(store_id for _, store_id in claimed)
    first_draft = {store_id: draft_id for draft_id, store_id in reversed(claimed)}
    for store_id, count in per_store.items():
        noun = "draft expires" if count == 1 else "drafts expire"
        notify(
            session, store_id, "drafts_expiring", f"{count} {noun} tomorrow",
            "Review them before they expire, or they will need a rescan.",
            draft_id=first_draft[store_id] if count == 1 else None, clock=clock,
        )
    session.commit()
    return len(claimed)


# --- worker jobs (core/worker.py registers these; `deps` is its WorkerDeps) ------------------------


def expire_drafts_job(deps) -> int:
    with log_operation(log, "expire_drafts") as logged, deps.session() as session:
        logged["expired"] = expire_drafts(session, deps.clock)
    return logged["expired"]


def expiry_reminders_job(deps) -> int:
    with log_operation(log, "expiry_reminders") as logged, deps.session() as session:
        logged["reminded"] = send_expiry_reminders(session, deps.clock)
    return logged["reminded"]
