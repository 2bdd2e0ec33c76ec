"""`catalog-sync worker`: run the background jobs (see core/worker.py)."""

from __future__ import annotations

import json

import click

from core.config import get_settings
from core.db import get_engine
from core.logging import configure_logging
from core.services.realtime.event_importer import SyncImporter
from core.services.bulk_import.import_deps import import_deps_for_worker
from core.worker import JOBS, WorkerDeps, run_forever, run_once


def build_deps(worker_id: str | None = None) -> WorkerDeps:
    """The worker's collaborators from settings: webhook events are fetched and reconciled
    through the same budgeted client, extractor and media store as scans and polls."""
    settings = get_settings()
    deps = WorkerDeps(engine=get_engine(), event_lease_seconds=settings.worker_event_lease_seconds,
                      job_intervals={"reap_expired_leases": settings.worker_reap_interval_seconds})
    if worker_id:
        deps.worker_id = worker_id
    deps.importer = SyncImporter(import_deps_for_worker(deps))
    return deps


@click.command("worker", help="Run the background jobs: webhook events, polling, scans, tokens, expiry.")
@click.option("--once", is_flag=True, help="Run every job once and exit (prints what each did).")
@click.option("--worker-id", default=None, help="Lease owner name (default: host-pid-random).")
@click.option("--metrics-port", type=int, default=None,
              help="Serve Prometheus metrics on http://127.0.0.1:PORT/metrics.")
def worker(once: bool, worker_id: str | None, metrics_port: int | None) -> None:
    configure_logging("worker")
    deps = build_deps(worker_id)
    job_list = JOBS
    if metrics_port:
        # Imported here, not at the top: `cli` loads every command module, and prometheus_client
        # fixes its storage when first imported, before `webhook-server` can set its metrics dir.
        from core.worker_metrics import WorkerMetrics, instrument_jobs

        metrics = WorkerMetrics(deps.engine, deps.clock)
        metrics.serve(metrics_port)
        job_list = instrument_jobs(JOBS, metrics)
    if once:
        click.echo(json.dumps(run_once(deps, job_list), default=str))
        return
    run_forever(deps, job_list)


COMMANDS = [worker]
