"""The webhook-event job: decisions, retries, a killed worker, and workers side by side."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core import jobs
from core.clock import FrozenClock
from core.ids import new_id
from core.models import InstagramConnection, InstagramWebhookEvent, ProductDraft, Store
from core.security import SYSTEM
from core.services.realtime.webhook_events import EventOutcome, PermanentEventError, retry_event
from core.worker import WorkerDeps, process_webhook_events, reap_expired_leases, run_once
from tests.factories import make_store

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


class DraftingImporter:
    """A real, local importer: writes a minimal draft per media and counts its calls."""

    def __init__(self, fail_with: Exception | None = None, delay: float = 0.0):
        self.calls: Counter[str] = Counter()
        self.fail_with = fail_with
        self.delay = delay
        self._lock = threading.Lock()

    def import_event_media(self, session, connection, media_id) -> EventOutcome:
        with self._lock:
            self.calls[media_id] += 1
        if self.fail_with:
            raise self.fail_with
        time.sleep(self.delay)
        draft = ProductDraft(id=new_id("draft"), store_id=connection.store_id, connection_id=connection.id,
                             ig_media_id=media_id, ig_media_type="IMAGE", expires_at=T0 + timedelta(days=7))
        session.add(draft)
        session.flush()
        return EventOutcome("processed", draft_id=draft.id)


def connect(session, ig_user_id="1784", status="active", name="Shop"):
    store = make_store(session, name=f"{name} {new_id('s')}")
    connection = InstagramConnection(id=new_id("igc"), store_id=store.id, seller_id=store.seller_id,
                                     login_flow="facebook", ig_user_id=ig_user_id, status=status)
    session.add(connection)
    session.commit()
    return connection


def event(session, ig_user_id="1784", media_id="m1", field="comments", n=0) -> str:
    row = InstagramWebhookEvent(id=new_id("whe"), dedup_key=new_id("k"), object_type="instagram", field=field,
                                ig_user_id=ig_user_id, media_id=media_id, payload={},
                                received_at=T0 + timedelta(microseconds=n))
    session.add(row)
    session.commit()
    return row.id


def reload(session, event_id):
    session.expire_all()
    return session.get(InstagramWebhookEvent, event_id)


def deps_for(engine, importer, clock=None, worker_id="w1") -> WorkerDeps:
    return WorkerDeps(engine=engine, importer=importer, clock=clock or FrozenClock(T0), worker_id=worker_id)


def test_events_are_imported_or_ignored_with_the_reason_kept(engine, session):
    connection = connect(session)
    connect(session, ig_user_id="555", status="revoked", name="Gone")
    new = event(session, media_id="m-new", n=1)
    unknown = event(session, ig_user_id="999", n=2)
    revoked = event(session, ig_user_id="555", n=3)
    no_media = event(session, media_id=None, field="messaging", n=4)
    importer = DraftingImporter()
    assert process_webhook_events(deps_for(engine, importer)) == 4
    known_again = event(session, media_id="m-new", n=5)
    assert process_webhook_events(deps_for(engine, importer)) == 1

    row = reload(session, new)
    assert (row.status, row.store_id, row.processed_at) == ("processed", connection.store_id, T0)
    assert session.scalar(select(ProductDraft.store_id).where(ProductDraft.ig_media_id == "m-new")) == connection.store_id
    assert reload(session, unknown).last_error == "ignored: no store follows Instagram account 999"
    assert reload(session, revoked).last_error == "ignored: the store's Instagram connection is revoked, not active"
    assert reload(session, no_media).last_error == "ignored: the messaging update names no media"
    assert reload(session, known_again).status == "ignored"
    assert "already held" in reload(session, known_again).last_error
    assert importer.calls == Counter({"m-new": 1})


def test_a_failing_import_is_retried_with_backoff_then_failed_and_can_be_retried(engine, session):
    connect(session)
    event_id = event(session)
    clock = FrozenClock(T0)
    deps = deps_for(engine, DraftingImporter(fail_with=RuntimeError("sandbox answered 500")), clock)
    for attempt in range(1, 5):  # the first try and 3 retries, then failed
        assert process_webhook_events(deps) == 1
        row = reload(session, event_id)
        assert row.attempts == attempt and row.last_error == "RuntimeError: sandbox answered 500"
        assert row.status == ("failed" if attempt == 4 else "pending")
        assert session.scalar(select(ProductDraft.id)) is None  # partial work rolled back
        clock.advance(hours=1)
    assert retry_event(session, SYSTEM, event_id, clock=clock)
    deps.importer = DraftingImporter()
    assert process_webhook_events(deps) == 1
    assert reload(session, event_id).status == "processed"


def test_a_permanent_error_fails_at_once(engine, session):
    connect(session)
    event_id = event(session)
    deps = deps_for(engine, DraftingImporter(fail_with=PermanentEventError("token revoked (190)")))
    process_webhook_events(deps)
    row = reload(session, event_id)
    assert (row.status, row.attempts) == ("failed", 1)


def test_a_worker_killed_mid_event_leaves_it_to_another_after_the_lease(engine, session):
    connect(session)
    event_id = event(session)
    clock = FrozenClock(T0)
    [dead_lease] = jobs.claim(session, jobs.WEBHOOK_EVENTS, "dead-worker", clock=clock)  # then it dies
    survivor = deps_for(engine, DraftingImporter(), clock, worker_id="w2")
    assert process_webhook_events(survivor) == 0  # still leased
    clock.advance(seconds=jobs.DEFAULT_LEASE_SECONDS + 1)
    assert reap_expired_leases(survivor) == 1
    assert process_webhook_events(survivor) == 1
    row = reload(session, event_id)
    assert (row.status, row.attempts) == ("processed", 2)
    with pytest.raises(jobs.LeaseLost):  # the dead worker wakes up: it can change nothing
        jobs.complete(session, jobs.WEBHOOK_EVENTS, dead_lease, "ignored", clock=clock)


class StoppingImporter(DraftingImporter):
    """Sets the worker's stop flag once it has imported `after` media (a SIGTERM mid-batch)."""

    def __init__(self, stopping: threading.Event, after: int):
        super().__init__()
        self.stopping, self.after = stopping, after

    def import_event_media(self, session, connection, media_id) -> EventOutcome:
        outcome = super().import_event_media(session, connection, media_id)
        if sum(self.calls.values()) >= self.after:
            self.stopping.set()
        return outcome


def test_a_batch_slower_than_its_lease_keeps_its_leases_and_each_event_runs_once(engine, session):
    connect(session)
    ids = [event(session, media_id=f"m{n}", n=n) for n in range(8)]
    importer = DraftingImporter(delay=0.5)  # 8 x 0.5 s: the batch takes twice its 2 s lease
    slow = WorkerDeps(engine=engine, importer=importer, worker_id="slow", event_lease_seconds=2.0)
    other = WorkerDeps(engine=engine, importer=importer, worker_id="other", event_lease_seconds=2.0)
    worker = threading.Thread(target=lambda: process_webhook_events(slow, batch=8))
    worker.start()
    while not importer.calls and worker.is_alive():  # the slow worker holds the whole batch first
        time.sleep(0.01)
    taken_by_other = 0
    while worker.is_alive():
        reap_expired_leases(other)
        taken_by_other += process_webhook_events(other)
        time.sleep(0.1)
    worker.join()
    assert taken_by_other == 0
    assert importer.calls == Counter({f"m{n}": 1 for n in range(8)})
    assert {(reload(session, i).status, reload(session, i).attempts) for i in ids} == {("processed", 1)}


def test_stopping_mid_batch_hands_the_rest_back_at_once_without_using_an_attempt(engine, session):
    connect(session)
    ids = [event(session, media_id=f"m{n}", n=n) for n in range(5)]
    clock = FrozenClock(T0)  # no time passes: nothing can come back through the reaper
    deps = deps_for(engine, None, clock)
    deps.importer = StoppingImporter(deps.stopping, after=2)
    assert process_webhook_events(deps) == 2
    rest = [reload(session, i) for i in ids[2:]]
    assert [(e.status, e.attempts, e.lease_owner, e.lease_expires_at) for e in rest] == [("pending", 0, None, None)] * 3
    survivor = deps_for(engine, DraftingImporter(), clock, worker_id="w2")
    assert process_webhook_events(survivor) == 3
    assert {(reload(session, i).status, reload(session, i).attempts) for i in ids} == {("processed", 1)}


def test_run_once_runs_every_job(engine, session):
    connect(session)
    event(session)
    results = run_once(deps_for(engine, DraftingImporter()))
    assert results["webhook_events"] == 1 and results["reap_expired_leases"] == 0


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_side_by_side_never_process_an_event_twice(engine, session, workers):
    if engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL; SQLite runs one")
    connect(session)
    ids = [event(session, media_id=f"m{n}", n=n) for n in range(90)]
    importer = DraftingImporter(delay=0.002)
    start = threading.Barrier(workers)
    handled = Counter()

    def work(name: str) -> None:
        deps = WorkerDeps(engine=engine, importer=importer, worker_id=name)
        start.wait()
        handled[name] = process_webhook_events(deps, batch=5)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(workers)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert max(importer.calls.values()) == 1 and len(importer.calls) == 90
    assert sum(handled.values()) == 90 and all(handled[f"w{n}"] > 0 for n in range(workers))
    session.expire_all()
    assert {reload(session, i).status for i in ids} == {"processed"}


def test_the_worker_process_stops_gracefully_on_sigterm(database_url):
    env = {**os.environ, "DATABASE_URL": database_url}
    process = subprocess.Popen([sys.executable, "-m", "cli", "worker"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    started = b""
    while b"starting" not in started:  # signal handlers are installed by then
        line = process.stdout.readline()
        assert line, f"worker exited early: {started.decode()}"
        started += line
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert b"stopping (signal 15)" in process.stdout.read()


def test_worker_once_from_the_command_line(database_url, engine, session):
    event(session, ig_user_id="424242")  # nobody follows it, whichever importer the CLI wires
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "cli", "worker", "--once"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"webhook_events": 1' in done.stdout
    assert session.scalars(select(InstagramWebhookEvent.last_error)).one() == \
        "ignored: no store follows Instagram account 424242"


def test_the_ops_list_shows_events_to_ops_only(session, engine):
    from core.errors import PermissionDenied
    from core.services.realtime.webhook_events import list_events
    from tests.factories import make_seller

    connection = connect(session)
    failed = event(session, n=1)
    event(session, media_id="m2", n=2)
    session.get(InstagramWebhookEvent, failed).status = "failed"
    session.commit()
    assert [e["id"] for e in list_events(session, SYSTEM, status="failed")] == [failed]
    assert len(list_events(session, SYSTEM)) == 2
    seller = make_seller(session, session.get(Store, connection.store_id))
    with pytest.raises(PermissionDenied):
        list_events(session, seller)
    with pytest.raises(PermissionDenied):
        retry_event(session, seller, failed)
