"""The webhook-event job's media importer: fetch the media an event names and reconcile it.

`core.services.realtime.webhook_events.process_event` decides whether an event needs a look-up
(an active connection, a media id we do not hold yet); this is the look-up. It reads
the media through the worker's budgeted Graph client and hands it to
`core.services.edit_sync.reconcile.reconcile_media`, which creates the draft (idempotent on
`ig_media_id`: a poll or a scan drafting the same post at the same moment makes one
draft) and notifies or auto-approves.

A `media` update about a post we hold goes through the same path, so an edited caption
reaches the draft or product at once; media that no longer exists is marked deleted
(`mark_media_deleted`: a pending draft is withdrawn, a product flagged), or `ignored`
when we never held it. Errors: a revoked or expired token marks the
connection and fails the event at once (`PermanentEventError`: retrying cannot help);
Meta throttling or failing raises, so `core.jobs` retries with backoff, then fails the
event with the error kept.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from core.instagram import NotFound, PermissionMissing, TokenInvalid
from core.models import InstagramConnection
from core.services.connecting.connect_rules import status_after_error
from core.services.realtime.poll_jobs import budget_of, graph_client_for
from core.services.bulk_import.import_deps import ImportDeps
from core.services.edit_sync.reconcile import mark_media_deleted, reconcile_media
from core.services.realtime.webhook_events import EventOutcome, PermanentEventError
from core.token_vault import TokenVaultError

log = logging.getLogger("catalog_sync.webhook_events")

NOTHING_DONE = ("skipped", "unchanged")


class MetaBusy(Exception):
    """The account's budget is blocked by Meta: try the event again later (retryable)."""


class SyncImporter:
    """`MediaImporter` for the worker, built on the same collaborators as scans and polls."""

    def __init__(self, deps: ImportDeps):
        self.deps = deps

    def import_event_media(self, session: Session, connection: InstagramConnection, media_id: str) -> EventOutcome:
        blocked = budget_of(self.deps).blocked_for(connection.ig_user_id)
        if blocked > 0:
            raise MetaBusy(f"Meta asked us to slow down on this account for {blocked:.0f}s more")
        try:
            client = graph_client_for(self.deps, connection)
        except TokenVaultError as problem:
            self._mark(session, connection, "error", f"The stored token cannot be read ({problem}). Reconnect.")
            raise PermanentEventError(f"the store's token cannot be read: {problem}") from None
        try:
            return self._read_and_reconcile(session, connection, client, media_id)
        except (TokenInvalid, PermissionMissing) as error:  # at the read or at a CDN re-read
            status, reason = status_after_error(error) or ("error", error.message)
            self._mark(session, connection, status, reason)
            raise PermanentEventError(f"Instagram refused the store's token: {error.message}") from None

    def _read_and_reconcile(self, session: Session, connection: InstagramConnection, client,
                            media_id: str) -> EventOutcome:
        try:
            item = client.get_media(media_id)
        except NotFound:
            gone = mark_media_deleted(session, connection, media_id, self.deps.clock)
            if gone.status in NOTHING_DONE:
                return EventOutcome("ignored", f"media {media_id} no longer exists on Instagram")
            return EventOutcome("processed", f"media {media_id} was deleted on Instagram: {gone.status}")
        outcome = reconcile_media(session, connection, item, self.deps.extractor, self.deps.clock, None,
                                  media_store=self.deps.media_store, refresh=client.get_media)
        if outcome.status in NOTHING_DONE:
            return EventOutcome("ignored", outcome.reason or f"media {media_id}: {outcome.status}")
        return EventOutcome("processed", None, draft_id=outcome.draft_id)

    def _mark(self, session: Session, connection: InstagramConnection, status: str, reason: str) -> None:
        """Keep the connection's new status even though the event's own work is rolled back."""
        session.rollback()  # a half-done reconcile must not commit with the mark
        connection.status, connection.status_reason = status, reason
        connection.status_changed_at = self.deps.clock.now()
        session.commit()
        log.warning("connection %s marked %s while processing a webhook: %s", connection.id, status, reason)
