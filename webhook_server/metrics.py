"""Prometheus metrics of the sidecar.

Under gunicorn each worker is a process; when `PROMETHEUS_MULTIPROC_DIR` is set
(`catalog-sync webhook-server` sets it) prometheus_client keeps the values in files
there and `/metrics` adds up every worker's. Without it (tests) the figures are
per app.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
REJECT_REASONS = ("signature_missing", "signature_malformed", "signature_mismatch", "body_too_large",
                  "database_unavailable")


class SidecarMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.received = Counter("webhook_deliveries_received", "Webhook POSTs received", registry=r)
        self.rejected = Counter("webhook_deliveries_rejected", "Webhook POSTs refused, by reason",
                                ["reason"], registry=r)
        self.stored = Counter("webhook_events_stored", "Event rows stored, by status", ["status"], registry=r)
        self.duplicates = Counter("webhook_events_duplicate", "Updates already stored (Meta retries)",
                                  registry=r)
        self.latency = Histogram("webhook_request_duration_seconds", "Time to answer a webhook POST",
                                 buckets=LATENCY_BUCKETS, registry=r)
        for reason in REJECT_REASONS:
            self.rejected.labels(reason)
        for status in ("pending", "quarantined"):
            self.stored.labels(status)

    def exposition(self) -> tuple[bytes, str]:
        """The text format; every gunicorn worker's figures in multiprocess mode."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
