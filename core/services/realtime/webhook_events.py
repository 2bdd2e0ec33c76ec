"""What the worker does with one stored webhook event, and the ops view of events.

`process_event(session, event, importer)` decides: an event about an account we do
not follow, a disconnected store, an update that names no media, or media we
already hold is `ignored` (with the reason kept); otherwise the `importer` fetches
the media through the budgeted client and creates or updates the draft. The claim,
lease, retry and fencing around it are `core.jobs`; this module holds no locks.

The importer is the seam the scan/import code plugs into (see `MediaImporter`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import jobs
from core.clock import Clock
from core.logging import log_operation, redact
from core.models import InstagramConnection, InstagramWebhookEvent, Product, ProductDraft
from core.security import Actor, require_ops
from core.services.realtime.poll_jobs import note_webhook_hint

log = logging.getLogger("catalog_sync.webhook_events")

SECRET_KEY = re.compile(r"token|secret|password|signature|authorization|appsecret", re.IGNORECASE)
EVENT_STATUSES = ("pending", "processing", "processed", "ignored", "failed", "quarantined")


@dataclass(frozen=True)
class EventOutcome:
    """`processed` (the importer did something) or `ignored`, with why."""

    status: str
    reason: str | None = None
    draft_id: str | None = None


class PermanentEventError(Exception):
    """An error retrying cannot fix (e.g. the token is revoked): fail the event at once."""


class MediaImporter(Protocol):
    """Fetch one media of a connection and create or update its draft (idempotent on
    `ig_media_id`). The caller commits. Raise `PermanentEventError` for errors that
    retrying cannot fix; any other exception is retried with backoff."""

    def import_event_media(
        self, session: Session, connection: InstagramConnection, media_id: str
    ) -> EventOutcome: ...


class NoImporter:
    """Used until an importer is configured: the event is ignored, saying so."""

    def import_event_media(self, session, connection, media_id) -> EventOutcome:
        return EventOutcome("ignored", "no media importer configured in this worker")


def process_event(session: Session, event: InstagramWebhookEvent, importer: MediaImporter) -> EventOutcome:
    """Decide and do what one event asks. Writes `event.store_id`; the caller commits the
    outcome (only the account's poll hint is committed here, first)."""
    connection = _active_connection(session, event.ig_user_id)
    if connection is None:
        return EventOutcome("ignored", _why_no_connection(session, event.ig_user_id))
    event.store_id = connection.store_id
    note_webhook_hint(connection, event.received_at)  # any update about the account: poll it soon
    # The hint commits on its own, before the import: an event that held the account's row
    # while waiting on a poll's uncommitted draft would deadlock with that poll, which
    # writes the account's row last. (The event's status stays fenced by its lease.)
    session.commit()
    if not event.media_id:
        return EventOutcome("ignored", f"the {event.field or 'unknown'} update names no media")
    known = _known_media(session, event.media_id)
    if known and event.field != "media":
        # A comment or mention on a post we hold: the poll it hinted at looks for edits.
        return EventOutcome("ignored", f"media {event.media_id} is already held ({known})")
    # New media, or a `media` update about one we hold: read it now (edit sync follows changes).
    return importer.import_event_media(session, connection, event.media_id)


def _active_connection(session: Session, ig_user_id: str | None) -> InstagramConnection | None:
    if not ig_user_id:
        return None
    return session.scalars(
        select(InstagramConnection)
        .where(InstagramConnection.ig_user_id == ig_user_id, InstagramConnection.status == "active")
        .limit(1)
    ).first()


def _why_no_connection(session: Session, ig_user_id: str | None) -> str:
    if not ig_user_id:
        return "the update names no Instagram account"
    status = session.scalars(
        select(InstagramConnection.status).where(InstagramConnection.ig_user_id == ig_user_id).limit(1)
    ).first()
    if status:
        return f"the store's Instagram connection is {status}, not active"
    return f"no store follows Instagram account {ig_user_id}"


def _known_media(session: Session, media_id: str) -> str | None:
    draft_id = session.scalar(select(ProductDraft.id).where(ProductDraft.ig_media_id == media_id))
    if draft_id:
        return draft_id
    return session.scalar(
        select(Product.id).where(Product.source_type == "instagram", Product.source_external_id == media_id)
        .limit(1)
    )


def handle_claimed_event(
    session: Session, lease: jobs.Lease, importer: MediaImporter, clock: Clock
) -> str:
    """Process one claimed event and record the result under the lease; returns the status.

    The draft and the event's status commit together, or not at all (fenced). Each event
    leaves one `webhook_event` log line with its store and what became of it."""
    event = session.get(InstagramWebhookEvent, lease.row_id)
    with log_operation(log, "webhook_event", expected=(jobs.LeaseLost,), event_id=event.id,
                       field=event.field, media_id=event.media_id) as logged:
        status, note = _process_and_record(session, event, lease, importer, clock)
        logged.store_id = event.store_id
        logged.update(status=status, note=note)
        if status not in ("processed", "ignored"):  # retried later, or failed for good
            logged.level = logging.WARNING
    return status


def _process_and_record(session: Session, event: InstagramWebhookEvent, lease: jobs.Lease,
                        importer: MediaImporter, clock: Clock) -> tuple[str, str | None]:
    try:
        outcome = process_event(session, event, importer)
    except Exception as error:  # every failure is kept on the row, never lost
        session.rollback()
        message = f"{type(error).__name__}: {error}"
        status = jobs.fail(session, jobs.WEBHOOK_EVENTS, lease, message,
                           retryable=not isinstance(error, PermanentEventError), clock=clock)
        return status, message
    note = f"ignored: {outcome.reason}" if outcome.status == "ignored" else outcome.reason
    jobs.complete(session, jobs.WEBHOOK_EVENTS, lease, outcome.status, clock=clock, last_error=note)
    return outcome.status, note


def retry_event(session: Session, actor: Actor, event_id: str, clock: Clock | None = None) -> bool:
    """The ops page's retry button: a failed event gets a fresh set of attempts."""
    require_ops(actor)
    return jobs.requeue(session, jobs.WEBHOOK_EVENTS, event_id, clock=clock)


def list_events(
    session: Session, actor: Actor, *, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Recent events for the ops page, newest first, with secret-looking values masked.

    Ops only: an event may name any store's account (or none we know)."""
    require_ops(actor)
    if status is not None and status not in EVENT_STATUSES:
        raise ValueError(f"unknown event status {status!r}; one of {', '.join(EVENT_STATUSES)}")
    query = select(InstagramWebhookEvent).order_by(InstagramWebhookEvent.received_at.desc())
    if status:
        query = query.where(InstagramWebhookEvent.status == status)
    return [_event_view(e) for e in session.scalars(query.limit(max(1, min(limit, 1000))))]


def _event_view(event: InstagramWebhookEvent) -> dict[str, Any]:
    return {
        "id": event.id, "received_at": event.received_at, "status": event.status, "field": event.field,
        "ig_user_id": event.ig_user_id, "media_id": event.media_id, "store_id": event.store_id,
        "attempts": event.attempts, "last_error": event.last_error, "next_attempt_at": event.next_attempt_at,
        "processed_at": event.processed_at, "signed_with": event.signed_with,
        "payload": mask_secrets(event.payload),
    }


def mask_secrets(value: Any) -> Any:
    """A copy of a JSON value with the values of secret-looking keys replaced, and secrets inside
    text masked too: a quarantined body is kept as raw text, where no key names the secret
    (`access_token=...`, `"token": "..."`, a bare EAA.../IG... token), as the logs redact them."""
    if isinstance(value, dict):
        return {k: "***" if SECRET_KEY.search(str(k)) else mask_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value
