"""A full scan against the sandbox over HTTP, on both databases."""

from __future__ import annotations

from core.services.scan import get_scan, request_scan


def test_full_scan_makes_one_draft_per_image_post(world):
    scan_id = request_scan(world.session, world.ops, world.store.id, {"include_videos": True})
    assert world.run() == ["success"]
    scan = world.scan(scan_id)
    drafts = world.drafts()
    assert scan.status == "success"
    assert scan.posts_found == scan.posts_processed == len(drafts) == scan.drafts_created
    assert len(drafts) == world.sandbox.config.posts_per_account
    view = get_scan(world.session, world.ops, scan_id)
    assert view.summary()["api_calls_used"] == scan.api_calls_used >= 1
