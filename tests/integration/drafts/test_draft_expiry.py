"""Expiry and reminders: idempotent jobs, one notice per draft, and the notification reads."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import FrozenClock, utcnow
from core.errors import PermissionDenied
from core.models import Notification, ProductDraft
from core.services.review.expiry import expire_drafts, send_expiry_reminders
from core.services.review.notifications import list_notifications, mark_read, notify_scan_finished, unread_count
from tests.factories import make_draft


def test_expire_marks_only_overdue_pending_drafts_once(session, shop):
    now = utcnow()
    overdue = make_draft(session, shop.store, expires_at=now - timedelta(minutes=1))
    fresh = make_draft(session, shop.store, expires_at=now + timedelta(hours=1))
    approved = make_draft(session, shop.store, status="approved", expires_at=now - timedelta(days=1))
    clock = FrozenClock(now)
    assert expire_drafts(session, clock) == 1
    assert expire_drafts(session, clock) == 0
    session.expire_all()
    statuses = {d.id: d.status for d in session.scalars(select(ProductDraft))}
    assert statuses == {overdue.id: "expired", fresh.id: "pending", approved.id: "approved"}


def test_expire_works_through_many_chunks(session, shop):
    from core.services.review import expiry

    past = utcnow() - timedelta(hours=1)
    for _ in range(expiry.CHUNK + 3):
        make_draft(session, shop.store, expires_at=past, commit=False)
    session.commit()
    assert expire_drafts(session, FrozenClock()) == expiry.CHUNK + 3


def test_reminder_is_sent_once_per_draft_a_day_before(session, shop, other_shop):
    now = utcnow()
    for hours in (5, 23):
        make_draft(session, shop.store, expires_at=now + timedelta(hours=hours))
    make_draft(session, shop.store, expires_at=now + timedelta(hours=30))
    single = make_draft(session, other_shop.store, expires_at=now + timedelta(hours=10))
    clock = FrozenClock(now)
    assert send_expiry_reminders(session, clock) == 3
    assert send_expiry_reminders(session, clock) == 0
    titles = {n.store_id: (n.title, n.draft_id) for n in session.scalars(select(Notification))}
    assert titles == {shop.store.id: ("2 drafts expire tomorrow", None),
                      other_shop.store.id: ("1 draft expires tomorrow", single.id)}
    clock.advance(hours=7)  # the 30 h draft enters its last day
    assert send_expiry_reminders(session, clock) == 1


def test_notifications_are_scoped_counted_and_marked_read(session, shop, other_shop):
    notify_scan_finished(session, shop.store.id, "sync_1", "success", 12)
    notify_scan_finished(session, shop.store.id, "sync_1", "success", 12)  # same scan: once
    notify_scan_finished(session, shop.store.id, "sync_2", "partial_success", 1)
    session.commit()
    assert unread_count(session, shop.seller, shop.store.id) == 2
    titles = [n.title for n in list_notifications(session, shop.seller, shop.store.id)]
    assert sorted(titles) == ["Scan finished: 1 new draft (partial success)", "Scan finished: 12 new drafts"]
    with pytest.raises(PermissionDenied):
        list_notifications(session, other_shop.seller, shop.store.id)
    with pytest.raises(PermissionDenied):
        mark_read(session, other_shop.seller, shop.store.id)
    assert mark_read(session, shop.seller, shop.store.id) == 2
    assert unread_count(session, shop.seller, shop.store.id) == 0


def test_the_worker_runs_both_jobs(engine, session, shop):
    from core.worker import JOBS, WorkerDeps, run_once

    now = utcnow()
    overdue = make_draft(session, shop.store, expires_at=now - timedelta(minutes=1))
    soon = make_draft(session, shop.store, expires_at=now + timedelta(hours=3))
    mine = [job for job in JOBS if job.name in ("expire_drafts", "expiry_reminders")]
    assert len(mine) == 2
    results = run_once(WorkerDeps(engine=engine, clock=FrozenClock(now)), mine)
    assert results == {"expire_drafts": 1, "expiry_reminders": 1}
    session.expire_all()
    assert session.get(ProductDraft, overdue.id).status == "expired"
    assert session.get(ProductDraft, soon.id).expiry_reminded_at is not None
