"""One bulk import from listing to its last batch: the work a claimed scan does.

`scan_runner` claims the scan and keeps its lease; this module lists the posts,
imports them in batches under the lease's fence and keeps the progress figures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core import jobs
from core.extraction.engine import ExtractionRequest
from core.instagram import (
    GraphClient,
    GraphError,
    MediaItem,
    PermissionMissing,
    RateLimited,
    TokenInvalid,
    TransientError,
    shared_budget,
)
from core.instagram.client import PAGE_SIZE
from core.lease_keeper import LeaseKeeper
from core.models import InstagramConnection, InstagramSyncHistory
from core.services.usage.api_budget import record_budget_snapshot
from core.services.connecting.connect_rules import status_after_error
from core.services.connecting.connect_types import decrypt_token
from core.services.bulk_import.import_deps import ImportDeps
from core.services.bulk_import.importing import (
    ImportTarget,
    PreparedPost,
    already_imported,
    draft_values,
    drafts_of_run,
    finish_new_draft,
    insert_draft,
    prepare_post,
)
from core.services.review.notifications import notify_connection_broken, notify_scan_finished
from core.services.bulk_import.scan import ScanOptions, oldest_wanted, parse_scan_options, skip_reason
from core.token_vault import TokenVaultError

log = logging.getLogger("catalog_sync.scan")

MAX_ERRORS_KEPT = 500
MAX_THROTTLE_PAUSES = 5
RECONNECT_MESSAGE = "Instagram no longer accepts this store's token. Reconnect the account on the Connect page."



@dataclass
class _StartedBatch:
    """A batch whose image copies are under way: its size and one future per post to import."""

    size: int
    preparing: list[Future]


class ScanStopped(Exception):
    """The scan cannot go on; `retryable` says whether the queue should try it again later."""

    def __init__(self, message: str, *, retryable: bool, reason: str):
        super().__init__(message)
        self.retryable = retryable
        self.reason = reason


# --- one scan ---------------------------------------------------------------------------------


@dataclass
class Tally:
    total: int = 0
    processed: int = 0
    created: int = 0
    skipped: int = 0
    failed: int = 0
    image_failures: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, media_id: str | None, reason: str, detail: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append({"media_id": media_id, "reason": reason, "detail": detail[:300]})


class ScanRun:
    def __init__(self, session: Session, scan: InstagramSyncHistory, lease: jobs.Lease, deps: ImportDeps,
                 keeper: LeaseKeeper):
        self.session, self.scan, self.lease, self.deps, self.keeper = session, scan, lease, deps, keeper
        self.tally = Tally()
        self.calls_before_run = scan.api_calls_used or 0
        self.budget = deps.budget if deps.budget is not None else shared_budget()
        self.connection: InstagramConnection | None = None
        self.client: GraphClient | None = None
        self.calls_at_start = 0
        self.dead_token: GraphError | None = None  # set by the first re-read Meta refused the token for

    # -- the whole run --

    def execute(self) -> str:
        try:
            options = parse_scan_options(self.scan.options)
            self.connection, self.client = self._connect()
            self.calls_at_start = self.budget.total_calls(self.connection.ig_user_id)
            self._target()  # read once now: no batch then reads while it waits on Meta or the AI
            self._end_reads()
            self._list_and_import(options)
        except ScanStopped as stop:
            return self._stop(stop)
        return self._finish()

    def _connect(self) -> tuple[InstagramConnection, GraphClient]:
        connection = self.session.get(InstagramConnection, self.scan.connection_id) if self.scan.connection_id else None
        if connection is None or connection.store_id != self.scan.store_id:
            raise ScanStopped("This store has no Instagram connection.", retryable=False, reason="not_connected")
        if connection.status != "active" or not connection.access_token_encrypted:
            raise ScanStopped(RECONNECT_MESSAGE, retryable=False, reason="reconnect_needed")
        try:
            token = decrypt_token(self.deps.vault, connection)
        except TokenVaultError as problem:
            raise ScanStopped(f"The stored token cannot be read ({problem}). Reconnect.",
                              retryable=False, reason="reconnect_needed") from None
        client = GraphClient.for_login_flow(
            self.deps.settings, connection.login_flow, token.reveal(), account_id=connection.ig_user_id,
            budget=self.budget, retry=self.deps.retry, sleep=self.deps.sleep,
        )
        return connection, client

    def _list_and_import(self, options: ScanOptions) -> None:
        """A dead token stops the scan wherever Graph says so: at the listing or at a CDN re-read."""
        try:
            self._import(self._list_posts(options))
        except (TokenInvalid, PermissionMissing) as error:
            self._mark_connection(error)
            raise ScanStopped(RECONNECT_MESSAGE, retryable=False, reason="reconnect_needed") from None

    # -- listing --

    def _list_posts(self, options: ScanOptions) -> list[MediaItem]:
        """Every wanted post, newest first; throttles are waited out and the listing resumed."""
        for pause in range(MAX_THROTTLE_PAUSES + 1):
            try:
                return self._list_once(options)
            except RateLimited as error:
                if pause == MAX_THROTTLE_PAUSES or error.retry_after > self.deps.settings.scan_max_throttle_wait_seconds:
                    raise ScanStopped(f"Instagram asked us to slow down for {error.retry_after:.0f}s; "
                                      "the scan will try again later.", retryable=True, reason="throttled") from None
                self.tally.error(None, "throttled", f"waited {error.retry_after:.0f}s for Instagram's rate limit")
                self.keeper.wait(error.retry_after, self.deps.sleep)
            except (TokenInvalid, PermissionMissing):
                raise
            except TransientError as error:
                raise ScanStopped(f"Instagram is not answering ({error.message}).", retryable=True,
                                  reason="instagram_unavailable") from None
            except GraphError as error:
                raise ScanStopped(f"Instagram refused the listing: {error.message}", retryable=False,
                                  reason="graph_error") from None
        raise AssertionError("unreachable")

    def _list_once(self, options: ScanOptions) -> list[MediaItem]:
        cutoff = oldest_wanted(options, self.deps.clock.now())
        # With type filters, Meta's count is not ours: list until enough posts match.
        meta_limit = options.limit if options.takes_every_type else None
        wanted: list[MediaItem] = []
        seen = 0
        for item in self._budgeted(self.client.list_media(self.connection.ig_user_id, newer_than=cutoff,
                                                          limit=meta_limit)):
            seen += 1
            if skip_reason(item, options, cutoff) is None:
                wanted.append(item)
            if seen % PAGE_SIZE == 0:
                self.tally.total = len(wanted)
                self._save_progress()
            if options.limit is not None and len(wanted) >= options.limit:
                break
        self.tally.total = len(wanted)
        self._save_progress()
        return wanted

    def _budgeted(self, items: Iterator[MediaItem]) -> Iterator[MediaItem]:
        """Before each page, wait while our own budget tracker says the account is spent."""
        account = self.connection.ig_user_id
        position = 0
        while True:
            if position % PAGE_SIZE == 0:
                wait = self.budget.seconds_until_allowed(account, 1)
                if wait > self.deps.settings.scan_max_throttle_wait_seconds:
                    raise RateLimited("the account's API budget is spent", retry_after=wait)
                if wait > 0:
                    self.keeper.wait(wait, self.deps.sleep)
            try:
                item = next(items)
            except StopIteration:
                return
            position += 1
            yield item

    # -- importing --

    def _import(self, items: list[MediaItem]) -> None:
        """Import in batches, one batch ahead: while a batch is read by the extractor (the AI's
        rate limit is the slow part) and saved, the next batch's images are already being copied,
        so the extractor is never left waiting on the CDN."""
        size = max(1, int(self.deps.settings.scan_batch_size))
        threads = max(1, int(self.deps.settings.scan_image_threads))
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="scan-images") as pool:
            started: _StartedBatch | None = None
            for start in range(0, len(items), size):
                self._check_still_ours()
                upcoming = self._start_batch(items[start : start + size], pool)
                if started is not None:
                    self._finish_batch(started)
                started = upcoming
            if started is not None:
                self._check_still_ours()
                self._finish_batch(started)

    def _check_still_ours(self) -> None:
        self.keeper.check()
        if self.deps.stopping is not None and self.deps.stopping.is_set():
            raise ScanStopped("The worker is shutting down; another one will resume the scan.",
                              retryable=True, reason="worker_stopping")

    def _start_batch(self, batch: list[MediaItem], pool: ThreadPoolExecutor) -> _StartedBatch:
        """Count what is drafted already and start copying the images of the rest."""
        ids = [item.id for item in batch]
        mine = drafts_of_run(self.session, self.scan.id, ids)
        taken = already_imported(self.session, ids) - mine
        self.tally.created += len(mine)
        self.tally.skipped += len(taken)
        todo = [item for item in batch if item.id not in mine and item.id not in taken]
        self._end_reads()
        return _StartedBatch(len(batch), [pool.submit(self._prepare, item) for item in todo])

    def _finish_batch(self, started: _StartedBatch) -> None:
        """Extract and save a batch whose images were started earlier, then save the progress."""
        ready = [post for post in (future.result() for future in started.preparing) if post is not None]
        extracted = self._extract(ready)
        for post, product in zip(ready, extracted):
            self._save_draft(post, product)
        self.tally.processed += started.size
        self._save_progress()

    def _end_reads(self) -> None:
        """End the read transaction before waiting on Meta, the CDN or the AI.

        The worker's session ends transactions idle longer than the lease
        (`core.db.end_idle_transactions_after`), and an open one would keep vacuum
        waiting; the batch's writes start a fresh, short transaction."""
        self.session.commit()

    def _prepare(self, item: MediaItem) -> PreparedPost | None:
        try:
            return prepare_post(item, self.deps.media_store, self.scan.store_id, self._refresh)
        except (TokenInvalid, PermissionMissing):
            raise  # not this post's problem: the whole scan stops
        except Exception as error:  # one bad post never fails the scan
            log.exception("scan %s: media %s could not be prepared", self.scan.id, item.id)
            self._post_failed(item.id, "prepare_failed", f"{type(error).__name__}: {error}")
            return None

    def _refresh(self, media_id: str) -> MediaItem:
        """A CDN re-read; once one met a dead token, the batch's other threads make no call."""
        if self.dead_token is not None:
            raise self.dead_token
        try:
            return self.client.get_media(media_id)
        except (TokenInvalid, PermissionMissing) as error:
            self.dead_token = error
            raise

    def _extract(self, ready: list[PreparedPost]) -> list[Any]:
        currency = self._target().default_currency
        requests = [ExtractionRequest(p.item.caption, p.item.media_type, p.first_image, currency) for p in ready]
        try:
            return self.deps.extractor.extract_many(requests)
        except Exception:
            log.exception("scan %s: batch extraction failed; extracting one by one", self.scan.id)
            return [self._extract_one(r) for r in requests]

    def _extract_one(self, request: ExtractionRequest) -> Any:
        try:
            return self.deps.extractor.extract(request.caption, request.media_type, request.image_bytes,
                                               request.default_currency)
        except Exception as error:
            return error

    def _save_draft(self, post: PreparedPost, product: Any) -> None:
        media_id = post.item.id
        if isinstance(product, Exception):
            self._post_failed(media_id, "extract_failed", f"{type(product).__name__}: {product}")
            return
        for problem in post.image_errors:
            self.tally.image_failures += 1
            self.tally.error(media_id, f"image_{problem['reason']}", problem.get("detail", ""))
        try:
            with self.session.begin_nested():
                values = draft_values(post, product, self._target(), self.deps.clock.now())
                if not insert_draft(self.session, values):
                    self.tally.skipped += 1  # a webhook or poll drafted it meanwhile
                    return
                finish_new_draft(self.session, values["id"], product, self.scan.store_id,
                                 notify_person=False, clock=self.deps.clock)
            self.tally.created += 1
        except Exception as error:
            log.exception("scan %s: media %s could not be saved", self.scan.id, media_id)
            self._post_failed(media_id, "save_failed", f"{type(error).__name__}: {error}")

    def _target(self) -> ImportTarget:
        if not hasattr(self, "_target_cache"):
            self._target_cache = ImportTarget.for_connection(
                self.session, self.connection, sync_history_id=self.scan.id,
                draft_lifetime_days=self.deps.settings.draft_lifetime_days,
            )
        return self._target_cache

    def _post_failed(self, media_id: str, reason: str, detail: str) -> None:
        self.tally.failed += 1
        self.tally.error(media_id, reason, detail)

    # -- progress and the end --

    def _api_calls(self) -> int:
        if self.connection is None:
            return self.calls_before_run
        return self.calls_before_run + self.budget.total_calls(self.connection.ig_user_id) - self.calls_at_start

    def _figures(self) -> dict[str, Any]:
        t = self.tally
        return {
            "posts_found": t.total,
            "posts_processed": t.processed,
            "drafts_created": t.created,
            "posts_skipped": t.skipped,
            "posts_failed": t.failed,
            "api_calls_used": self._api_calls(),
            "errors": list(t.errors),
        }

    def logged_figures(self) -> dict[str, Any]:
        """The run's figures for its log line (`scan_runner` logs it): counts, not the errors."""
        return {**self._figures(), "errors": len(self.tally.errors)}

    def _save_progress(self) -> None:
        """Commit the batch's drafts and the figures together, under the lease's fence."""
        self.keeper.check()
        for name, value in self._figures().items():
            setattr(self.scan, name, value)
        self.scan.lease_expiries = 0  # progress: earlier crashes no longer count against the scan
        jobs.renew(self.session, jobs.SYNC_RUNS, self.lease, lease_seconds=self.deps.scan_lease_seconds,
                   clock=self.deps.clock)

    def _final_values(self) -> dict[str, Any]:
        now = self.deps.clock.now()
        started = self.scan.started_at or now
        return {**self._figures(), "duration_ms": max(0, int((now - started).total_seconds() * 1000))}

    def _finish(self) -> str:
        t = self.tally
        status = "partial_success" if (t.failed or t.image_failures) else "success"
        if t.failed and not t.created and t.failed == t.processed - t.skipped:
            status = "failed"  # every post it tried failed: nothing to review
        self.connection.last_synced_at = self.deps.clock.now()
        self._notify(status)
        self._budget_snapshot()
        if status == "failed":
            self._apply(self._final_values())
            jobs.fail(self.session, jobs.SYNC_RUNS, self.lease, "every post failed to import", retryable=False,
                      clock=self.deps.clock)
        else:
            jobs.complete(self.session, jobs.SYNC_RUNS, self.lease, status, clock=self.deps.clock,
                          **self._final_values())
        return status

    def _stop(self, stop: ScanStopped) -> str:
        self.session.rollback()
        self.scan = self.session.get(InstagramSyncHistory, self.lease.row_id, populate_existing=True)
        self.tally.error(None, stop.reason, str(stop))
        if self.connection is not None:
            self.connection = self.session.get(InstagramConnection, self.connection.id)
        self._apply(self._final_values())
        status = jobs.fail(self.session, jobs.SYNC_RUNS, self.lease, str(stop), retryable=stop.retryable,
                           clock=self.deps.clock)
        if status == "failed":
            self._notify("failed")
            self.session.commit()  # `fail` has committed already: the notice needs its own
        log.warning("scan %s stopped (%s): %s", self.scan.id, status, stop)
        return status

    def _apply(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            setattr(self.scan, name, value)

    def _mark_connection(self, error: GraphError) -> None:
        change = status_after_error(error)
        if change is None or self.connection is None:
            return
        status, reason = change
        self.session.rollback()
        connection = self.session.get(InstagramConnection, self.connection.id, populate_existing=True)
        connection.status, connection.status_reason = status, reason
        connection.status_changed_at = self.deps.clock.now()
        notify_connection_broken(self.session, connection, clock=self.deps.clock)  # tell the store at once
        self.session.commit()
        self.connection = connection

    def _notify(self, status: str) -> None:
        try:
            with self.session.begin_nested():
                notify_scan_finished(self.session, self.scan.store_id, self.scan.id, status, self.tally.created,
                                     clock=self.deps.clock)
        except Exception:
            log.exception("scan %s: could not notify the store", self.scan.id)

    def _budget_snapshot(self) -> None:
        try:
            with self.session.begin_nested():
                record_budget_snapshot(self.session, self.budget, ig_user_id=self.connection.ig_user_id,
                                       store_id=self.scan.store_id, connection_id=self.connection.id,
                                       clock=self.deps.clock)
        except Exception:
            log.exception("scan %s: could not record the API budget", self.scan.id)
