"""The Scan page under AppTest: start a scan, watch it run, see the summary and the history."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import get_engine
from core.models import InstagramSyncHistory
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
