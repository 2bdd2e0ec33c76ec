"""The worker's Prometheus metrics: job counters through core.worker's own runner, and the
queue depth, oldest pending event age and budget left read from the database at scrape time."""

from datetime import timedelta

from core.clock import FrozenClock
from core.models import InstagramSyncHistory, InstagramWebhookEvent
from core.worker import Job, WorkerDeps, run_once
from core.worker_metrics import WorkerMetrics, instrument_jobs
from tests.integration.analytics import dataset




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
