"""Scans against the sandbox over HTTP, on both databases: full, options, re-scan, requests."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from core.errors import NotFound, ValidationFailed
from core.models import InstagramSyncHistory
from core.services.bulk_import.scan import current_scan, get_scan, recent_scans, request_scan
from tests.factories import make_seller, make_store


def test_full_scan_makes_one_draft_per_post_with_local_copies(world):
    scan_id = request_scan(world.session, world.ops, world.store.id, {"include_videos": True})
    assert world.scan(scan_id).status == "queued"
    assert world.run() == ["success"]
    scan = world.scan(scan_id)
    drafts = world.drafts()
    assert scan.status == "success" and scan.errors == []
    assert scan.posts_found == scan.posts_processed == scan.drafts_created == len(drafts) == 30
    assert scan.duration_ms is not None and scan.completed_at is not None
    assert scan.api_calls_used == 1  # one page of 30 posts, carousels expanded in it
    media_dir = world.settings.media_dir
    for draft in drafts:
        assert draft.status == "pending" and draft.sync_history_id == scan_id
        assert draft.expires_at - draft.created_at == timedelta(days=7)
        assert draft.extracted_data["extractor"] == "local" and draft.confidence is not None
        assert draft.images, draft.ig_media_id
        assert len(draft.images) == (len(draft.ig_media_urls) or 1)
        for image in draft.images:
            assert (media_dir / image["key"]).is_file() and (media_dir / image["thumb"]).is_file()
            assert image["source_url"].startswith(world.sandbox.url)
            assert image["key"].startswith(world.store.id + "/")


def test_options_limit_types_and_months(world):
    scan_id = request_scan(world.session, world.ops, world.store.id,
                           {"limit": 7, "include_videos": False, "include_carousels": False})
    world.run()
    drafts = world.drafts()
    assert len(drafts) == 7 == world.scan(scan_id).posts_found
    assert {d.ig_media_type for d in drafts} == {"IMAGE"}
    newest_first = sorted(drafts, key=lambda d: d.ig_timestamp, reverse=True)
    assert newest_first[-1].ig_timestamp >= max(d.ig_timestamp for d in drafts) - timedelta(days=400)

    scan_id = request_scan(world.session, world.ops, world.store.id, {"months": 1, "include_videos": True})
    world.run()
    scan = world.scan(scan_id)
    cutoff = scan.created_at - timedelta(days=31)
    recent = [d for d in world.drafts() if d.sync_history_id == scan_id]
    assert all(d.ig_timestamp > cutoff for d in recent)
    assert scan.posts_found == scan.drafts_created + scan.posts_skipped


def test_rescan_creates_nothing_new(world):
    first = request_scan(world.session, world.ops, world.store.id, {"include_videos": True})
    world.run()
    second = request_scan(world.session, world.ops, world.store.id, {"include_videos": True})
    assert second != first
    world.run()
    scan = world.scan(second)
    assert scan.status == "success"
    assert scan.drafts_created == 0 and scan.posts_skipped == scan.posts_found == 30
    assert len(world.drafts()) == 30


def test_second_request_returns_the_active_scan(world):
    first = request_scan(world.session, world.ops, world.store.id, {})
    assert request_scan(world.session, world.ops, world.store.id, {"limit": 3}) == first
    assert current_scan(world.session, world.ops, world.store.id).id == first


def test_concurrent_requests_make_one_scan(world, engine):
    ids: list[str] = []
    barrier = threading.Barrier(6)

    def ask() -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            ids.append(request_scan(session, world.ops, world.store.id, {}))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 6 and len(set(ids)) == 1
    rows = world.session.query(InstagramSyncHistory).filter_by(store_id=world.store.id, sync_type="bulk_import")
    assert rows.count() == 1


def test_sellers_only_reach_their_own_scans(world, session):
    scan_id = request_scan(world.session, world.ops, world.store.id, {})
    other_store = make_store(session, "Another Duka")
    intruder = make_seller(session, other_store, "intruder@x.test")
    owner = make_seller(session, world.store, "owner@x.test")
    with pytest.raises(NotFound):
        get_scan(session, intruder, scan_id)
    with pytest.raises(Exception):
        request_scan(session, intruder, world.store.id, {})
    assert get_scan(session, owner, scan_id).id == scan_id
    assert [s.id for s in recent_scans(session, owner, world.store.id)] == [scan_id]


def test_bad_options_and_unconnected_stores_are_refused(world, session):
    with pytest.raises(ValidationFailed):
        request_scan(session, world.ops, world.store.id, {"limit": -1})
    lonely = make_store(session, "Not Connected")
    with pytest.raises(ValidationFailed) as caught:
        request_scan(session, world.ops, lonely.id, {})
    assert "Connect" in str(caught.value)
