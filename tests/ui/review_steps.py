"""Shared steps for the Review page's AppTests: a seller's store, opening Review, reading cards."""

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.services.review.approval import maybe_auto_approve, update_review_settings
from tests.factories import make_draft, make_seller, make_store
from tests.fixtures.app_test import logged_in_app


@pytest.fixture
def seller_shop(app_db, session):
    store = make_store(session, "Mama Mboga Fashions")
    make_seller(session, store, "a@shop.test", "seller-pass-1")
    return store


def review_as(email: str, password: str) -> AppTest:
    at = logged_in_app(email, password)
    at.switch_page("pages/review.py")
    at.run()
    assert not at.exception, at.exception
    return at


def card_names(at: AppTest) -> list[str]:
    return [md.value.split("**")[1] for md in at.markdown if md.value.startswith("**") and "selected" not in md.value]


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def card(at: AppTest, draft):
    return at.get_by_key(f"card_{draft.id}")


def texts(block) -> list[str]:
    return [element.value for element in (*block.markdown, *block.caption)]


def image_urls(block) -> list[str]:
    return [url for image in block.get("image") for url in image.value]


def auto_approved_draft(session, store, name: str):
    """A draft the store's auto-approval took (a second seller turns it on): (draft, product)."""
    seller = make_seller(session, store, f"auto-{store.slug}@shop.test")
    update_review_settings(session, seller, store.id, product_status="active",
                           auto_approve=True, auto_approve_threshold=0.9)
    draft = make_draft(session, store, name=name, confidence=0.95, commit=False)
    product = maybe_auto_approve(session, draft)
    session.commit()
    return draft, product
