"""A real browser connects a store, for both login flows: Connect page → the sidecar's /oauth/start
(which binds the sign-in to this browser with a cookie) → the sandbox's dialog →
Cancel, then Allow → the sidecar's /oauth/callback → back on the Connect page, still logged in
(the callback's one-time `resume` ticket), with the message a person should see.

Everything runs as `make run` starts it (the `live_stack` fixture); the browser is the system
Chromium driven by Playwright.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from core.db import make_engine
from tests.factories import make_seller, make_store
from tests.fixtures.browser_steps import idle, log_in, open_dialog_as, signed_in_as

pytestmark = pytest.mark.browser

CANCELLED = "You cancelled the Instagram dialog"
CONNECTED = "Your Instagram account is connected"
# Which button opens which dialog, and who the sandbox dialog logs in as.
FLOWS = {
    "facebook": {"button": "Connect Instagram account", "login_as": "fb_user_id"},
    "instagram": {"button": "Connect with Instagram Login instead", "login_as": "ig_user_id"},
}


def _seller_with_store(database_url: str, flow: str) -> tuple[str, str]:
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        store = make_store(session, f"Connect Browser {flow.title()}")
        email = f"seller-{flow}@connect.test"
        make_seller(session, store, email, "seller-pass-1")
    engine.dispose()
    return email, "seller-pass-1"


def _account_for(live_stack, flow: str) -> dict:
    """The first sandbox account on this flow (the journey test uses a later one)."""
    return next(a for a in live_stack.sandbox("GET", "/accounts") if a["login"] == flow)


def _expect_back_on_connect_page(page, email: str, message: str) -> None:
    expect(page.get_by_role("heading", name="Connect Instagram")).to_be_visible()
    expect(page.get_by_text(message)).to_be_visible()
    expect(signed_in_as(page, email)).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)
    idle(page)
    expect(page.get_by_text("Page not found")).to_have_count(0)


@pytest.mark.parametrize("flow", ["facebook", "instagram"])
def test_cancel_then_allow_lands_back_on_the_connect_page(flow, live_stack, live_page, artifacts_dir):
    page = live_page
    email, password = _seller_with_store(live_stack.database_url, flow)
    account = _account_for(live_stack, flow)
    person = account[FLOWS[flow]["login_as"]]
    log_in(page, live_stack.app_url, email, password)
    expect(page.get_by_role("heading", name="Connect Instagram")).to_be_visible()

    open_dialog_as(page, FLOWS[flow]["button"], person)
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url("**?connect_error=cancelled**")
    _expect_back_on_connect_page(page, email, CANCELLED)
    idle(page)
    assert "resume=" not in page.url, "the one-time ticket stays out of the address bar"
    page.screenshot(path=str(artifacts_dir / f"connect_{flow}_cancelled.png"))

    open_dialog_as(page, FLOWS[flow]["button"], person)
    for box in page.get_by_role("checkbox").all():  # Facebook: grant only this account's Page
        if box.get_attribute("value") != account["page_id"]:
            box.uncheck()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url("**?connected=1**")
    _expect_back_on_connect_page(page, email, CONNECTED)
    expect(page.get_by_role("heading", name=f"@{account['username']}")).to_be_visible()
    expect(page.get_by_role("button", name="Check connection")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / f"connect_{flow}_connected.png"))
