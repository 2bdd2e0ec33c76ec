"""A small, hand-countable dataset for the analytics tests: two stores, one week of March 2026.

Plain ORM rows (plus the real `record_ai_call` / `record_budget_snapshot` services), so
each figure in the tests can be worked out by hand from the comments here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from core.clock import FrozenClock
from core.instagram.budget import BudgetTracker
from core.models import (
    InstagramConnection,
    InstagramSyncHistory,
    InstagramWebhookEvent,
    Product,
    ProductDraft,
)
from core.services.usage.ai_usage import record_ai_call
from core.services.usage.api_budget import record_budget_snapshot
from tests.factories import make_store

NOW = datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc)
FIRST_DAY = datetime(2026, 3, 1, tzinfo=timezone.utc)


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 3 if day > 0 else 2, day if day > 0 else 28 + day, hour, minute, tzinfo=timezone.utc)


@dataclass
class Dataset:
    store_a: object
    store_b: object
    conn_a: InstagramConnection
    conn_b: InstagramConnection


_counter = iter(range(1, 10_000))


def _draft(session, store, conn, created, status="pending", *, confidence=None, post_age_s=None,
           review_after_s=None, edits=None, auto=False, reason=None, expires_at=None):
    n = next(_counter)
    session.add(ProductDraft(
        id=f"draft_{n:04d}", store_id=store.id, connection_id=conn.id, ig_media_id=f"m{n}",
        ig_media_type="IMAGE", created_at=created, status=status, confidence=confidence,
        ig_timestamp=None if post_age_s is None else created - timedelta(seconds=post_age_s),
        reviewed_at=None if review_after_s is None else created + timedelta(seconds=review_after_s),
        seller_edits=edits or {}, auto_approved=auto, rejection_reason=reason,
        expires_at=expires_at or created + timedelta(days=7),
    ))


def _product(session, store, imported, source_type="instagram"):
    n = next(_counter)
    session.add(Product(
        id=f"prd_{n:04d}", store_id=store.id, name=f"P{n}", slug=f"p{n}", currency="KES",
        source_type=source_type, source_imported_at=imported if source_type == "instagram" else None,
        created_at=imported,
    ))


def _sync(session, store, conn, started, status, sync_type="incremental_sync", *, processed=0,
          failed=0, drafts=0, calls=0):
    n = next(_counter)
    session.add(InstagramSyncHistory(
        id=f"sync_{n:04d}", store_id=store.id, connection_id=conn.id, sync_type=sync_type, status=status,
        started_at=started, created_at=started or at(7), posts_processed=processed, posts_failed=failed,
        drafts_created=drafts, api_calls_used=calls,
    ))


def _event(session, store, received, status):
    n = next(_counter)
    session.add(InstagramWebhookEvent(
        id=f"whe_{n:04d}", dedup_key=f"k{n}", store_id=store.id if store else None,
        received_at=received, status=status,
    ))


def _connection(session, store, username):
    conn = InstagramConnection(
        id=f"igc_{username}", store_id=store.id, seller_id=store.seller_id, login_flow="instagram",
        ig_user_id=f"ig_{username}", ig_username=username,
    )
    session.add(conn)
    session.flush()
    return conn


def _snapshot(session, store, conn, taken, *, percent, calls, throttle=False):
    """A snapshot through the real tracker: `calls` counted, then Meta's usage header read."""
    clock = FrozenClock(taken)
    tracker = BudgetTracker(clock=clock)
    header = {"X-Business-Use-Case-Usage": (
        f'{{"{conn.ig_user_id}": [{{"type": "instagram", "call_count": {percent}, '
        f'"total_cputime": 1, "total_time": 1, "estimated_time_to_regain_access": {30 if throttle else 0}}}]}}'
    )}
    tracker.record_call(conn.ig_user_id, calls=calls - 1)
    tracker.record_call(conn.ig_user_id, headers=header)
    record_budget_snapshot(session, tracker, ig_user_id=conn.ig_user_id, store_id=store.id,
                           connection_id=conn.id, clock=clock)


def build(session) -> Dataset:
    a, b = make_store(session, "Store A"), make_store(session, "Store B")
    ca, cb = _connection(session, a, "shop_a"), _connection(session, b, "shop_b")
    # Store A drafts created 1-7 March (the cohort), and one older pending draft.
    _draft(session, a, ca, at(1), "approved", confidence=0.9, post_age_s=600, review_after_s=3600)
    _draft(session, a, ca, at(2), "approved", confidence=0.85, post_age_s=1200, review_after_s=7200,
           edits={"price": 1500, "name": "Red Dress"})
    _draft(session, a, ca, at(2, 12), "approved", confidence=0.6, post_age_s=1800, review_after_s=1800,
           edits={"category": "Home & Living"})
    _draft(session, a, ca, at(3, 9), "approved", confidence=0.95, post_age_s=300, review_after_s=0, auto=True)
    _draft(session, a, ca, at(3), "rejected", confidence=0.3, post_age_s=900, reason="not_a_product")
    _draft(session, a, ca, at(4), "rejected", confidence=0.7, post_age_s=2400, reason="duplicate")
    _draft(session, a, ca, at(4, 11), "expired", confidence=0.4)
    _draft(session, a, ca, at(5), "pending", post_age_s=3600, expires_at=NOW + timedelta(hours=24))
    _draft(session, a, ca, at(5, 11), "withdrawn", confidence=0.55, post_age_s=30)
    _draft(session, a, ca, at(6), "pending", confidence=0.82, post_age_s=60, expires_at=NOW + timedelta(days=5))
    _draft(session, a, ca, at(7, 8), "approved", confidence=0.9, post_age_s=120, review_after_s=600,
           edits={"price": 900, "compare_at_price": None})
    _draft(session, a, ca, at(-1), "pending", confidence=0.9, expires_at=NOW - timedelta(hours=1))
    # Store B: three drafts.
    _draft(session, b, cb, at(2), "approved", confidence=0.9, post_age_s=100, review_after_s=100)
    _draft(session, b, cb, at(3), "rejected", confidence=0.9, reason="other")
    _draft(session, b, cb, at(3, 11), "pending", confidence=0.9, expires_at=NOW + timedelta(hours=10))
    # Products: A imports 1 + 2 + 1 + 1 in the week; a manual one and an older import do not count.
    for imported in (at(1, 11), at(2, 12), at(2, 14), at(3, 9), at(7, 8)):
        _product(session, a, imported)
    _product(session, a, at(4), source_type="manual")
    _product(session, a, at(-3))
    _product(session, b, at(2, 11))
    # Syncs: A finishes 4 in the week (2 success, 1 partial, 1 failed); one still running, one queued.
    _sync(session, a, ca, at(1, 9), "success", "bulk_import", processed=100, drafts=80, calls=12)
    _sync(session, a, ca, at(2, 9), "partial_success", processed=10, failed=2, drafts=5, calls=3)
    _sync(session, a, ca, at(3, 9), "success", processed=5, drafts=2, calls=2)
    _sync(session, a, ca, at(3, 15), "failed", calls=1)
    _sync(session, a, ca, at(4, 9), "running", calls=4)
    _sync(session, a, ca, None, "queued", "bulk_import")
    _sync(session, a, ca, at(-8), "success", calls=50)
    _sync(session, b, cb, at(2, 9), "success", processed=7, drafts=1, calls=5)
    # Budget snapshots: A at 10% (12 calls) on the 1st; 40% then throttled at 100% on the 3rd.
    _snapshot(session, a, ca, at(1, 12), percent=10, calls=12)
    _snapshot(session, a, ca, at(3, 10), percent=40, calls=20)
    _snapshot(session, a, ca, at(3, 16), percent=100, calls=50, throttle=True)
    _snapshot(session, b, cb, at(2, 12), percent=5, calls=5)
    # AI calls: A makes three (one failed), B one.
    record_ai_call(session, store_id=a.id, provider="openai", model="gpt-4o-mini", input_tokens=1000,
                   output_tokens=200, latency_ms=800, clock=FrozenClock(at(1)))
    record_ai_call(session, store_id=a.id, provider="openai", model="gpt-4o-mini", input_tokens=500,
                   ok=False, error="timeout", clock=FrozenClock(at(1, 11)))
    record_ai_call(session, store_id=a.id, provider="gemini", model="gemini-2.5-flash", input_tokens=300,
                   output_tokens=50, clock=FrozenClock(at(2)))
    record_ai_call(session, store_id=b.id, provider="openai", model="gpt-4o-mini", input_tokens=100,
                   output_tokens=100, clock=FrozenClock(at(2)))
    # Webhook events: A has one of each outcome; one event never matched a store.
    for status in ("processed", "failed", "quarantined", "ignored"):
        _event(session, a, at(2), status)
    _event(session, None, at(2), "pending")
    session.commit()
    return Dataset(a, b, ca, cb)
