"""The end-to-end journey (issue 11) in a real browser, on the processes `make run` starts
(the `live_stack` fixture: `catalog-sync run` on a fresh database, no demo sellers).

An ops user logs in, creates a seller and store, connects the store's account through the
sandbox's OAuth dialog, scans it and watches the progress bar finish, then on Review edits one
draft in the dialog and approves it, batch-approves three and rejects one. The sandbox
publishes a new post and its draft appears with no click; the sandbox edits an approved post's
caption price after ops renamed that product, and the conflict is resolved on Sync & conflicts.
Analytics shows the new figures. Then the seller logs in and sees only their store.

Every step asserts what a person sees and saves a screenshot to test-artifacts/journey/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from core.db import make_engine
from core.models import ProductDraft
from core.services.review.products import update_product
from core.services.people.users import authenticate

from tests.fixtures.browser_steps import (
    idle,
    key,
    log_in,
    open_dialog_as,
    open_page,
    signed_in_as,
    toast,
)

pytestmark = pytest.mark.browser

STORE = "Zawadi Journey Crafts"  # sorts after other tests' stores: the picker must follow the flow
SELLER_EMAIL = "zawadi@journey.test"
SELLER_PASSWORD = "zawadi-pass-1"
RENAMED = "Zawadi Beaded Sandals"
SCAN_TIMEOUT = 90_000
LIVE_TIMEOUT = 45_000  # polling runs every few seconds in the live stack
CARD_ID = re.compile(r"st-key-card_(\S+)")


class Journey:
    """The browser page plus numbered screenshots."""

    def __init__(self, page: Page, artifacts_dir):
        self.page = page
        self.folder = artifacts_dir / "journey"
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):  # only this run's screens
            old.unlink()
        self.step = 0

    def screenshot(self, name: str, streamlit: bool = True) -> None:
        self.step += 1
        if streamlit:
            idle(self.page)
        self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{name}.png"), full_page=True)


def _fill(page: Page, label: str, text: str) -> None:
    """Type into a form field (key by key: Streamlit commits what is typed)."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.press_sequentially(text)


def _store_picker(page: Page):
    return page.get_by_test_id("stSidebar").get_by_role("combobox", name="Store")


def _card_ids(page: Page) -> list[str]:
    cards = page.locator('[class*="st-key-card_"]')
    return [CARD_ID.search(cards.nth(i).get_attribute("class")).group(1) for i in range(cards.count())]


def _metric(page: Page, label: str):
    """The value of an st.metric, found by its label."""
    return page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)) \
        .get_by_test_id("stMetricValue")


def _rename_product_of(live_stack, draft_id: str, name: str) -> str:
    """Ops rename the draft's product as Vendly's catalog would; returns the post's media id."""
    engine = make_engine(live_stack.database_url)
    try:
        with Session(engine) as session:
            ops = authenticate(session, live_stack.ops_email, live_stack.ops_password)
            draft = session.get(ProductDraft, draft_id)
            update_product(session, ops, draft.product_id, {"name": name})
            return draft.ig_media_id
    finally:
        engine.dispose()


def _journey_account(live_stack) -> dict:
    """A Facebook-Login account the other browser tests leave alone: the last one."""
    return [a for a in live_stack.sandbox("GET", "/accounts") if a["login"] == "facebook"][-1]


def test_ops_and_seller_journey(live_stack, live_page, artifacts_dir):
    page, journey = live_page, Journey(live_page, artifacts_dir)
    account = _journey_account(live_stack)

    # 1. Ops log in.
    page.goto(live_stack.app_url)
    idle(page)
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    journey.screenshot("login")
    log_in(page, live_stack.app_url, live_stack.ops_email, live_stack.ops_password)

    # 2. Ops create the seller's store and login.
    open_page(page, "Stores & users")
    _fill(page, "Business name", STORE)
    _fill(page, "Seller login email (optional)", SELLER_EMAIL)
    _fill(page, "Seller password", SELLER_PASSWORD)
    page.get_by_role("button", name="Create store").click()
    expect(page.get_by_text(f"Created store {STORE}. It is now selected in the sidebar.")).to_be_visible()
    expect(_store_picker(page)).to_have_value(STORE)
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    journey.screenshot("store-created")

    # 3. Connect the store's Instagram account through the sandbox's dialog.
    open_page(page, "Connect", "Connect Instagram")
    open_dialog_as(page, "Connect Instagram account", account["fb_user_id"])
    expect(page.get_by_text(f"Instagram @{account['username']}")).to_be_visible()
    journey.screenshot("oauth-dialog", streamlit=False)
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_text("Your Instagram account is connected")).to_be_visible()
    expect(signed_in_as(page, live_stack.ops_email)).to_be_visible()
    expect(_store_picker(page)).to_have_value(STORE)
    expect(page.get_by_role("heading", name=f"@{account['username']}")).to_be_visible()
    journey.screenshot("connected")

    # 4. Scan: the progress bar fills, then the summary.
    open_page(page, "Scan", "Scan Instagram")
    page.get_by_role("button", name="Start scan").click()
    expect(page.get_by_test_id("stProgress")).to_be_visible()
    journey.screenshot("scan-progress")
    expect(page.get_by_role("heading", name="Done")).to_be_visible(timeout=SCAN_TIMEOUT)
    expect(page.get_by_test_id("stProgress")).to_have_count(0)
    drafts_created = int(_metric(page, "Drafts created").inner_text())
    assert drafts_created >= 8, f"the scan made only {drafts_created} drafts"
    journey.screenshot("scan-done")

    # 5. Review: edit one draft in the dialog and approve it.
    page.get_by_role("link", name=f"Review {drafts_created} drafts").click()
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    expect(page.get_by_text(f"Pending ({drafts_created})")).to_be_visible()
    journey.screenshot("review-grid")
    edited, *others = _card_ids(page)
    key(page, f"edit_{edited}").get_by_role("button").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    name = key(page, f"edit_name_{edited}").locator("input")
    name.fill("Journey Beaded Sandals")
    name.press("Enter")
    price = key(page, f"edit_price_{edited}").locator("input")
    price.fill("3,250")
    price.press("Enter")
    expect(price).to_have_value("3,250")
    journey.screenshot("edit-dialog")
    key(page, "edit_approve").get_by_role("button").click()
    toast(page, "Approved “Journey Beaded Sandals”.")
    expect(key(page, f"card_{edited}")).to_have_count(0)

    # 6. Batch-approve three, then reject one.
    batch, rejected = others[:3], others[3]
    for draft_id in batch:
        key(page, f"select_{draft_id}").locator("label").click()
        expect(key(page, f"select_{draft_id}").locator("input")).to_be_checked()
    expect(page.get_by_text("3 selected")).to_be_visible()
    key(page, "approve_selected").get_by_role("button").click()
    toast(page, "Approved 3 drafts.")
    rejected_title = key(page, f"card_{rejected}").locator("strong").first.inner_text()
    key(page, f"reject_{rejected}").get_by_role("button").click()
    key(page, f"reason_{rejected}").get_by_text("Not a product").click()
    key(page, f"confirm_reject_{rejected}").get_by_role("button").click()
    toast(page, f"Rejected “{rejected_title}”.")
    pending = drafts_created - 5
    expect(page.get_by_text(f"Pending ({pending})")).to_be_visible()
    expect(page.get_by_text("Approved (4)")).to_be_visible()
    expect(page.get_by_text("Rejected (1)")).to_be_visible()
    journey.screenshot("reviewed")

    # 7. The seller posts on Instagram: polling finds it and its draft appears with no click.
    shown = set(_card_ids(page))
    live_stack.sandbox("POST", f"/accounts/{account['ig_user_id']}/media",
                       json={"caption": "New in: Kikoi beach wrap, handwoven cotton. KSh 1,800 #kikoi"})
    pending += 1
    expect(page.get_by_text(f"Pending ({pending})")).to_be_visible(timeout=LIVE_TIMEOUT)
    new_cards = [draft_id for draft_id in _card_ids(page) if draft_id not in shown]
    assert len(new_cards) == 1, new_cards
    expect(key(page, f"card_{new_cards[0]}")).to_contain_text("1,800")
    journey.screenshot("new-post-draft")

    # 8. Ops rename the product in Vendly's catalog (no Catalog Sync screen edits products, so
    # through the catalog's service), then the post's caption price changes on Instagram.
    media_id = _rename_product_of(live_stack, edited, RENAMED)
    live_stack.sandbox("PATCH", f"/media/{media_id}", json={"caption": "Beaded sandals, now KSh 4,100"})
    open_page(page, "Sync & conflicts")
    expect(page.get_by_role("heading", name=RENAMED)).to_be_visible(timeout=LIVE_TIMEOUT)
    price_row = page.locator('[class*="st-key-choice_"][class*="_price"]')
    expect(price_row).to_be_visible()
    journey.screenshot("conflict")
    price_row.get_by_text("Take Instagram").click()
    idle(page)
    page.locator('[class*="st-key-apply_"]').get_by_role("button", name="Apply").click()
    toast(page, f"Applied your choices to {RENAMED}.")
    expect(page.get_by_text("No conflicts: every Instagram edit has been applied or resolved.")).to_be_visible()
    journey.screenshot("conflict-resolved")

    # 9. Analytics shows the new figures.
    open_page(page, "Analytics")
    expect(_metric(page, "Drafts pending now")).to_have_text(str(pending))
    expect(_metric(page, "Approval rate")).to_have_text("80.0%")  # 4 approved of 5 decided
    expect(_metric(page, "AI accuracy (zero-edit approvals)")).to_have_text("75.0%")  # 3 of 4 unedited
    journey.screenshot("analytics")

    # 10. The seller logs in and sees only their own store.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    log_in(page, live_stack.app_url, SELLER_EMAIL, SELLER_PASSWORD)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Review")).to_be_visible()
    expect(nav.get_by_role("link", name="Stores & users")).to_have_count(0)
    expect(nav.get_by_role("link", name="Events & polling")).to_have_count(0)
    expect(_store_picker(page)).to_have_count(0)
    expect(page.get_by_role("heading", name=f"@{account['username']}")).to_be_visible()
    journey.screenshot("seller-connect")
    open_page(page, "Review")
    expect(page.get_by_text(f"Pending ({pending})")).to_be_visible()
    expect(page.get_by_text("Approved (4)")).to_be_visible()
    journey.screenshot("seller-review")
