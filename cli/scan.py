"""`catalog-sync scan`: run a bulk import in the foreground and print a JSON summary (ops, benchmarks)."""

from __future__ import annotations

import json
import logging
import time

import click

from core.config import get_settings
from core.db import get_engine, session_factory
from core.errors import CatalogSyncError
from core.jobs import new_worker_id
from core.security import SYSTEM
from core.services.bulk_import.scan import get_scan, request_scan
from core.services.bulk_import.import_deps import ImportDeps
from core.services.bulk_import.scan_runner import claim_scan, run_claimed_scan


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
    summary = _run_to_the_end(deps, factory, scan_id)
    click.echo(json.dumps(summary, indent=2, default=str))
    if summary["status"] == "failed":
        raise SystemExit(1)


def _deps(settings, factory, extractor: str) -> ImportDeps:
    from core.extraction.engine import build_extractor

    return ImportDeps.from_settings(settings, factory, extractor=build_extractor(settings, mode=extractor))


def _run_to_the_end(deps: ImportDeps, factory, scan_id: str) -> dict:
    """Run the scan here, retrying as the queue allows, and return its summary once it is done.

    A worker may claim it first; then this waits for the worker to finish it.
    """
    owner = new_worker_id()
    while True:
        with factory() as session:
            view = get_scan(session, SYSTEM, scan_id)
        if view.status in ("success", "partial_success", "failed"):
            return view.summary()
        lease = claim_scan(deps, scan_id, owner) if view.status == "queued" else None
        if lease is not None:
            run_claimed_scan(deps, lease)
        else:
            time.sleep(1.0)


def _readable(error: CatalogSyncError) -> str:
    details = "; ".join(f"{k}: {v}" for k, v in getattr(error, "errors", {}).items())
    return f"{error} {details}".strip()


COMMANDS = [scan]
