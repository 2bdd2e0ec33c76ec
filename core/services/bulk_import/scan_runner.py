"""Running a bulk import in the worker: claim, list, import in batches, finish.

A worker claims a queued scan through `core.jobs` (`FOR UPDATE SKIP LOCKED` on
PostgreSQL) and holds a lease on it. A heartbeat thread renews the lease while
the scan waits on Meta or the AI, and every batch commits its drafts together
with the progress figures under the lease's fence, so a worker that lost its
lease cannot write. A killed worker's lease runs out, the reaper puts the scan
back in the queue, and the next worker lists the posts again: posts it already
drafted count as its own, nothing is imported twice (`ig_media_id` is unique).
A frozen worker's open transaction is ended by the database once idle for the
lease, so its row locks never stall the worker that takes over.

Graph calls: one per page of 100 posts (carousels come expanded), plus one
`get_media` for a post whose CDN address expired. Throttling that outlasts the
client's own short wait pauses the scan (lease kept) and resumes the listing.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from core import jobs
from core.db import end_idle_transactions_after
from core.lease_keeper import LeaseKeeper
from core.logging import log_operation
from core.models import InstagramSyncHistory
from core.services.bulk_import.import_deps import ImportDeps, import_deps_for_worker
from core.services.bulk_import.scan import SYNC_TYPE
from core.services.bulk_import.scan_run import ScanRun

log = logging.getLogger("catalog_sync.scan")

# --- the worker's entry points ------------------------------------------------------------------


def run_queued_scans(deps: ImportDeps, owner: str, *, limit: int = 1) -> list[str]:
    """The worker job: return dead workers' scans to the queue, claim some, run them."""
    with deps.session_factory() as session:
        jobs.reap_expired(session, jobs.SYNC_RUNS, clock=deps.clock)
        leases = jobs.claim(
            session, jobs.SYNC_RUNS, owner, limit=limit, lease_seconds=deps.scan_lease_seconds, clock=deps.clock
        )
    return [run_claimed_scan(deps, lease) for lease in leases]


def claim_scan(deps: ImportDeps, scan_id: str, owner: str) -> jobs.Lease | None:
    """Claim one particular queued scan (the CLI's foreground run); None if someone has it or
    it is still waiting out its retry backoff (`next_attempt_at`)."""
    with deps.session_factory() as session:
        leases = jobs.claim(session, jobs.SYNC_RUNS, owner, limit=1, lease_seconds=deps.scan_lease_seconds,
                            clock=deps.clock, row_ids=[scan_id])
    return leases[0] if leases else None


def run_claimed_scan(deps: ImportDeps, lease: jobs.Lease) -> str:
    """Run a scan this worker holds; returns its final status (or `lease_lost`)."""
    keeper = LeaseKeeper(lambda: _lease_bound_session(deps), jobs.SYNC_RUNS, lease,
                         lease_seconds=deps.scan_lease_seconds, clock=deps.clock)
    keeper.start()
    session = _lease_bound_session(deps)
    try:
        scan = session.get(InstagramSyncHistory, lease.row_id)
        if scan is None or scan.sync_type != SYNC_TYPE:
            jobs.fail(session, jobs.SYNC_RUNS, lease, f"no handler for sync type {getattr(scan, 'sync_type', None)!r}",
                      retryable=False, clock=deps.clock)
            return "failed"
        return _run_logged(ScanRun(session, scan, lease, deps, keeper))
    except jobs.LeaseLost:
        return "lease_lost"  # another worker has it now (logged as the run's `stopped` line)
    finally:
        keeper.stop()
        session.close()


def _run_logged(run: ScanRun) -> str:
    """One `scan` log line per run: its store, duration and figures; at WARNING unless it succeeded."""
    with log_operation(log, "scan", run.scan.store_id, expected=(jobs.LeaseLost,), scan_id=run.scan.id) as logged:
        status = run.execute()
        logged.update(run.logged_figures(), status=status)
        if status not in ("success", "partial_success"):
            logged.level = logging.WARNING
    return status


def _lease_bound_session(deps: ImportDeps) -> Session:
    """A session whose idle transactions the database ends when the lease would run out."""
    return end_idle_transactions_after(deps.session_factory(), deps.scan_lease_seconds)


# --- wiring into the worker process -------------------------------------------------------------


def run_scans_job(worker: Any) -> int:
    """The worker job (`core.worker.JOBS`): run queued bulk imports one at a time."""
    ran = 0
    while not worker.stopping.is_set():
        if not run_queued_scans(import_deps_for_worker(worker), worker.worker_id):
            return ran
        ran += 1
    return ran
