"""Polling against the sandbox on both databases: new posts become drafts without a webhook, quiet
polls leave no history, the schedule adapts, and the budget share and Meta's throttling hold."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.models import ApiBudgetSnapshot, InstagramConnection, Notification
from core.services.realtime.poll_jobs import claim_due_connections
from tests.fixtures.webhook_server import FB_SECRET, IG_SECRET
from tests.integration.realtime.conftest import realtime_world


def test_a_published_post_becomes_a_draft_by_polling_alone(realtime):
    first = realtime.poll()
    assert [r.outcome for r in first] == ["polled"]
    assert realtime.drafts() == []  # the seeded posts predate the connection: a scan's job
    assert realtime.runs() == []  # nothing found: no history row

    media_id = realtime.publish()
    realtime.make_due()
    realtime.poll()
    draft = realtime.draft(media_id)
    assert draft is not None and draft.status == "pending"
    [run] = realtime.runs()
    assert run.status == "success" and run.drafts_created == 1 and run.api_calls_used >= 1
    assert draft.sync_history_id == run.id
    notice = realtime.session.scalar(select(Notification).where(Notification.draft_id == draft.id))
    assert notice is not None and notice.kind == "new_draft"

    connection = realtime.connection
    assert connection.poll_last_status == "success" and connection.poll_claimed_until is None
    assert connection.poll_interval_seconds == 1  # found something: the minimum (0.5 s, rounded)
    assert connection.poll_calls_this_hour >= 2
    assert realtime.session.scalar(select(ApiBudgetSnapshot.id)) is not None


def test_a_poll_is_not_due_before_its_time_and_only_one_worker_gets_it(realtime):
    realtime.poll()
    assert realtime.poll() == []  # next poll is a second away
    realtime.make_due()
    now = realtime.scan.deps.clock.now()
    assert len(claim_due_connections(realtime.session, now, lease_seconds=60, limit=5)) == 1
    assert claim_due_connections(realtime.session, now, lease_seconds=60, limit=5) == []  # claimed
    later = now + timedelta(seconds=61)  # the claimer died: its claim runs out
    assert len(claim_due_connections(realtime.session, later, lease_seconds=60, limit=5)) == 1


def test_idle_accounts_are_polled_less_often_up_to_the_maximum(realtime):
    intervals = []
    for _ in range(5):
        realtime.make_due()
        realtime.poll()
        intervals.append(realtime.connection.poll_interval_seconds)
    assert intervals[0] == 1 and intervals == sorted(intervals) and intervals[-1] == 4


def test_a_webhook_hint_pulls_the_next_poll_forward(realtime):
    from core.services.realtime.poll_jobs import note_webhook_hint

    realtime.poll()
    connection = realtime.connection
    due = connection.poll_next_at
    now = realtime.scan.deps.clock.now()
    note_webhook_hint(connection, now)
    realtime.session.commit()
    assert realtime.connection.poll_next_at == now < due
    assert [r.outcome for r in realtime.poll()] == ["polled"]


def test_polling_stays_within_its_share_of_the_hourly_budget(realtime):
    realtime.session.execute(InstagramConnection.__table__.update().values(poll_hourly_budget=4))
    realtime.session.commit()  # share 0.5 of 4 calls: 2 calls an hour
    outcomes = []
    for _ in range(4):
        realtime.make_due()
        outcomes += [r.outcome for r in realtime.poll()]
    assert outcomes.count("polled") <= 2 and outcomes[-1] == "waiting"
    connection = realtime.connection
    assert connection.poll_next_at >= connection.poll_hour_started_at + timedelta(minutes=59)


def test_a_throttled_poll_fails_visibly_and_waits_out_metas_block(realtime):
    realtime.poll()
    realtime.publish()
    realtime.sandbox.inject_fault("throttle", count=5, code=4, ig_user_id=realtime.scan.connection.ig_user_id)
    realtime.make_due()
    realtime.poll()
    [run] = realtime.runs()
    assert run.status == "failed" and run.last_error
    connection = realtime.connection
    assert connection.poll_last_status == "failed"
    assert connection.poll_next_at > realtime.scan.deps.clock.now() + timedelta(seconds=3)  # the max interval
    realtime.sandbox.clear_faults()


def test_an_expired_token_marks_the_connection_and_stops_polling(realtime):
    realtime.poll()
    realtime.sandbox.inject_fault("expired_token", ig_user_id=realtime.scan.connection.ig_user_id)
    realtime.make_due()
    realtime.poll()
    connection = realtime.connection
    assert connection.status == "expired" and connection.status_reason
    realtime.make_due()
    assert realtime.poll() == []  # only active connections are polled


def test_a_poll_that_only_finds_a_deletion_keeps_its_run_with_the_deletion_counted(
        session, engine, make_sandbox, tmp_path, database_url):
    """Deletions are posts processed: a scheduled poll that only withdrew a draft is not a quiet one."""
    sandbox = make_sandbox(fb_app_secret=FB_SECRET, ig_app_secret=IG_SECRET)
    realtime = realtime_world(session, engine, sandbox, tmp_path, database_url, reconcile_interval_seconds=0)
    media_id = realtime.publish()
    realtime.poll()
    assert realtime.draft(media_id).status == "pending"
    realtime.sandbox.delete_media(media_id)
    realtime.make_due()
    realtime.poll()
    assert realtime.draft(media_id).status == "withdrawn"
    created, withdrawn = realtime.runs()
    assert created.drafts_created == 1
    assert (withdrawn.posts_found, withdrawn.posts_processed, withdrawn.posts_skipped) == (1, 1, 0)
    assert withdrawn.status == "success" and withdrawn.drafts_created == 0
