"""Sandbox -> sidecar (real HTTP) -> instagram_webhook_event -> worker -> draft, on both databases,
with the faults the issue names: unknown accounts, disconnected stores, throttling, dead tokens."""

from __future__ import annotations

import time

from sqlalchemy import update

from core.models import InstagramConnection, InstagramWebhookEvent
from core.services.realtime.webhook_events import handle_claimed_event  # noqa: F401  (the job under test)


def wait_for_events(world, count: int, seconds: float = 10.0) -> list[InstagramWebhookEvent]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        events = world.events()
        if len(events) >= count:
            return events
        time.sleep(0.05)
    raise AssertionError(f"expected {count} stored events, got {len(world.events())}")


def test_a_media_webhook_makes_the_draft_without_a_poll(realtime_hooks):
    world = realtime_hooks
    media_id = world.publish()
    [event] = wait_for_events(world, 1)
    assert event.media_id == media_id and event.status == "pending"
    assert world.process_events() == 1
    draft = world.draft(media_id)
    assert draft is not None and draft.status == "pending"
    [event] = world.events()
    assert event.status == "processed" and event.store_id == world.scan.store.id and event.attempts == 1
    assert world.connection.poll_hinted_at is not None  # the hint pulls the account's next poll forward
    assert world.runs("edit_sync")[0].drafts_created == 1  # visible in the sync history


def test_a_comment_on_a_known_post_is_ignored_and_a_repeat_delivery_stored_once(realtime_hooks):
    world = realtime_hooks
    media_id = world.publish()
    wait_for_events(world, 1)
    world.process_events()
    world.sandbox.comment(media_id, ["Bei gani?", "Iko size M?"])
    events = wait_for_events(world, 3)
    world.process_events()
    comments = [e for e in world.events() if e.field == "comments"]
    assert len(comments) == 2 and {e.status for e in comments} == {"ignored"}
    assert all("already held" in e.last_error for e in comments)
    assert len(world.drafts()) == 1 and len(events) == 3


def test_events_for_unknown_accounts_and_disconnected_stores_are_ignored_with_the_reason(realtime_hooks):
    world = realtime_hooks
    other = next(a for a in world.sandbox.accounts() if a["ig_user_id"] != world.scan.connection.ig_user_id)
    world.sandbox.publish(other["ig_user_id"])
    wait_for_events(world, 1)
    world.session.execute(update(InstagramConnection).values(status="revoked"))
    world.session.commit()
    world.publish()
    events = wait_for_events(world, 2)
    world.process_events()
    reasons = sorted(e.last_error for e in world.events())
    assert all(e.status == "ignored" for e in world.events()) and len(events) == 2
    assert "no store follows" in reasons[0] and "revoked" in reasons[1]
    assert world.drafts() == []


def test_a_throttled_lookup_is_retried_with_backoff_then_succeeds(realtime_hooks):
    world = realtime_hooks
    world.sandbox.inject_fault("throttle", count=10, code=4, ig_user_id=world.scan.connection.ig_user_id)
    media_id = world.publish()
    wait_for_events(world, 1)
    world.process_events()
    [event] = world.events()
    assert event.status == "pending" and event.attempts == 1 and "RateLimited" in event.last_error
    assert event.next_attempt_at is not None
    world.sandbox.clear_faults()
    world.scan.deps.budget.restore({"blocked_until": None}, world.scan.connection.ig_user_id)
    world.session.execute(update(InstagramWebhookEvent).values(next_attempt_at=None))
    world.session.commit()
    world.process_events()
    [event] = world.events()
    assert event.status == "processed" and event.attempts == 2 and world.draft(media_id) is not None


def test_a_dead_token_fails_the_event_at_once_and_marks_the_connection(realtime_hooks):
    world = realtime_hooks
    world.sandbox.inject_fault("invalid_token", ig_user_id=world.scan.connection.ig_user_id)
    world.publish()
    wait_for_events(world, 1)
    world.process_events()
    [event] = world.events()
    assert event.status == "failed" and event.attempts == 1 and "token" in event.last_error
    assert world.connection.status in ("revoked", "expired")


def test_a_media_update_about_a_held_post_reaches_its_draft_and_a_deletion_withdraws_it(realtime_hooks):
    world = realtime_hooks
    media_id = world.publish()
    wait_for_events(world, 1)
    world.process_events()
    world.sandbox.edit_caption(media_id, "Blue Denim Jacket, sizes S M L. Now Ksh 1,900 only #denim #jacket")
    wait_for_events(world, 2)
    world.process_events()
    world.session.expire_all()
    draft = world.draft(media_id)
    assert draft.extracted_data["price"] == 1900  # the edit arrived without waiting for a poll
    world.sandbox.delete_media(media_id)
    wait_for_events(world, 3)
    world.process_events()
    world.session.expire_all()
    assert world.draft(media_id).status == "withdrawn"
    assert {e.status for e in world.events()} == {"processed"}
