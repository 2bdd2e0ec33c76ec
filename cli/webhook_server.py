"""`catalog-sync webhook-server`: the webhook sidecar under gunicorn.

Gunicorn runs in this process (its `BaseApplication`), so SIGTERM/Ctrl-C stop it
gracefully. Each worker builds its own app (and database pool) after the fork.
Metrics from every worker are added up through `PROMETHEUS_MULTIPROC_DIR`.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

import click
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from core.logging import configure_logging


class SidecarServer(BaseApplication):
    def __init__(self, options: dict):
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        from webhook_server import create_app

        configure_logging("webhook_server")
        return create_app()


class JsonLogger(glogging.Logger):
    """gunicorn's own lines (listening, workers booting and exiting, signals) as JSON lines
    through the app's handler, so everything on the sidecar's stderr parses the same way."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        configure_logging("webhook_server")
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.propagate = True


def _child_exit(_server, worker) -> None:
    # Drop a dead worker's live gauges; its counters stay in the totals.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def _require_prometheus_not_imported() -> None:
    """prometheus_client chooses per-process or file-backed values when first imported; imported
    before the directory is set, every worker would count privately and /metrics stay empty."""
    if "prometheus_client" in sys.modules:
        raise click.ClickException(
            "prometheus_client was imported before PROMETHEUS_MULTIPROC_DIR was set, so /metrics "
            "would be empty; import it lazily in that module, or set PROMETHEUS_MULTIPROC_DIR")


@click.command("webhook-server", help="Serve the webhook sidecar (Meta webhooks, health, metrics).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8701, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=1, show_default=True, type=int, help="threads per worker")
def webhook_server(host: str, port: int, workers: int, threads: int) -> None:
    own_metrics_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _require_prometheus_not_imported()
        own_metrics_dir = tempfile.mkdtemp(prefix="catalog-sync-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_metrics_dir
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,
        "child_exit": _child_exit,
        "logger_class": JsonLogger,
    }
    try:
        SidecarServer(options).run()
    finally:
        if own_metrics_dir:
            shutil.rmtree(own_metrics_dir, ignore_errors=True)


COMMANDS = [webhook_server]
