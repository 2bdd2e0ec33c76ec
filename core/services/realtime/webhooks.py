"""Webhook ingest: verify a delivery, split it, and store one event row per update.

The sidecar is a thin adapter over `ingest_delivery`. The order matters:
the signature is checked over the raw bytes before anything is parsed; rows are
inserted with `ON CONFLICT (dedup_key) DO NOTHING`, so Meta's retries (same bytes
for ~36 hours, no delivery id) and concurrent duplicate deliveries store once; and
the caller answers 200 only after the commit. Database errors propagate, so the
sidecar answers 503 and Meta tries again: never 200 for something not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.ids import new_id
from core.models import InstagramWebhookEvent
from core.security import Actor, require_ops
from core.webhooks.payloads import Quarantined, Update, split_delivery
from core.webhooks.signatures import check_signature



@dataclass(frozen=True)
class IngestResult:
    """What one delivery became. `rejected` is set (and nothing stored) when unsigned."""

    rejected: str | None = None
    signed_with: str | None = None
    updates: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0

    @property
    def accepted(self) -> bool:
        return self.rejected is None


def webhook_secrets(settings: Any) -> dict[str, str]:
    """The app secrets a delivery may be signed with, by login flow."""
    return {"facebook": settings.meta_app_secret, "instagram": settings.instagram_app_secret}


def ingest_delivery(
    session: Session,
    actor: Actor,
    body: bytes,
    signature_header: str | None,
    secrets: dict[str, str],
    clock: Clock | None = None,
) -> IngestResult:
    """Store a delivery's updates (or reject it, storing nothing). Commits.

    `actor` is the system actor: Meta is authenticated by the signature, not a login."""
    require_ops(actor)
    check = check_signature(body, signature_header, secrets)
    if not check.ok:
        return IngestResult(rejected=check.reason)
    delivery = split_delivery(body)
    now = (clock or SystemClock()).now()
    rows = [_pending_row(u, check.signed_with, now) for u in delivery.updates]
    rows += [_quarantined_row(q, check.signed_with, now) for q in delivery.quarantined]
    stored_keys = insert_new_events(session, rows)
    session.commit()
    quarantined_keys = {q.dedup_key for q in delivery.quarantined}
    return IngestResult(
        signed_with=check.signed_with,
        updates=len(rows),
        stored=len(stored_keys),
        duplicates=len(rows) - len(stored_keys),
        quarantined=len(stored_keys & quarantined_keys),
    )


def _pending_row(update: Update, signed_with: str | None, now) -> dict[str, Any]:
    return {
        "id": new_id("whe"), "dedup_key": update.dedup_key, "object_type": update.object_type[:32],
        "field": update.field, "ig_user_id": update.ig_user_id, "media_id": update.media_id,
        "payload": update.payload(), "signed_with": signed_with, "status": "pending", "attempts": 0,
        "last_error": None, "next_attempt_at": None, "received_at": now,
    }


def _quarantined_row(item: Quarantined, signed_with: str | None, now) -> dict[str, Any]:
    return {
        "id": new_id("whe"), "dedup_key": item.dedup_key,
        "object_type": item.object_type[:32] if item.object_type else None,
        "field": None, "ig_user_id": item.ig_user_id, "media_id": None,
        "payload": item.payload(), "signed_with": signed_with, "status": "quarantined", "attempts": 0,
        "last_error": f"quarantined: {item.reason}", "next_attempt_at": None, "received_at": now,
    }


def insert_new_events(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert the rows whose dedup_key is new; return the keys actually inserted.

    A Core executemany on the session's connection: SQLAlchemy batches it into
    multi-row INSERTs ("insertmanyvalues") from one cached compiled statement,
    which keeps the per-request cost of the sidecar low."""
    unique_rows = _first_per_key(rows)
    if not unique_rows:
        return set()
    table = InstagramWebhookEvent.__table__
    statement = (
        _dialect_insert(session)(table)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(table.c.dedup_key)
    )
    result = session.connection().execute(statement, unique_rows)
    return set(result.scalars().all())


def _dialect_insert(session: Session):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"webhook ingest supports PostgreSQL and SQLite, not {name}")


def _first_per_key(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(row["dedup_key"], row)
    return list(seen.values())

