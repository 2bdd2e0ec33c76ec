"""Editing and rejecting drafts: validation, the AI's data kept, refusals, and store scoping."""

from decimal import Decimal

import pytest

from core.errors import NotFound, ValidationFailed
from core.models import ProductDraft
from core.services.review.approval import approve_draft
from core.services.review.drafts import edit_draft, get_draft, reject_draft
from tests.factories import make_draft


def test_edit_keeps_the_ai_original_and_stores_only_changes(session, shop):
    draft = make_draft(session, shop.store, name="Blue Denim Jacket", price=2500)
    card = edit_draft(session, shop.seller, draft.id, {"name": "Denim Jacket", "price": "2,400", "tags": "#Denim"})
    assert card.name == "Denim Jacket" and card.price == "2400.00"
    session.expire_all()
    row = session.get(ProductDraft, draft.id)
    assert row.extracted_data["name"] == "Blue Denim Jacket" and row.extracted_data["price"] == 2500.0
    assert row.seller_edits == {"name": "Denim Jacket", "price": "2400.00", "tags": ["denim"]}


def test_edits_accumulate_and_are_not_lost(session, shop):
    draft = make_draft(session, shop.store)
    edit_draft(session, shop.seller, draft.id, {"name": "First"})
    edit_draft(session, shop.seller, draft.id, {"price": 99})
    assert get_draft(session, shop.seller, draft.id).name == "First"


def test_invalid_edit_changes_nothing(session, shop):
    draft = make_draft(session, shop.store)
    with pytest.raises(ValidationFailed) as raised:
        edit_draft(session, shop.seller, draft.id, {"name": "", "price": -1, "currency": "XYZ"})
    assert set(raised.value.errors) == {"name", "price", "currency"}
    session.expire_all()
    assert session.get(ProductDraft, draft.id).seller_edits == {}


def test_one_price_is_checked_against_the_other_one_already_on_the_draft(session, shop):
    draft = make_draft(session, shop.store, price=2500)
    with pytest.raises(ValidationFailed) as below_ai_price:
        edit_draft(session, shop.seller, draft.id, {"compare_at_price": 2000})
    assert set(below_ai_price.value.errors) == {"compare_at_price"}
    edit_draft(session, shop.seller, draft.id, {"price": 1800})
    edit_draft(session, shop.seller, draft.id, {"compare_at_price": 2000})  # above the edited price: fine
    with pytest.raises(ValidationFailed) as above_was_price:
        edit_draft(session, shop.seller, draft.id, {"price": 2200})
    assert set(above_was_price.value.errors) == {"price"}
    session.expire_all()
    assert session.get(ProductDraft, draft.id).seller_edits == {"price": "1800.00", "compare_at_price": "2000.00"}
    assert approve_draft(session, shop.seller, draft.id).compare_at_price == Decimal("2000.00")


def test_reject_with_reason(session, shop):
    draft = make_draft(session, shop.store)
    card = reject_draft(session, shop.seller, draft.id, "other", "It is a giveaway post")
    assert card.status == "rejected"
    row = session.get(ProductDraft, draft.id)
    assert (row.rejection_reason, row.rejection_note, row.reviewed_by) == ("other", "It is a giveaway post", shop.seller.user_id)
    with pytest.raises(ValidationFailed, match="rejected"):
        reject_draft(session, shop.seller, draft.id, "duplicate")
    with pytest.raises(ValidationFailed, match="only pending"):
        edit_draft(session, shop.seller, draft.id, {"name": "Too late"})


def test_other_needs_a_note(session, shop):
    draft = make_draft(session, shop.store)
    with pytest.raises(ValidationFailed):
        reject_draft(session, shop.seller, draft.id, "other", "")
    assert session.get(ProductDraft, draft.id).status == "pending"


def test_seller_cannot_see_edit_or_reject_another_stores_draft(session, shop, other_shop, ops):
    draft = make_draft(session, shop.store)
    for action in (
        lambda: get_draft(session, other_shop.seller, draft.id),
        lambda: edit_draft(session, other_shop.seller, draft.id, {"name": "Hijacked"}),
        lambda: reject_draft(session, other_shop.seller, draft.id, "duplicate"),
    ):
        with pytest.raises(NotFound):
            action()
    session.expire_all()
    row = session.get(ProductDraft, draft.id)
    assert row.status == "pending" and row.seller_edits == {}
    assert get_draft(session, ops, draft.id).id == draft.id  # ops reach every store
