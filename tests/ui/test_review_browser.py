"""The Review page in a real browser: a seller logs in, edits a draft in the dialog and
approves it, batch-approves three, rejects one; the product rows are checked in the
database and a screenshot of the grid is kept as a test artifact. The sidebar's notice
buttons open the page each notice is about."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.models import Notification, Product, ProductDraft
from core.services.review.notifications import notify, notify_new_draft
from tests.factories import make_draft, make_seller, make_store

pytestmark = pytest.mark.browser


def _key(page: Page, key: str):
    """The element Streamlit renders for a widget or container with this key."""
    return page.locator(f".st-key-{key}")


def _idle(page: Page) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')


def _log_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(url)
    _idle(page)
    # Typed key by key: Streamlit's form inputs commit what is typed, not a value set at once.
    _key(page, "login_email").locator("input").press_sequentially(email)
    password_box = _key(page, "login_password").locator("input")
    password_box.press_sequentially(password)
    password_box.press("Enter")
    page.get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review")).to_be_visible()


def _toast(page: Page, text: str) -> None:
    expect(page.get_by_test_id("stToast").filter(has_text=text)).to_be_visible()


def test_seller_edits_approves_batches_and_rejects(streamlit_app, browser_page, session, artifacts_dir, database_url):
    page = browser_page
    store = make_store(session, "Mama Mboga Fashions")
    make_seller(session, store, "seller@mama.test", "seller-pass-1")
    media = streamlit_app.media_dir
    jacket = make_draft(session, store, media_dir=media, image_count=3, name="Blue Denim Jacket", price=2500,
                        confidence=0.92)
    beads = [make_draft(session, store, media_dir=media, name=f"Bead Necklace {i}", confidence=0.85)
             for i in range(3)]
    closed = make_draft(session, store, media_dir=media, name="Closed On Sunday", confidence=0.2, price=None)
    make_draft(session, store, name="No Photo Yet", confidence=0.6)  # placeholder image

    _log_in(page, streamlit_app.url, "seller@mama.test", "seller-pass-1")
    for draft in (jacket, *beads, closed):
        expect(_key(page, f"card_{draft.id}")).to_be_visible()
    expect(page.get_by_text("High confidence (4)")).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(artifacts_dir / f"review_grid_{_backend(database_url)}.png"), full_page=True)

    # Edit in the dialog, then Save & approve.
    _key(page, f"edit_{jacket.id}").get_by_role("button").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    name = _key(page, f"edit_name_{jacket.id}").locator("input")
    name.fill("Unisex Denim Jacket")
    name.press("Enter")
    price = _key(page, f"edit_price_{jacket.id}").locator("input")
    price.fill("2,400")
    price.press("Enter")
    expect(price).to_have_value("2,400")
    _key(page, "edit_approve").get_by_role("button").click()
    _toast(page, "Approved “Unisex Denim Jacket”.")
    expect(_key(page, f"card_{jacket.id}")).to_have_count(0)

    # Select three and approve them together.
    for draft in beads:
        _key(page, f"select_{draft.id}").locator("label").click()
        expect(_key(page, f"select_{draft.id}").locator("input")).to_be_checked()
    expect(page.get_by_text("3 selected")).to_be_visible()
    _key(page, "approve_selected").get_by_role("button").click()
    _toast(page, "Approved 3 drafts.")

    # Reject one with a reason.
    _key(page, f"reject_{closed.id}").get_by_role("button").click()
    _key(page, f"reason_{closed.id}").get_by_text("Not a product").click()
    _key(page, f"confirm_reject_{closed.id}").get_by_role("button").click()
    _toast(page, "Rejected “Closed On Sunday”.")
    expect(page.get_by_text(re.compile(r"Page 1 of 1 · 1 drafts"))).to_be_visible()

    session.expire_all()
    products = {p.name: p for p in session.scalars(select(Product).where(Product.store_id == store.id))}
    assert set(products) == {"Unisex Denim Jacket", "Bead Necklace 0", "Bead Necklace 1", "Bead Necklace 2"}
    assert str(products["Unisex Denim Jacket"].price) == "2400.00"
    assert len(products["Unisex Denim Jacket"].images) == 3
    assert all(p.source_type == "instagram" and p.status == "active" for p in products.values())
    rejected = session.get(ProductDraft, closed.id)
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "not_a_product")


def _backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


def test_notice_buttons_open_the_page_they_are_about(streamlit_app, browser_page, session):
    page = browser_page
    store = make_store(session, "Mama Mboga Fashions")
    make_seller(session, store, "seller@mama.test", "seller-pass-1")
    draft = make_draft(session, store, name="New Arrival", commit=False)
    notify_new_draft(session, draft)
    notify(session, store.id, "sync_conflict", "Instagram edit to check: Denim Jacket")
    session.commit()
    ids = {n.kind: n.id for n in session.scalars(select(Notification))}
    _log_in(page, streamlit_app.url, "seller@mama.test", "seller-pass-1")

    def click_notice(kind: str) -> None:
        _idle(page)
        button = _key(page, f"review_now_{ids[kind]}").get_by_role("button")
        if not button.is_visible():  # the popover stays open across a page switch
            page.get_by_role("button", name=re.compile("Notifications")).click()
        button.click()

    click_notice("sync_conflict")
    expect(page.get_by_role("heading", name="Sync & conflicts")).to_be_visible()
    click_notice("new_draft")
    expect(page.get_by_role("heading", name="Review")).to_be_visible()
    expect(_key(page, f"edit_name_{draft.id}").locator("input")).to_have_value("New Arrival")
