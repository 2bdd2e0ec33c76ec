"""The reconcile's sweep against the sandbox on both databases: besides the newest known posts,
each scheduled reconcile re-reads the next slice of the older ones, so an edit or a deletion of a
months-old post is found after enough polls, and no poll spends more than its bounded share."""

from __future__ import annotations

import pytest

from core.services.bulk_import.scan import request_scan
from core.services.realtime.polling import older_known_slice, recent_known_media
from tests.fixtures.webhook_server import FB_SECRET, IG_SECRET
from tests.integration.realtime.conftest import realtime_world

NEWEST, SLICE = 5, 5
EDITED = "Kitenge Dress, size M. Now Ksh 2,800 (was 3,200) #kitenge"


@pytest.fixture
def swept(session, engine, make_sandbox, tmp_path, database_url):
    """A store holding the account's 30 posts (a year of them) as pending drafts, polled with a
    reconcile on every poll that re-reads the 5 newest posts and a slice of 5 older ones."""
    sandbox = make_sandbox(fb_app_secret=FB_SECRET, ig_app_secret=IG_SECRET)
    world = realtime_world(session, engine, sandbox, tmp_path, database_url, reconcile_interval_seconds=0,
                           reconcile_recent_posts=NEWEST, reconcile_sweep_posts=SLICE)
    request_scan(world.session, world.scan.ops, world.scan.store.id, {"include_videos": True})
    assert world.scan.run() == ["success"]
    assert len(world.drafts()) == 30
    return world


def _older_rows(world) -> list[tuple[str, str]]:
    """(draft id, media id) of the posts outside the newest ones, in the order the sweep reads them."""
    store_id = world.scan.store.id
    newest = set(recent_known_media(world.session, store_id, NEWEST))
    return older_known_slice(world.session, store_id, after=None, limit=100, skip=newest)


def _older_posts(world) -> list[str]:
    return [media_id for _, media_id in _older_rows(world)]


def _poll_counting_calls(world) -> int:
    world.sandbox.reset_stats()
    world.make_due()
    assert [result.outcome for result in world.poll()] == ["polled"]
    return world.sandbox.stats()["total"]


def test_old_posts_edited_or_deleted_are_found_by_the_rotating_sweep(swept):
    older = _older_posts(swept)
    assert len(older) == 25  # five slices
    edited, deleted = older[-1], older[-2]  # the sweep's last slice: reached on the fifth poll
    swept.sandbox.edit_caption(edited, EDITED)
    swept.sandbox.delete_media(deleted)

    calls = [_poll_counting_calls(swept) for _ in range(4)]
    assert swept.draft(edited).ig_caption != EDITED and swept.draft(deleted).status == "pending"
    calls.append(_poll_counting_calls(swept))
    assert swept.draft(edited).ig_caption == EDITED and swept.draft(edited).status == "pending"
    assert swept.draft(deleted).status == "withdrawn"
    [run] = swept.runs()  # only the poll that found something keeps a history row
    assert run.status == "success" and run.errors == []

    # One listing page plus the newest and the slice, one call per id; the poll that met the
    # deleted post also paid for splitting its ?ids= read until the missing id stood alone.
    quiet = 1 + NEWEST + SLICE
    assert max(calls[:4]) <= quiet and calls[4] <= quiet * 3
    calls = [_poll_counting_calls(swept) for _ in range(6)]  # round again from the first slice
    assert max(calls) <= quiet
    assert swept.connection.reconcile_cursor is not None


def test_the_sweep_wraps_round_and_skips_posts_read_this_poll(swept):
    store_id = swept.scan.store.id
    rows = _older_rows(swept)
    older = [media_id for _, media_id in rows]
    newest = set(recent_known_media(swept.session, store_id, NEWEST))
    after = rows[-3][0]  # the slice before stopped three posts from the end

    def next_slice(skip):
        return [media_id for _, media_id in older_known_slice(swept.session, store_id, after=after, limit=SLICE,
                                                              skip=skip)]

    assert next_slice(newest) == [*older[-2:], *older[:3]]
    assert next_slice(newest | {older[0]}) == [*older[-2:], *older[1:4]]
    assert not newest & set(older)
