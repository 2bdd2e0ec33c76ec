"""`catalog-sync run`: the worker's metrics are served where it says, and SIGTERM stops every
process it started, as Ctrl-C does."""

from __future__ import annotations

import signal
import time

import pytest
import requests

from cli.run import _sidecar_workers
from tests.fixtures.live_stack import group_commands, start_live_stack, stop_group


def test_the_sidecar_gets_one_worker_on_sqlite_and_several_on_postgresql():
    assert _sidecar_workers("sqlite:///catalog_sync.db") == 1
    assert _sidecar_workers("postgresql+psycopg://catalog@db:5432/catalog_sync") > 1


@pytest.mark.slow
def test_sigterm_stops_every_process_it_started(tmp_path):
    process, stack = start_live_stack(tmp_path)
    try:
        started = [c for c in group_commands(process.pid) if " cli run " not in c]
        assert len(started) >= 4, started  # sandbox, sidecar, worker, UI
        sidecar = [c for c in started if " webhook-server " in c]
        assert len(sidecar) == 2, sidecar  # gunicorn's master and ONE worker: SQLite takes one writer at a time
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        deadline = time.monotonic() + 20
        while group_commands(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert group_commands(process.pid) == [], stack.log_tail()
    finally:
        stop_group(process)


def _scrape_once_a_job_ran(url: str) -> str:
    deadline = time.monotonic() + 30
    text = ""
    while time.monotonic() < deadline:
        text = requests.get(url, timeout=5).text
        if "worker_jobs_run_total{" in text:
            break
        time.sleep(0.5)
    return text


@pytest.mark.slow
def test_the_worker_serves_its_metrics_where_the_banner_says(live_stack):
    assert f"worker metrics: {live_stack.worker_metrics_url}" in live_stack.log_tail(200_000)
    text = _scrape_once_a_job_ran(live_stack.worker_metrics_url)
    for family in ("worker_jobs_run_total", "worker_jobs_failed_total", "worker_queue_depth",
                   "worker_oldest_pending_event_age_seconds", "worker_api_budget_remaining_calls"):
        assert f"# TYPE {family} " in text, family
    assert 'worker_jobs_run_total{job="webhook_events"}' in text
    assert 'worker_queue_depth{queue="webhook_events"} 0.0' in text


@pytest.mark.slow
def test_the_banner_is_not_buried_by_a_line_per_sandbox_request(live_stack):
    requests.get(f"{live_stack.sandbox_url}/_sandbox/accounts", timeout=5)  # at least one request to log
    log = live_stack.log_tail(2_000_000)
    assert "ops login:" in log
    request_lines = [line for line in log.splitlines() if '"logger": "werkzeug"' in line and '"INFO"' in line]
    assert request_lines == [], request_lines[:3]
