"""`catalog-sync worker`: run the background jobs (see core/worker.py)."""

from __future__ import annotations

import json
import logging

import click

from core.db import get_engine
from core.worker import WorkerDeps, run_forever, run_once


def build_deps(worker_id: str | None = None) -> WorkerDeps:
    """The worker's collaborators from settings. The media importer plugs in here."""
    deps = WorkerDeps(engine=get_engine())
    if worker_id:
        deps.worker_id = worker_id
    return deps


@click.command("worker", help="Run the background jobs: webhook events, lease reaper, and more.")
@click.option("--once", is_flag=True, help="Run every job once and exit (prints what each did).")
@click.option("--worker-id", default=None, help="Lease owner name (default: host-pid-random).")
def worker(once: bool, worker_id: str | None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    deps = build_deps(worker_id)
    if once:
        click.echo(json.dumps(run_once(deps), default=str))
        return
    run_forever(deps)


COMMANDS = [worker]
