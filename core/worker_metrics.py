"""Prometheus metrics of the worker: jobs run and failed, queue depth, event age, API budget left.

The sidecar has its own (`webhook_server/metrics.py`); this is the worker's side. Job
counters live in the process; the queue and budget figures are read from the database
at scrape time, so every worker reports the same shared truth.

Wiring (in `cli/worker.py`):

    metrics = WorkerMetrics(engine)
    metrics.serve(port)                       # GET http://host:port/metrics
    run_forever(deps, instrument_jobs(JOBS, metrics))
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.services.analytics.queues import queue_health


class _QueueCollector:
    """Reads queue depth, oldest pending event age and budget left when Prometheus scrapes."""

    def __init__(self, engine: Engine, clock: Clock):
        self.engine, self.clock = engine, clock

    def collect(self) -> Iterable[GaugeMetricFamily]:
        with Session(self.engine) as session:
            health = queue_health(session, self.clock.now())
        depth = GaugeMetricFamily("worker_queue_depth", "Rows waiting for a worker, by queue", labels=["queue"])
        depth.add_metric(["webhook_events"], health.pending_events)
        depth.add_metric(["sync_runs"], health.queued_syncs)
        yield depth
        yield GaugeMetricFamily(
            "worker_oldest_pending_event_age_seconds", "Age of the oldest pending webhook event",
            value=health.oldest_pending_event_age_s or 0.0,
        )
        budget = GaugeMetricFamily(
            "worker_api_budget_remaining_calls", "Graph calls left before the headroom line (latest reading)",
            labels=["connection_id"],
        )
        usage = GaugeMetricFamily("worker_api_budget_usage_percent", "Meta's usage figure (latest reading)",
                                  labels=["connection_id"])
        for account in health.budgets:
            if account.remaining_calls is not None:
                budget.add_metric([account.connection_id], account.remaining_calls)
            if account.usage_percent is not None:
                usage.add_metric([account.connection_id], account.usage_percent)
        yield budget
        yield usage


class WorkerMetrics:
    def __init__(self, engine: Engine, clock: Clock | None = None):
        self.registry = CollectorRegistry()
        r = self.registry
        self.runs = Counter("worker_jobs_run", "Job runs, by job", ["job"], registry=r)
        self.failures = Counter("worker_jobs_failed", "Job runs that raised, by job", ["job"], registry=r)
        self.items = Counter("worker_job_items", "Rows a job handled, by job", ["job"], registry=r)
        self.duration = Histogram("worker_job_duration_seconds", "Time per job run", ["job"], registry=r)
        r.register(_QueueCollector(engine, clock or SystemClock()))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def serve(self, port: int, addr: str = "127.0.0.1") -> None:
        """Serve /metrics from a background thread of this process."""
        start_http_server(port, addr=addr, registry=self.registry)

    def observe(self, job_name: str, run) -> Any:
        started = time.perf_counter()
        self.runs.labels(job_name).inc()
        try:
            result = run()
        except Exception:
            self.failures.labels(job_name).inc()
            raise
        finally:
            self.duration.labels(job_name).observe(time.perf_counter() - started)
        if isinstance(result, int) and not isinstance(result, bool):
            self.items.labels(job_name).inc(result)
        return result


def instrument_jobs(job_list: Iterable[Any], metrics: WorkerMetrics) -> list[Any]:
    """The same jobs (core.worker.Job), each run counted and timed; failures still raise."""
    return [replace(job, run=_counted(job.name, job.run, metrics)) for job in job_list]


def _counted(name: str, run, metrics: WorkerMetrics):
    def counted(deps):
        return metrics.observe(name, lambda: run(deps))

    return counted
