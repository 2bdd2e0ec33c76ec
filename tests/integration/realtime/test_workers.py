"""Several workers at once on PostgreSQL (threads with their own sessions and worker ids), racing
webhook look-ups against polls of the same account: every post is drafted once, and every event
is handled once (the claim test in test_polling shows one poller per account at a time)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from core.services.realtime.poll_jobs import poll_due_connections
from core.worker import process_webhook_events
from tests.integration.realtime.conftest import worker_for
from tests.integration.realtime.test_event_pipeline import wait_for_events


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_side_by_side_make_one_draft_per_post(realtime_hooks, engine, database_url, workers):
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL; SQLite runs one")
    world = realtime_hooks
    world.poll()
    posts = [world.publish(f"Kitenge dress no. {n}, Ksh {1000 + n}") for n in range(12)]
    wait_for_events(world, len(posts))
    world.make_due()
    polled: Counter[str] = Counter()
    lock = threading.Lock()

    def work(n: int) -> None:
        worker = worker_for(world.scan, engine, worker_id=f"w{n}")
        for _ in range(3):
            process_webhook_events(worker)
            for result in poll_due_connections(world.scan.deps):
                if result.outcome == "polled":
                    with lock:
                        polled[result.connection_id] += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    drafts = world.drafts()
    assert sorted(d.ig_media_id for d in drafts) == sorted(posts)  # once each, whoever got there first
    events = world.events()
    assert all(e.status in ("processed", "ignored") and e.attempts == 1 for e in events)
    assert sum(e.status == "processed" for e in events) + sum(
        1 for r in world.runs() for _ in range(r.drafts_created)) == len(posts)
    assert polled[world.scan.connection.id] >= 1
