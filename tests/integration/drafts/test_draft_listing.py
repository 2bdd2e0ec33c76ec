"""The review grid's query: filter chips with counts, search, category, paging; scoped to the store."""

from datetime import timedelta

import pytest

from core.clock import FrozenClock, utcnow
from core.errors import PermissionDenied, ValidationFailed
from core.services.review.drafts import DraftFilter, draft_cards, list_drafts, matching_draft_ids
from tests.factories import make_draft


@pytest.fixture
def mixed(session, shop):
    now = utcnow()
    make_draft(session, shop.store, name="Red Kitenge Dress", confidence=0.95, ig_caption="kitenge 3.5k")
    make_draft(session, shop.store, name="Samsung A15 Phone", confidence=0.9, category="Electronics & Gadgets")
    make_draft(session, shop.store, name="Mystery Item", confidence=0.3, expires_at=now + timedelta(hours=20))
    make_draft(session, shop.store, name="Leather Sandals", confidence=0.6, expires_at=now + timedelta(hours=47))
    make_draft(session, shop.store, name="Old Approved", status="approved")
    make_draft(session, shop.store, name="Old Rejected", status="rejected", rejection_reason="duplicate")
    make_draft(session, shop.store, name="Old Expired", status="expired", expires_at=now - timedelta(days=1))
    return shop


def test_counts_for_every_chip(session, mixed):
    page = list_drafts(session, mixed.seller, mixed.store.id)
    assert page.counts == {"pending": 4, "approved": 1, "rejected": 1, "expired": 1, "withdrawn": 0,
                           "all": 4, "high": 2, "low": 1, "expiring": 2}
    assert page.total == 4 and len(page.items) == 4


@pytest.mark.parametrize("band, names", [
    ("high", {"Red Kitenge Dress", "Samsung A15 Phone"}),
    ("low", {"Mystery Item"}),
    ("expiring", {"Mystery Item", "Leather Sandals"}),
])
def test_band_filters(session, mixed, band, names):
    page = list_drafts(session, mixed.seller, mixed.store.id, DraftFilter(band=band))
    assert {card.name for card in page.items} == names
    assert page.total == len(names)


def test_status_category_and_search(session, mixed):
    rejected = list_drafts(session, mixed.seller, mixed.store.id, DraftFilter(status="rejected"))
    assert [c.name for c in rejected.items] == ["Old Rejected"]
    gadgets = list_drafts(session, mixed.seller, mixed.store.id, DraftFilter(category="Electronics & Gadgets"))
    assert [c.name for c in gadgets.items] == ["Samsung A15 Phone"]
    assert gadgets.counts["pending"] == 1
    by_caption = list_drafts(session, mixed.seller, mixed.store.id, DraftFilter(search="KITENGE 3.5"))
    assert [c.name for c in by_caption.items] == ["Red Kitenge Dress"]
    by_name = list_drafts(session, mixed.seller, mixed.store.id, DraftFilter(search="sandal"))
    assert [c.name for c in by_name.items] == ["Leather Sandals"]
    wildcard = list_drafts(session, mixed.seller, mixed.store.id, DraftFilter(search="%"))
    assert wildcard.total == 0


def test_withdrawn_drafts_have_their_own_filter(session, mixed):
    make_draft(session, mixed.store, name="Post Taken Down", status="withdrawn")
    page = list_drafts(session, mixed.seller, mixed.store.id, DraftFilter(status="withdrawn"))
    assert [c.name for c in page.items] == ["Post Taken Down"]
    assert page.counts["withdrawn"] == 1 and page.counts["pending"] == 4


def test_search_sees_a_persons_edit(session, shop):
    make_draft(session, shop.store, name="Jacket", seller_edits={"name": "Bomber Jacket"})
    page = list_drafts(session, shop.seller, shop.store.id, DraftFilter(search="bomber"))
    assert [c.name for c in page.items] == ["Bomber Jacket"]
    assert page.items[0].edited_fields == ("name",)


def test_paging_is_newest_first_and_clamped(session, shop):
    for i in range(7):
        make_draft(session, shop.store, name=f"Item {i}", created_at=utcnow() + timedelta(minutes=i))
    first = list_drafts(session, shop.seller, shop.store.id, page=1, page_size=3)
    last = list_drafts(session, shop.seller, shop.store.id, page=99, page_size=3)
    assert [c.name for c in first.items] == ["Item 6", "Item 5", "Item 4"]
    assert first.pages == 3 and last.page == 3 and [c.name for c in last.items] == ["Item 0"]


def test_select_all_matching_returns_ids(session, mixed):
    ids = matching_draft_ids(session, mixed.seller, mixed.store.id, DraftFilter(band="high"))
    assert len(ids) == 2


def test_expiring_uses_the_given_clock(session, shop):
    make_draft(session, shop.store, name="Later", expires_at=utcnow() + timedelta(days=5))
    clock = FrozenClock(utcnow() + timedelta(days=4))
    page = list_drafts(session, shop.seller, shop.store.id, DraftFilter(band="expiring"), clock=clock)
    assert [c.name for c in page.items] == ["Later"]


def test_bad_filter_is_refused(session, shop):
    with pytest.raises(ValidationFailed):
        list_drafts(session, shop.seller, shop.store.id, DraftFilter(status="deleted"))


def test_seller_cannot_list_another_store(session, mixed, other_shop, ops):
    with pytest.raises(PermissionDenied):
        list_drafts(session, other_shop.seller, mixed.store.id)
    with pytest.raises(PermissionDenied):
        matching_draft_ids(session, other_shop.seller, mixed.store.id, DraftFilter())
    assert list_drafts(session, ops, mixed.store.id).total == 4


def test_draft_cards_reads_only_the_actors_own_drafts(session, shop, other_shop, ops):
    mine = make_draft(session, shop.store, name="Mine")
    theirs = make_draft(session, other_shop.store, name="Theirs")
    ids = [mine.id, theirs.id, "draft_nope"]
    assert {i: c.name for i, c in draft_cards(session, shop.seller, ids).items()} == {mine.id: "Mine"}
    assert set(draft_cards(session, ops, ids)) == {mine.id, theirs.id}
