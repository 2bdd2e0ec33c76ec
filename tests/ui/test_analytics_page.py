"""The Analytics page under AppTest: tiles with alerts, charts, CSV downloads, store scoping."""

import json
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from tests.factories import make_ops, make_seller
from tests.integration.analytics import dataset
from tests.fixtures.app_test import new_app

WEEK = (date(2026, 3, 1), date(2026, 3, 7))




@pytest.fixture
def data(app_db, session):
    return dataset.build(session)


def _analytics_as(email: str, password: str) -> AppTest:
    at = new_app()
    at.run()
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    at.run()
    at.switch_page("pages/analytics.py")
    at.run()
    at.date_input(key="analytics_dates").set_value(WEEK)
    at.run()
    assert not at.exception, at.exception
    return at


def _pick_store(at: AppTest, store_id: str) -> None:
    # AppTest's tree after switch_page holds the page only, so set the sidebar picker's state.
    at.session_state["store_picker"] = store_id
    at.session_state["store_id"] = store_id
    at.run()
    assert not at.exception, at.exception


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_ops_sees_tiles_alerts_charts_and_csv_for_one_store(data, session):
    make_ops(session)
    at = _analytics_as("ops@vendly.test", "ops-pass-123")
    _pick_store(at, data.store_b.id)
    assert _metrics(at)["Approval rate"] == "50.0%"
    _pick_store(at, data.store_a.id)
    tiles = _metrics(at)
    assert tiles["Sync success"] == "50.0%"
    assert tiles["AI accuracy (zero-edit approvals)"] == "25.0%"
    assert tiles["Approval rate"] == "62.5%"
    assert tiles["Instagram rate limit"] == "Hit"
    assert tiles["Error rate"] == "4.8%"
    alerts = [e.value for e in at.error]
    assert len(alerts) == 3 and any("Sync success 50%" in a for a in alerts)
    titles = {json.loads(c.proto.spec).get("title") for c in at.get("vega_lite_chart")}
    assert {
        "Drafts and products per day", "Which fields people fix", "Does high confidence mean right?",
        "Rejection reasons", "Syncs per day", "Instagram API calls per day", "AI tokens per day",
        "API budget used per day, by account (busiest 20)",
        "AI cost per day (USD)", "Errors per 1,000 operations, by kind",
    } <= titles
    downloads = at.session_state["analytics_downloads"]
    assert len(at.get("download_button")) == len(downloads) == 12  # every table in report.tables()
    assert downloads["rejection_reasons.csv"] == "reason,rejected,share\nduplicate,1,0.5\nnot_a_product,1,0.5\n"
    assert downloads["api_calls_per_day.csv"].splitlines()[:2] == [
        "day,api_calls,peak_usage_percent,accounts_throttled", "2026-03-01,12,10.0,0",
    ]


def test_ops_all_stores_view(data, session):
    make_ops(session)
    at = _analytics_as("ops@vendly.test", "ops-pass-123")
    at.toggle(key="analytics_all_stores").set_value(True)
    at.run()
    assert not at.exception
    assert _metrics(at)["Drafts pending now"] == "4"
    assert "kpis.csv" in at.session_state["analytics_downloads"]


def test_seller_sees_only_their_store_and_no_all_stores_switch(data, session):
    make_seller(session, data.store_b, "b@shop.test", "seller-pass-1")
    at = _analytics_as("b@shop.test", "seller-pass-1")
    assert len(at.toggle) == 0
    tiles = _metrics(at)
    assert tiles["Approval rate"] == "50.0%" and tiles["Drafts pending now"] == "1"
    assert tiles["Instagram rate limit"] == "Not hit"
    assert "draft_0" not in "".join(at.session_state["analytics_downloads"].values())
