"""The sidebar's notifications under AppTest: the counter, and each notice's button opening
the page it is about (Review on the draft or on expiring drafts, or Sync & conflicts)."""

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from core.clock import SystemClock, utcnow
from core.models import Notification, Product
from core.services.review.expiry import send_expiry_reminders
from core.services.review.notifications import notify, notify_new_draft
from tests.factories import make_draft
from tests.fixtures.app_test import logged_in_app
from tests.ui.review_steps import auto_approved_draft, card_names, count, seller_shop  # noqa: F401 (a fixture)


def _click_the_notice(session, store_id: str) -> tuple[AppTest, str]:
    """Log in (the frame draws the sidebar on the first page), click the one notice's button,
    and return the app and the button's label."""
    at = logged_in_app("a@shop.test", "seller-pass-1")
    popover = at.sidebar.children[1]
    assert popover.type == "popover" and popover.proto.popover.label == "Notifications (1)"
    [button] = [b for b in at.sidebar.button if b.key and b.key.startswith("review_now_")]
    button.click().run()
    assert not at.exception, at.exception
    assert count(session, Notification, Notification.store_id == store_id, Notification.read_at.is_(None)) == 0
    return at, button.label


def test_review_now_on_a_new_draft_opens_it_in_the_editor(seller_shop, session):
    draft = make_draft(session, seller_shop, name="New Arrival", commit=False)
    notify_new_draft(session, draft)
    session.commit()
    at, label = _click_the_notice(session, seller_shop.id)
    assert label == "Review now" and at.title[0].value == "Review"
    assert at.text_input(key=f"edit_name_{draft.id}").value == "New Arrival"


def test_review_now_on_expiring_drafts_opens_review_filtered_to_them(seller_shop, session):
    for i in range(2):
        make_draft(session, seller_shop, name=f"Soon {i}", expires_at=utcnow() + timedelta(hours=20))
    make_draft(session, seller_shop, name="Later")
    assert send_expiry_reminders(session, SystemClock()) == 2
    at, label = _click_the_notice(session, seller_shop.id)
    assert label == "Review now" and at.title[0].value == "Review"
    assert at.pills(key="review_band").value == "expiring"
    assert sorted(card_names(at)) == ["Soon 0", "Soon 1"]


@pytest.mark.parametrize("kind", ["sync_conflict", "source_deleted"])
def test_sync_notices_open_the_sync_page(seller_shop, session, kind):
    notify(session, seller_shop.id, kind, "Instagram edit to check: Denim Jacket")
    session.commit()
    at, label = _click_the_notice(session, seller_shop.id)
    assert label == "Open Sync & conflicts"
    assert at.title[0].value == "Sync & conflicts"
    assert "review_focus" not in at.session_state


def test_review_now_on_an_auto_approved_draft_offers_undo(seller_shop, session):
    _, product = auto_approved_draft(session, seller_shop, "Auto Thing")
    at, _ = _click_the_notice(session, seller_shop.id)
    at.button(key="edit_undo").click().run()
    assert not at.exception
    session.expire_all()
    assert session.get(Product, product.id).status == "draft"
    assert "review_focus" not in at.session_state
