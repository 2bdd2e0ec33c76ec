"""core.jobs on SQLite and PostgreSQL: claim, lease, fence, retry, reap; concurrent workers."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import jobs
from core.clock import FrozenClock
from core.ids import new_id
from core.models import InstagramSyncHistory, InstagramWebhookEvent
from tests.factories import make_store

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def add_events(session, count: int, clock) -> list[str]:
    ids = []
    for n in range(count):
        event = InstagramWebhookEvent(
            id=new_id("whe"), dedup_key=f"k{n}-{new_id('x')}", object_type="instagram",
            field="comments", ig_user_id="1784", media_id=f"m{n}", payload={"n": n},
            received_at=clock.now() + timedelta(microseconds=n),
        )
        session.add(event)
        ids.append(event.id)
    session.commit()
    return ids


def add_scan(session) -> InstagramSyncHistory:
    run = InstagramSyncHistory(id=new_id("sync"), store_id=make_store(session).id, sync_type="bulk_import",
                               created_at=T0)
    session.add(run)
    session.commit()
    return run


def status_of(session, row_id):
    session.expire_all()
    return session.get(InstagramWebhookEvent, row_id)


def test_claim_takes_due_rows_oldest_first_and_marks_them_running(session):
    clock = FrozenClock(T0)
    ids = add_events(session, 5, clock)
    leases = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", limit=3, lease_seconds=30, clock=clock)
    assert [l.row_id for l in leases] == ids[:3]
    assert all(l.attempt == 1 and l.expires_at == T0 + timedelta(seconds=30) for l in leases)
    row = status_of(session, ids[0])
    assert (row.status, row.lease_owner, row.attempts) == ("processing", "w1", 1)
    rest = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w2", limit=10, clock=clock)
    assert [l.row_id for l in rest] == ids[3:]
    assert jobs.claim(session, jobs.WEBHOOK_EVENTS, "w3", clock=clock) == []


def test_complete_is_fenced_and_stamps_the_finish(session):
    clock = FrozenClock(T0)
    [event_id] = add_events(session, 1, clock)
    [lease] = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", clock=clock)
    jobs.complete(session, jobs.WEBHOOK_EVENTS, lease, "processed", clock=clock)
    row = status_of(session, event_id)
    assert (row.status, row.lease_owner, row.lease_expires_at, row.processed_at) == ("processed", None, None, T0)
    with pytest.raises(jobs.LeaseLost):
        jobs.complete(session, jobs.WEBHOOK_EVENTS, lease, "ignored", clock=clock)
    with pytest.raises(ValueError):
        jobs.complete(session, jobs.WEBHOOK_EVENTS, lease, "failed", clock=clock)


def test_a_zombie_cannot_overwrite_a_reclaimed_row_and_its_work_is_rolled_back(session, engine):
    clock = FrozenClock(T0)
    [event_id] = add_events(session, 1, clock)
    [zombie] = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", lease_seconds=10, clock=clock)
    clock.advance(seconds=11)
    assert jobs.reap_expired(session, jobs.WEBHOOK_EVENTS, clock=clock) == 1
    # The same process claims it again: owner matches, the attempt (fencing token) does not.
    [fresh] = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", clock=clock)
    assert fresh.attempt == 2
    with Session(engine) as zombie_session:
        zombie_session.get(InstagramWebhookEvent, event_id).media_id = "zombie-write"
        with pytest.raises(jobs.LeaseLost):
            jobs.complete(zombie_session, jobs.WEBHOOK_EVENTS, zombie, "processed", clock=clock)
    row = status_of(session, event_id)
    assert (row.status, row.media_id, row.attempts) == ("processing", "m0", 2)
    jobs.complete(session, jobs.WEBHOOK_EVENTS, fresh, "ignored", clock=clock)
    assert status_of(session, event_id).status == "ignored"


def test_failures_back_off_with_jitter_three_times_then_fail_for_good_keeping_the_error(session):
    clock = FrozenClock(T0)
    [event_id] = add_events(session, 1, clock)
    rng = random.Random(3)
    for attempt in (1, 2, 3):  # the first try and two retries fail: a third retry is still due
        [lease] = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", clock=clock)
        assert lease.attempt == attempt
        assert jobs.fail(session, jobs.WEBHOOK_EVENTS, lease, f"boom {attempt}", clock=clock, rng=rng) == "pending"
        row = status_of(session, event_id)
        wait = (row.next_attempt_at - clock.now()).total_seconds()
        nominal = jobs.BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)
        assert nominal / 2 <= wait <= nominal
        assert jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", clock=clock) == []  # not due yet
        clock.advance(seconds=wait)
    [lease] = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", clock=clock)
    assert jobs.fail(session, jobs.WEBHOOK_EVENTS, lease, "boom 4", clock=clock) == "failed"
    row = status_of(session, event_id)
    assert (row.status, row.last_error, row.attempts, row.lease_owner) == ("failed", "boom 4", 4, None)
    assert jobs.requeue(session, jobs.WEBHOOK_EVENTS, event_id, clock=clock)
    assert status_of(session, event_id).status == "pending"


def test_scans_keep_three_attempts(session):
    clock = FrozenClock(T0)
    add_scan(session)
    statuses = []
    for _ in range(3):
        [lease] = jobs.claim(session, jobs.SYNC_RUNS, "w1", clock=clock)
        statuses.append(jobs.fail(session, jobs.SYNC_RUNS, lease, "Meta answered 500", clock=clock))
        clock.advance(hours=1)
    assert statuses == ["queued", "queued", "failed"]


def test_a_permanent_error_fails_at_once(session):
    clock = FrozenClock(T0)
    [event_id] = add_events(session, 1, clock)
    [lease] = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", clock=clock)
    assert jobs.fail(session, jobs.WEBHOOK_EVENTS, lease, "token revoked", retryable=False, clock=clock) == "failed"
    assert status_of(session, event_id).last_error == "token revoked"


def test_renew_keeps_the_lease_past_its_first_expiry(session):
    clock = FrozenClock(T0)
    [event_id] = add_events(session, 1, clock)
    [lease] = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", lease_seconds=10, clock=clock)
    clock.advance(seconds=8)
    lease = jobs.renew(session, jobs.WEBHOOK_EVENTS, lease, lease_seconds=10, clock=clock)
    clock.advance(seconds=8)
    assert jobs.reap_expired(session, jobs.WEBHOOK_EVENTS, clock=clock) == 0
    jobs.complete(session, jobs.WEBHOOK_EVENTS, lease, "processed", clock=clock)


def test_release_hands_a_row_back_ready_with_its_attempt_undone_and_is_fenced(session):
    clock = FrozenClock(T0)
    [event_id] = add_events(session, 1, clock)
    [lease] = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", clock=clock)
    jobs.release(session, jobs.WEBHOOK_EVENTS, lease)
    row = status_of(session, event_id)
    assert (row.status, row.attempts, row.lease_owner, row.lease_expires_at) == ("pending", 0, None, None)
    with pytest.raises(jobs.LeaseLost):  # a second release, or one after a reap, changes nothing
        jobs.release(session, jobs.WEBHOOK_EVENTS, lease)
    [again] = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w2", clock=clock)  # due at once, no reaper needed
    assert again.attempt == 1
    with pytest.raises(jobs.LeaseLost):  # same token, other owner: the fence still holds
        jobs.complete(session, jobs.WEBHOOK_EVENTS, lease, "processed", clock=clock)


def _claim_and_die(session, clock) -> None:
    assert len(jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", lease_seconds=5, clock=clock)) == 1
    clock.advance(seconds=6)
    assert jobs.reap_expired(session, jobs.WEBHOOK_EVENTS, clock=clock) == 1


def test_the_reaper_fails_rows_whose_worker_died_every_time(session):
    clock = FrozenClock(T0)
    [event_id] = add_events(session, 1, clock)
    for _ in range(jobs.WEBHOOK_EVENTS.max_lease_expiries - 1):
        _claim_and_die(session, clock)
    assert status_of(session, event_id).status == "pending"  # a dead worker is not a failed attempt
    _claim_and_die(session, clock)
    row = status_of(session, event_id)
    assert row.status == "failed" and "lease expired" in row.last_error


def test_dead_workers_do_not_use_up_the_retries_for_real_errors(session):
    clock = FrozenClock(T0)
    [event_id] = add_events(session, 1, clock)
    for _ in range(jobs.WEBHOOK_EVENTS.max_attempts):
        _claim_and_die(session, clock)
    # Three claims ended with the worker dying; the first real error still gets a retry.
    [lease] = jobs.claim(session, jobs.WEBHOOK_EVENTS, "w1", clock=clock)
    assert lease.attempt == jobs.WEBHOOK_EVENTS.max_attempts + 1 and lease.failed_attempts_before == 0
    assert jobs.fail(session, jobs.WEBHOOK_EVENTS, lease, "Meta answered 500", clock=clock) == "pending"
    assert status_of(session, event_id).lease_expiries == jobs.WEBHOOK_EVENTS.max_attempts


def test_sync_runs_use_the_same_machinery(session):
    clock = FrozenClock(T0)
    run = add_scan(session)
    [lease] = jobs.claim(session, jobs.SYNC_RUNS, "w1", clock=clock)
    session.expire_all()
    assert (run.status, run.started_at, run.attempts) == ("running", T0, 1)
    jobs.complete(session, jobs.SYNC_RUNS, lease, "success", clock=clock, posts_found=3)
    session.expire_all()
    assert (run.status, run.completed_at, run.posts_found, run.lease_owner) == ("success", T0, 3, None)


@pytest.mark.parametrize("workers", [2, 3])
def test_concurrent_workers_never_take_the_same_row(engine, session, workers):
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED concurrency is a PostgreSQL property; SQLite runs one worker")
    clock = FrozenClock(T0)
    ids = add_events(session, 300, clock)
    taken: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def work(owner: str) -> None:
        with Session(engine) as own:
            start.wait()
            while leases := jobs.claim(own, jobs.WEBHOOK_EVENTS, owner, limit=7, clock=clock):
                for lease in leases:
                    jobs.complete(own, jobs.WEBHOOK_EVENTS, lease, "processed", clock=clock)
                with lock:
                    taken.extend(l.row_id for l in leases)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Counter(taken).most_common(1)[0][1] == 1
    assert sorted(taken) == sorted(ids)
    statuses = session.scalars(select(InstagramWebhookEvent.status).distinct()).all()
    assert statuses == ["processed"]
