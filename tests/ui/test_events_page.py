"""The Events & polling page under AppTest: events with status and masked payload, retry of a
failed event, per-connection polling state; a seller is turned away."""


import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.ids import new_id
from core.models import InstagramConnection, InstagramWebhookEvent
from tests.factories import make_ops, make_seller, make_store
from tests.fixtures.app_test import new_app



@pytest.fixture
def world(app_db, session):
    store = make_store(session, "Duka la Events")
    make_ops(session, "ops@events.test", "ops-pass-123")
    make_seller(session, store, "seller@events.test", "seller-pass-1")
    now = utcnow()
    session.add(InstagramConnection(id=new_id("igc"), store_id=store.id, seller_id=store.seller_id,
                                    login_flow="instagram", ig_user_id="1784", ig_username="duka",
                                    access_token_encrypted="x", poll_last_at=now, poll_next_at=now,
                                    poll_last_status="success", poll_interval_seconds=60,
                                    poll_hour_started_at=now, poll_calls_this_hour=25, poll_hourly_budget=100))
    failed = InstagramWebhookEvent(id=new_id("whe"), dedup_key="k1", field="comments", ig_user_id="1784",
                                   media_id="m1", status="failed", attempts=3, last_error="RateLimited: slow down",
                                   payload={"entry": [{"id": "1784", "access_token": "EAAsecret"}]},
                                   received_at=now)
    session.add(failed)
    session.commit()
    return failed.id


def _page(email: str, password: str) -> AppTest:
    at = new_app()
    at.run()
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    at.run()
    at.switch_page("pages/events.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_ops_see_events_polling_state_and_retry_a_failed_event(world, session):
    at = _page("ops@events.test", "ops-pass-123")
    frames = [df.value for df in at.dataframe]
    polling, events = frames[0], frames[1]
    assert polling.iloc[0]["account"] == "@duka" and polling.iloc[0]["budget_used_pct"] == 50.0
    assert events.iloc[0]["status"] == "failed" and events.iloc[0]["attempts"] == 3
    assert "EAAsecret" not in str(at.json[0].value) and "***" in str(at.json[0].value)
    at.button(key="event_retry").click()
    at.run()
    assert at.success and "back in the queue" in at.success[0].value
    session.expire_all()
    assert session.scalar(select(InstagramWebhookEvent.status).where(InstagramWebhookEvent.id == world)) == "pending"


def test_a_seller_cannot_see_the_page(world):
    at = new_app()
    at.run()
    at.text_input(key="login_email").input("seller@events.test")
    at.text_input(key="login_password").input("seller-pass-1")
    at.button[0].click()
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/events.py")  # not in a seller's navigation
