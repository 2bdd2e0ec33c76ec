"""Approving drafts into products: fields, slugs, refusals, batches, auto-approve and undo."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock, utcnow
from core.errors import NotFound, ValidationFailed
from core.models import Notification, Product, ProductDraft
from core.services.review.approval import (
    approve_draft,
    batch_approve,
    maybe_auto_approve,
    on_draft_created,
    undo_auto_approve,
    update_review_settings,
)
from core.services.review.drafts import edit_draft, reject_draft
from tests.factories import make_draft


def _products(session, store_id=None) -> list[Product]:
    stmt = select(Product)
    if store_id:
        stmt = stmt.where(Product.store_id == store_id)
    return list(session.scalars(stmt))


def test_approve_makes_a_product_from_edits_over_ai_data(session, shop, tmp_path):
    draft = make_draft(session, shop.store, media_dir=tmp_path, image_count=3, name="Blue Denim Jacket",
                       price=2500, tags=["denim"], variants=[{"option": "size", "value": "M"}])
    edit_draft(session, shop.seller, draft.id, {"name": "Unisex Denim Jacket", "compare_at_price": 3000})
    product = approve_draft(session, shop.seller, draft.id)
    session.expire_all()
    product = session.get(Product, product.id)
    assert product.name == "Unisex Denim Jacket" and product.slug == "unisex-denim-jacket"
    assert product.price == Decimal("2500.00") and product.compare_at_price == Decimal("3000.00")
    assert product.currency == "KES" and product.category == "Fashion & Apparel"
    assert product.tags == ["denim"] and product.variants == [{"option": "size", "value": "M"}]
    assert [image["key"] for image in product.images] == [image["key"] for image in draft.images]
    assert (product.source_type, product.source_external_id) == ("instagram", draft.ig_media_id)
    assert product.source_permalink == draft.ig_permalink and product.source_caption == draft.ig_caption
    assert product.source_imported_at is not None and product.status == "active"
    assert product.source_snapshot["name"] == "Unisex Denim Jacket" and product.source_snapshot["price"] == "2500.00"
    row = session.get(ProductDraft, draft.id)
    assert (row.status, row.product_id, row.reviewed_by) == ("approved", product.id, shop.seller.user_id)
    assert row.extracted_data["name"] == "Blue Denim Jacket"  # the AI's original is kept


def test_store_setting_makes_products_drafts(session, shop):
    update_review_settings(session, shop.seller, shop.store.id, product_status="draft",
                           auto_approve=False, auto_approve_threshold=0.9)
    product = approve_draft(session, shop.seller, make_draft(session, shop.store).id)
    assert product.status == "draft"


def test_slugs_are_unique_per_store(session, shop, other_shop):
    first = approve_draft(session, shop.seller, make_draft(session, shop.store, name="Kitenge Dress").id)
    second = approve_draft(session, shop.seller, make_draft(session, shop.store, name="Kitenge Dress").id)
    elsewhere = approve_draft(session, other_shop.seller, make_draft(session, other_shop.store, name="Kitenge Dress").id)
    assert (first.slug, second.slug, elsewhere.slug) == ("kitenge-dress", "kitenge-dress-2", "kitenge-dress")


def test_approving_twice_rejected_or_expired_is_refused(session, shop):
    draft = make_draft(session, shop.store)
    approve_draft(session, shop.seller, draft.id)
    with pytest.raises(ValidationFailed, match="already approved"):
        approve_draft(session, shop.seller, draft.id)
    rejected = make_draft(session, shop.store)
    reject_draft(session, shop.seller, rejected.id, "not_a_product")
    with pytest.raises(ValidationFailed, match="rejected"):
        approve_draft(session, shop.seller, rejected.id)
    overdue = make_draft(session, shop.store, expires_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(ValidationFailed, match="expired"):
        approve_draft(session, shop.seller, overdue.id)
    assert len(_products(session)) == 1
    assert session.get(ProductDraft, overdue.id).status == "pending"  # the expiry job marks it


def test_a_withdrawn_draft_is_refused_as_withdrawn_not_expired(session, shop):
    draft = make_draft(session, shop.store, status="withdrawn")
    for act in (lambda: approve_draft(session, shop.seller, draft.id),
                lambda: reject_draft(session, shop.seller, draft.id, "duplicate")):
        with pytest.raises(ValidationFailed, match="withdrawn: its Instagram post was deleted") as refused:
            act()
        assert "expired" not in str(refused.value)
    assert session.get(ProductDraft, draft.id).status == "withdrawn" and _products(session) == []


def test_a_draft_without_price_must_be_edited_first(session, shop):
    draft = make_draft(session, shop.store, price=None)
    with pytest.raises(ValidationFailed, match="price") as raised:
        approve_draft(session, shop.seller, draft.id)
    assert "price" in raised.value.errors
    assert session.get(ProductDraft, draft.id).status == "pending" and _products(session) == []
    edit_draft(session, shop.seller, draft.id, {"price": 1200})
    assert approve_draft(session, shop.seller, draft.id).price == Decimal("1200.00")


def test_batch_approve_reports_each_bad_draft_and_approves_the_rest(session, shop, other_shop):
    good = [make_draft(session, shop.store, name=f"Good {i}") for i in range(3)]
    no_price = make_draft(session, shop.store, price=None)
    foreign = make_draft(session, other_shop.store)
    already = make_draft(session, shop.store)
    approve_draft(session, shop.seller, already.id)
    ids = [good[0].id, no_price.id, good[1].id, foreign.id, already.id, good[2].id, good[2].id, "draft_nope"]
    result = batch_approve(session, shop.seller, ids)
    assert [draft_id for draft_id, _ in result.approved] == [d.id for d in good]
    failed = dict(result.failed)
    assert set(failed) == {no_price.id, foreign.id, already.id, "draft_nope"}
    assert "price" in failed[no_price.id] and "already approved" in failed[already.id]
    assert "does not exist" in failed[foreign.id]
    assert len(_products(session, shop.store.id)) == 4 and _products(session, other_shop.store.id) == []


def test_seller_cannot_approve_or_undo_another_stores_draft(session, shop, other_shop):
    draft = make_draft(session, shop.store)
    with pytest.raises(NotFound):
        approve_draft(session, other_shop.seller, draft.id)
    with pytest.raises(NotFound):
        undo_auto_approve(session, other_shop.seller, draft.id)
    assert _products(session) == [] and session.get(ProductDraft, draft.id).status == "pending"


def _enable_auto(session, shop, threshold=0.9):
    update_review_settings(session, shop.seller, shop.store.id, product_status="active",
                           auto_approve=True, auto_approve_threshold=threshold)


def test_auto_approve_at_or_above_threshold_only(session, shop):
    _enable_auto(session, shop)
    high = make_draft(session, shop.store, confidence=0.9, commit=False)
    product = maybe_auto_approve(session, high)
    low = make_draft(session, shop.store, confidence=0.89, commit=False)
    assert maybe_auto_approve(session, low) is None
    session.commit()
    assert product is not None and product.status == "active"
    row = session.get(ProductDraft, high.id)
    assert (row.status, row.auto_approved, row.reviewed_by) == ("approved", True, "auto")
    assert session.get(ProductDraft, low.id).status == "pending"
    kinds = session.scalars(select(Notification.kind).where(Notification.store_id == shop.store.id)).all()
    assert kinds == ["auto_approved"]


def test_auto_approve_off_by_default_and_unapprovable_drafts_stay_pending(session, shop):
    draft = make_draft(session, shop.store, confidence=0.99, commit=False)
    assert on_draft_created(session, draft) is None  # off: a person is told instead
    _enable_auto(session, shop)
    no_price = make_draft(session, shop.store, confidence=0.99, price=None, commit=False)
    assert maybe_auto_approve(session, no_price) is None
    session.commit()
    assert session.get(ProductDraft, no_price.id).status == "pending"
    titles = session.scalars(select(Notification.title)).all()
    assert titles == ["New product detected: Blue Denim Jacket"]


def test_undo_auto_approve_puts_product_back_to_draft_and_reapproval_reuses_it(session, shop):
    _enable_auto(session, shop)
    draft = make_draft(session, shop.store, confidence=0.95, commit=False)
    product = maybe_auto_approve(session, draft)
    session.commit()
    undo_auto_approve(session, shop.seller, draft.id)
    session.expire_all()
    assert session.get(Product, product.id).status == "draft"
    row = session.get(ProductDraft, draft.id)
    assert (row.status, row.auto_approved, row.product_id) == ("pending", False, product.id)
    with pytest.raises(ValidationFailed, match="auto-approved"):
        undo_auto_approve(session, shop.seller, draft.id)
    edit_draft(session, shop.seller, draft.id, {"name": "Checked Jacket"})
    again = approve_draft(session, shop.seller, draft.id)
    assert again.id == product.id and again.name == "Checked Jacket" and again.status == "active"
    assert session.scalar(select(func.count()).select_from(Product)) == 1


def test_manual_approval_cannot_be_undone_as_auto(session, shop):
    draft = make_draft(session, shop.store)
    approve_draft(session, shop.seller, draft.id, clock=FrozenClock())
    with pytest.raises(ValidationFailed):
        undo_auto_approve(session, shop.seller, draft.id)
