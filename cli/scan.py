"""`catalog-sync scan`: run a bulk import in the foreground and print a JSON summary (ops, benchmarks)."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import click

from core.config import get_settings
from core.db import get_engine, session_factory
from core.errors import CatalogSyncError
from core.jobs import new_worker_id
from core.security import SYSTEM
from core.services.bulk_import.scan import ScanView, get_scan, request_scan
from core.services.bulk_import.import_deps import ImportDeps
from core.services.bulk_import.scan_runner import claim_scan, run_claimed_scan

WORKER_POLL_SECONDS = 1.0  # how often to look again while a worker runs the scan


@click.command("scan", help="Scan a store's connected Instagram account into drafts, in the foreground.")
@click.option("--store", "store_id", required=True, help="The store id (str_...).")
@click.option("--limit", type=int, default=None, help="Import at most the newest N matching posts.")
@click.option("--include-videos", is_flag=True, help="Also import videos and reels (their cover image).")
@click.option("--no-carousels", is_flag=True, help="Leave carousel posts out.")
@click.option("--months", type=int, default=None, help="Only posts from the last M months.")
@click.option("--extractor", type=click.Choice(["auto", "local", "openai"]), default="auto",
              help="auto: AI when its keys are set, else the offline rules.")
def scan(store_id: str, limit: int | None, include_videos: bool, no_carousels: bool, months: int | None,
         extractor: str) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    factory = session_factory(get_engine(settings.database_url))
    options = {"limit": limit, "include_videos": include_videos, "include_carousels": not no_carousels,
               "months": months}
    with factory() as session:
        try:
            scan_id = request_scan(session, SYSTEM, store_id, options)
        except CatalogSyncError as error:
            raise click.ClickException(_readable(error)) from error
    deps = _deps(settings, factory, extractor)
    summary = run_to_the_end(deps, factory, scan_id)
    click.echo(json.dumps(summary, indent=2, default=str))
    if summary["status"] == "failed":
        raise SystemExit(1)


def _deps(settings, factory, extractor: str) -> ImportDeps:
    from core.extraction.db_cache import DatabaseCache
    from core.extraction.engine import build_extractor

    chosen = build_extractor(settings, mode=extractor, cache=DatabaseCache(factory))
    return ImportDeps.from_settings(settings, factory, extractor=chosen)


def run_to_the_end(deps: ImportDeps, factory, scan_id: str, say=lambda text: click.echo(text, err=True)) -> dict:
    """Run the scan here, retrying as the queue allows, and return its summary once it is done.

    A retry waits out its backoff (`next_attempt_at`), saying so on stderr: calling Meta
    again at once only adds to a throttle or an outage. A worker may claim it first; then
    this waits for the worker to finish it.
    """
    owner = new_worker_id()
    while True:
        with factory() as session:
            view = get_scan(session, SYSTEM, scan_id, clock=deps.clock)
        if view.status in ("success", "partial_success", "failed"):
            return view.summary()
        wait = _backoff_left(view, deps.clock.now())
        if wait > 0:
            say(f"attempt failed ({view.last_error}); waiting {wait:.0f}s, until "
                f"{view.next_attempt_at:%H:%M:%S} UTC, before retrying")
            deps.sleep(wait)
            continue
        lease = claim_scan(deps, scan_id, owner) if view.status == "queued" else None
        if lease is not None:
            run_claimed_scan(deps, lease)
        else:
            deps.sleep(WORKER_POLL_SECONDS)


def _backoff_left(view: ScanView, now: datetime) -> float:
    if view.status != "queued" or view.next_attempt_at is None:
        return 0.0
    return max(0.0, (view.next_attempt_at - now).total_seconds())


def _readable(error: CatalogSyncError) -> str:
    details = "; ".join(f"{k}: {v}" for k, v in getattr(error, "errors", {}).items())
    return f"{error} {details}".strip()


COMMANDS = [scan]
