"""The Scan page under AppTest: start a scan, watch it run (progress, drafts, time left, problems),
see the summary and the history."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import get_engine
from core.models import InstagramSyncHistory
from core.services.bulk_import.scan import request_scan
from tests.factories import make_seller

APP = str(Path(__file__).resolve().parents[3] / "app.py")


@pytest.fixture
def page_env(world, database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    from core.config import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    make_seller(world.session, world.store, "seller@scan.test", "seller-pass-1")
    yield world
    get_settings.cache_clear()
    get_engine.cache_clear()


def _scan_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.text_input(key="login_email").input("seller@scan.test")
    at.text_input(key="login_password").input("seller-pass-1")
    at.button[0].click()
    at.run()
    at.switch_page("pages/scan.py")
    return at.run()


def test_start_scan_then_progress_then_summary(page_env):
    world = page_env
    at = _scan_page()
    assert not at.exception
    at.checkbox[0].uncheck()  # not "All posts": use the limit
    at.number_input[0].set_value(5)
    at.button(key="FormSubmitter:scan_options-Start scan").click()
    at.run()
    assert not at.exception
    scan = world.session.query(InstagramSyncHistory).filter_by(store_id=world.store.id, sync_type="bulk_import").one()
    assert scan.options["limit"] == 5 and scan.status == "queued"
    assert any("Waiting for the worker" in s.value for s in at.subheader)
    world.run()
    at.run()
    assert not at.exception
    assert any("Done" in s.value for s in at.subheader)
    assert [m.value for m in at.metric][:1] == ["5"]
    assert len(at.dataframe) >= 1  # the recent scans table


def _running_scan(world) -> InstagramSyncHistory:
    """A scan the worker is part way through: 10 of 40 posts done a minute after it started."""
    scan_id = request_scan(world.session, world.ops, world.store.id, {"include_videos": True})
    scan = world.scan(scan_id)
    scan.status, scan.started_at = "running", datetime.now(timezone.utc) - timedelta(seconds=60)
    scan.posts_found, scan.posts_processed, scan.drafts_created, scan.posts_skipped = 40, 10, 7, 2
    scan.posts_failed = 1
    scan.errors = [{"media_id": "17900000000000001", "reason": "image_bad_magic", "detail": "not an image"},
                   {"media_id": "17900000000000002", "reason": "extract_failed", "detail": "AI timed out"}]
    world.session.commit()
    return scan


def _assert_shows_the_running_scan(at: AppTest) -> None:
    assert not at.exception
    assert [s.value for s in at.subheader][:1] == ["Scanning"]
    [bar] = at.progress
    assert bar.value == 25 and bar.text == "10 of 40 posts"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Drafts found"] == "7" and metrics["Skipped"] == "2"
    assert metrics["Time left"].startswith("0:03:")  # 30 posts left at 10 a minute
    [problems] = [e for e in at.expander if e.label.startswith("Problems")]
    assert problems.label == "Problems (2)"
    assert list(problems.dataframe[0].value["reason"]) == ["image_bad_magic", "extract_failed"]


def test_a_running_scan_shows_its_progress_and_again_after_leaving_the_page(page_env):
    world = page_env
    _running_scan(world)
    at = _scan_page()
    _assert_shows_the_running_scan(at)
    assert "Start scan" not in [b.label for b in at.button]  # no options form while a scan runs
    at.switch_page("pages/review.py")
    at.run()
    assert not at.progress
    at.switch_page("pages/scan.py")
    _assert_shows_the_running_scan(at.run())
