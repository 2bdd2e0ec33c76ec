"""The worker's Prometheus metrics: job counters through core.worker's own runner, and the
queue depth, oldest pending event age and budget left read from the database at scrape time."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests

from core.clock import FrozenClock, SystemClock
from core.models import ApiBudgetSnapshot, InstagramConnection, InstagramSyncHistory, InstagramWebhookEvent
from core.worker import Job, WorkerDeps, run_once
from core.worker_metrics import WorkerMetrics, instrument_jobs
from tests.factories import make_store
from tests.fixtures.webhook_server import free_port
from tests.integration.analytics import dataset

ROOT = Path(__file__).resolve().parents[3]




def _value(text: str, metric: str) -> float:
    for line in text.splitlines():
        if line.split(" ")[0] == metric:
            return float(line.split(" ")[-1])
    raise AssertionError(f"{metric} not in metrics:\n{text}")


def test_queue_depth_event_age_and_budget_left(engine, session):
    data = dataset.build(session)  # 1 pending event (received 2 March 10:00), 1 queued sync, budgets
    clock = FrozenClock(dataset.at(2, 10) + timedelta(minutes=5))
    session.add(InstagramWebhookEvent(id="whe_new", dedup_key="new", status="pending",
                                      received_at=dataset.at(2, 10, 4)))
    session.add(InstagramSyncHistory(id="sync_q2", store_id=data.store_b.id, sync_type="bulk_import", status="queued"))
    session.commit()
    text = WorkerMetrics(engine, clock).exposition().decode()
    assert _value(text, 'worker_queue_depth{queue="webhook_events"}') == 2
    assert _value(text, 'worker_queue_depth{queue="sync_runs"}') == 2
    assert _value(text, "worker_oldest_pending_event_age_seconds") == 300
    assert _value(text, 'worker_api_budget_remaining_calls{connection_id="igc_shop_a"}') == 0
    assert _value(text, 'worker_api_budget_usage_percent{connection_id="igc_shop_b"}') == 5


def test_jobs_run_failed_and_items_counted(engine):
    metrics = WorkerMetrics(engine)

    def handles_three(deps):
        return 3

    def breaks(deps):
        raise RuntimeError("boom")

    jobs = instrument_jobs([Job("events", handles_three, 2), Job("broken", breaks, 2)], metrics)
    deps = WorkerDeps(engine=engine)
    run_once(deps, jobs)
    results = run_once(deps, jobs)
    assert results == {"events": 3, "broken": None}  # the runner logs the failure and goes on
    text = metrics.exposition().decode()
    assert _value(text, 'worker_jobs_run_total{job="events"}') == 2
    assert _value(text, 'worker_job_items_total{job="events"}') == 6
    assert _value(text, 'worker_jobs_failed_total{job="broken"}') == 2
    assert _value(text, 'worker_queue_depth{queue="webhook_events"}') == 0


def _waiting_work(session) -> None:
    """A revoked account with a budget reading, and an event backed off for an hour (it stays pending)."""
    store, now = make_store(session), SystemClock().now()
    session.add(InstagramConnection(id="igc_metrics", store_id=store.id, seller_id=store.seller_id,
                                    login_flow="instagram", ig_user_id="ig_metrics", status="revoked"))
    session.flush()
    session.add(ApiBudgetSnapshot(id="abs_metrics", store_id=store.id, connection_id="igc_metrics",
                                  ig_user_id="ig_metrics", remaining_calls=4321, usage_percent=12.0, taken_at=now))
    session.add(InstagramWebhookEvent(id="whe_waiting", dedup_key="waiting", status="pending",
                                      received_at=now - timedelta(hours=1), next_attempt_at=now + timedelta(hours=1)))
    session.commit()


def _scrape_once_jobs_ran(url: str, process: subprocess.Popen) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            text = requests.get(url, timeout=2).text
            if 'worker_jobs_run_total{job="webhook_events"}' in text:
                return text
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"no job counted at {url} (worker exit code {process.poll()})")


def test_the_worker_process_serves_its_metrics_over_http(database_url, engine, session, tmp_path):
    _waiting_work(session)
    port = free_port()
    with open(tmp_path / "worker.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "cli", "worker", "--metrics-port", str(port)], cwd=ROOT,
                                   env={**os.environ, "DATABASE_URL": database_url}, stdout=log, stderr=log)
    try:
        text = _scrape_once_jobs_ran(f"http://127.0.0.1:{port}/metrics", process)
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert _value(text, 'worker_jobs_run_total{job="webhook_events"}') >= 1
    assert "# TYPE worker_jobs_failed_total counter" in text
    assert _value(text, 'worker_queue_depth{queue="webhook_events"}') == 1
    assert 3590 <= _value(text, "worker_oldest_pending_event_age_seconds") <= 3700
    assert _value(text, 'worker_api_budget_remaining_calls{connection_id="igc_metrics"}') == 4321
