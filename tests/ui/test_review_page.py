"""The Review page under AppTest: cards (real thumbnails, price, confidence, expiry, what
Instagram changed), chips and counts, filters, selection per store, batch approve with named
failures, approve/reject per card, the Edit dialog, undo of auto-approve, approval settings."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.clock import SystemClock, utcnow
from core.instagram import MediaItem
from core.models import Product, ProductDraft, Store
from core.services.edit_sync.deletions import post_deleted
from core.services.edit_sync.post_changes import PostRead, SyncContext, known_post, update_draft
from core.services.review.approval import (
    ReviewSettings,
    approve_draft,
    maybe_auto_approve,
    review_settings,
)
from core.services.review.drafts import MAX_SELECT_ALL
from tests.factories import make_draft, make_ops, make_seller, make_store
from tests.ui.review_steps import (  # noqa: F401 (seller_shop is a fixture)
    auto_approved_draft,
    card,
    card_names,
    count,
    image_urls,
    review_as,
    seller_shop,
    texts,
)


def test_grid_shows_cards_with_chip_counts_and_filters(seller_shop, session, app_db):
    make_draft(session, seller_shop, media_dir=app_db, image_count=3, name="Kitenge Dress", confidence=0.92)
    make_draft(session, seller_shop, name="Mystery", confidence=0.3, images=[{"key": "gone.jpg", "thumb": "gone.jpg"}])
    make_draft(session, seller_shop, name="Sandals", confidence=0.6, expires_at=utcnow() + timedelta(hours=10))
    at = review_as("a@shop.test", "seller-pass-1")
    assert sorted(card_names(at)) == ["Kitenge Dress", "Mystery", "Sandals"]
    assert len(at.get("image")) == 3  # the missing file shows the placeholder, not an error
    band = at.pills(key="review_band")
    assert band.options == [
        "All (3)", "High confidence (1)", "Low confidence (1)", "Expiring in 48 h (1)"]
    band.set_value("high").run()
    assert card_names(at) == ["Kitenge Dress"]
    at.pills(key="review_band").set_value("expiring").run()
    assert card_names(at) == ["Sandals"]
    at.pills(key="review_band").set_value("all").run()
    at.text_input(key="review_search").input("myst").run()
    assert card_names(at) == ["Mystery"]


def test_cards_show_real_thumbnails_price_confidence_expiry_and_image_count(seller_shop, session, app_db):
    kitenge = make_draft(session, seller_shop, media_dir=app_db, image_count=3, name="Kitenge Dress", price=3500,
                         confidence=0.92)
    sandals = make_draft(session, seller_shop, media_dir=app_db, name="Sandals", price=1250.5, confidence=0.6,
                         expires_at=utcnow() + timedelta(hours=10, minutes=30))
    mystery = make_draft(session, seller_shop, name="Mystery", price=None, confidence=0.3,
                         images=[{"key": "gone.jpg", "thumb": "gone.jpg"}])
    at = review_as("a@shop.test", "seller-pass-1")
    assert texts(card(at, kitenge)) == [
        "**Kitenge Dress**  \nKES 3,500", ":green-badge[High 92%]",
        ":blue-badge[:material/photo_library: 3 images]", "expires in 7 days"]
    assert texts(card(at, sandals)) == [
        "**Sandals**  \nKES 1,250.50", ":orange-badge[Medium 60%]", "expires in 10 h"]
    assert texts(card(at, mystery)) == ["**Mystery**  \nno price", ":red-badge[Low 30%]", "expires in 7 days"]
    # Each card shows its own stored thumbnail; only the draft whose file is gone gets the placeholder.
    [placeholder] = image_urls(card(at, mystery))
    thumbs = image_urls(card(at, kitenge)) + image_urls(card(at, sandals))
    assert len(set(thumbs)) == 2 and placeholder not in thumbs
    at.button(key=f"edit_{kitenge.id}").click().run()
    carousel = [image.value for image in at.get("image") if len(image.value) > 1]
    assert len(carousel) == 1 and len(set(carousel[0])) == 3 and placeholder not in carousel[0]


def test_approval_settings_form_saves_to_the_store_and_auto_approval_follows_it(seller_shop, session):
    at = review_as("a@shop.test", "seller-pass-1")
    assert at.toggle(key="auto_approve").value is False
    at.toggle(key="auto_approve").set_value(True)
    at.slider(key="auto_threshold").set_value(0.85)
    at.radio(key="product_status").set_value("draft")
    next(button for button in at.button if button.label == "Save settings").click().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.toast] == ["Approval settings saved."]
    session.expire_all()
    assert review_settings(session.get(Store, seller_shop.id)) == ReviewSettings(
        product_status="draft", auto_approve=True, auto_approve_threshold=0.85)
    assert (at.toggle(key="auto_approve").value, at.slider(key="auto_threshold").value) == (True, 0.85)
    sure = make_draft(session, seller_shop, name="Sure Enough", confidence=0.87, commit=False)
    unsure = make_draft(session, seller_shop, name="Not So Sure", confidence=0.84, commit=False)
    assert maybe_auto_approve(session, sure).status == "draft"
    assert maybe_auto_approve(session, unsure) is None


def _edited_on_instagram(session, store, draft, changes: dict) -> None:
    """What edit sync does when the draft's post changed: the real writer leaves its note."""
    post = known_post(session, store.id, draft.ig_media_id)
    ai = {**draft.extracted_data, **{name: change["to"] for name, change in changes.items()}}
    item = MediaItem(id=draft.ig_media_id, media_type="IMAGE", caption="edited caption", timestamp=utcnow(),
                     media_urls=())
    update_draft(SyncContext(session, store, SystemClock()), post, PostRead(item, "edited", ai, None, changes))
    session.commit()


def test_instagram_change_note_shows_short_on_the_card_and_whole_in_the_editor(seller_shop, session):
    cheaper = make_draft(session, seller_shop, name="Denim Jacket", price=2500)
    _edited_on_instagram(session, seller_shop, cheaper, {"price": {"from": "2500.00", "to": "2000.00"}})
    renamed = make_draft(session, seller_shop, name="Kitenge Dress", price=3000, seller_edits={"name": "Maxi"})
    _edited_on_instagram(session, seller_shop, renamed, {
        "name": {"from": "Kitenge Dress", "to": "Kitenge Maxi Dress in Red and Gold"},
        "price": {"from": "3000.00", "to": "3500.00"}})
    untouched = make_draft(session, seller_shop, name="Sandals")
    at = review_as("a@shop.test", "seller-pass-1")
    assert ":material/sync: Changed on Instagram: price: KES 2,500 → KES 2,000" in texts(card(at, cheaper))
    [long_line] = [text for text in texts(card(at, renamed)) if "Changed on Instagram" in text]
    assert long_line.endswith(" …") and "KES 3,500" not in long_line
    assert not [text for text in texts(card(at, untouched)) if "Instagram" in text]
    at.button(key=f"edit_{renamed.id}").click().run()
    [note] = [info.value for info in at.info]
    assert note.startswith("Instagram edit ") and note.endswith(
        "UTC: name: Kitenge Dress → Kitenge Maxi Dress in Red and Gold; price: KES 3,000 → KES 3,500. "
        "Your own edits are kept and still win.")


def _post_deleted_on_instagram(session, store, draft) -> None:
    """What edit sync does when an approved product's post is gone: the real flagging."""
    post_deleted(SyncContext(session, store, SystemClock()), known_post(session, store.id, draft.ig_media_id))
    session.commit()


def test_approved_card_and_its_editor_say_the_source_post_was_deleted(seller_shop, session):
    seller = make_seller(session, seller_shop, "b@shop.test")
    gone, kept = (make_draft(session, seller_shop, name=name) for name in ("Gone Dress", "Kept Dress"))
    for draft in (gone, kept):
        approve_draft(session, seller, draft.id)
    _post_deleted_on_instagram(session, seller_shop, gone)
    at = review_as("a@shop.test", "seller-pass-1")
    at.segmented_control(key="review_status").set_value("approved").run()
    badge = ":red-badge[:material/delete: source post deleted]"
    assert badge in texts(card(at, gone)) and badge not in texts(card(at, kept))
    at.session_state["review_focus"] = gone.id
    at.run()
    assert at.warning[0].value.startswith("Source post deleted: the Instagram post was deleted on ")


def test_select_page_and_batch_approve(seller_shop, session):
    drafts = [make_draft(session, seller_shop, name=f"Bead Necklace {i}") for i in range(3)]
    make_draft(session, seller_shop, name="No Price", price=None)
    untitled = make_draft(session, seller_shop, name="", price=None,
                          created_at=datetime(2025, 5, 3, 9, 30, tzinfo=timezone.utc))
    at = review_as("a@shop.test", "seller-pass-1")
    at.checkbox(key=f"select_{drafts[0].id}").check().run()
    at.checkbox(key=f"select_{drafts[1].id}").check().run()
    assert at.session_state["review_selected"] == {seller_shop.id: {drafts[0].id, drafts[1].id}}
    at.button(key="approve_selected").click().run()
    assert not at.exception
    assert count(session, Product) == 2
    assert sorted(card_names(at)) == ["Bead Necklace 2", "No Price", "Untitled draft from 3 May 2025"]
    at.button(key="select_page").click().run()
    at.button(key="approve_selected").click().run()
    assert count(session, Product) == 3
    assert at.expander[0].label == "2 drafts could not be approved"
    failures = {md.value for md in at.expander[0].markdown}
    assert failures == {
        "- **No Price**: Edit the draft before approving: price: Enter a price, e.g. 2500.",
        "- **Untitled draft from 3 May 2025**: Edit the draft before approving: "
        "name: A name is required.; price: Enter a price, e.g. 2500.",
    }
    assert untitled.id not in " ".join(failures)
    assert [t.value for t in at.toast][:1] == ["Approved 1 draft."]


def test_approve_and_reject_onecard(seller_shop, session):
    keep = make_draft(session, seller_shop, name="Leather Bag")
    drop = make_draft(session, seller_shop, name="Closed on Sunday")
    at = review_as("a@shop.test", "seller-pass-1")
    at.button(key=f"approve_{keep.id}").click().run()
    assert [t.value for t in at.toast] == ["Approved “Leather Bag”."]
    at.radio(key=f"reason_{drop.id}").set_value("not_a_product").run()
    at.button(key=f"confirm_reject_{drop.id}").click().run()
    session.expire_all()
    assert session.get(ProductDraft, drop.id).rejection_reason == "not_a_product"
    assert card_names(at) == []
    at.segmented_control(key="review_status").set_value("rejected").run()
    assert card_names(at) == ["Closed on Sunday"]


def test_withdrawn_drafts_have_a_status_chip_and_say_why(seller_shop, session):
    make_draft(session, seller_shop, name="Taken Down", status="withdrawn")
    at = review_as("a@shop.test", "seller-pass-1")
    status = at.segmented_control(key="review_status")
    assert "Withdrawn (1)" in status.options
    status.set_value("withdrawn").run()
    assert card_names(at) == ["Taken Down"]
    assert "withdrawn (its Instagram post was deleted before review)" in [c.value for c in at.caption]


def test_reject_other_without_note_shows_a_readable_error(seller_shop, session):
    draft = make_draft(session, seller_shop)
    at = review_as("a@shop.test", "seller-pass-1")
    at.radio(key=f"reason_{draft.id}").set_value("other").run()
    at.button(key=f"confirm_reject_{draft.id}").click().run()
    assert at.error[0].value == "Say why you are rejecting it."
    assert session.get(ProductDraft, draft.id).status == "pending"


def test_select_all_matching_spans_pages(seller_shop, session):
    for i in range(30):
        make_draft(session, seller_shop, name=f"Shirt {i}", commit=False)
    session.commit()
    at = review_as("a@shop.test", "seller-pass-1")
    assert len(card_names(at)) == 24
    assert at.button(key="select_matching").label == "Select all 30 matching"
    at.button(key="select_matching").click().run()
    assert len(at.session_state["review_selected"][seller_shop.id]) == 30
    assert not at.toast
    at.button(key="page_next").click().run()
    assert len(card_names(at)) == 6
    at.button(key="approve_selected").click().run()
    assert count(session, Product) == 30


def test_select_all_matching_says_when_it_takes_only_the_first_thousand(seller_shop, session):
    for i in range(MAX_SELECT_ALL + 1):
        make_draft(session, seller_shop, name=f"Bead {i}", commit=False)
    session.commit()
    at = review_as("a@shop.test", "seller-pass-1")
    button = at.button(key="select_matching")
    assert button.label == "Select the first 1,000 of 1,001 matching"
    button.click().run()
    assert len(at.session_state["review_selected"][seller_shop.id]) == MAX_SELECT_ALL
    assert [t.value for t in at.toast] == [
        "Selected the first 1,000 of 1,001 matching drafts (at most 1,000 at a time)."]
    assert at.button(key="approve_selected").label == "Approve selected (1,000)"


def _pick_store(at: AppTest, store_id: str) -> None:
    # AppTest's later runs render the page only (not the frame's sidebar), so set the picker's state.
    at.session_state["store_picker"] = store_id
    at.session_state["store_id"] = store_id
    at.run()
    assert not at.exception, at.exception


def _selected_label(at: AppTest) -> str:
    return next(md.value for md in at.markdown if md.value.endswith(" selected**"))


def test_selection_belongs_to_its_store_so_approve_selected_never_reaches_another(seller_shop, session):
    make_ops(session, "ops@vendly.test", "ops-pass-123")
    other = make_store(session, "Kariakoo Gadgets", "TZS")
    in_a = make_draft(session, seller_shop, name="Dress In A")
    in_b = make_draft(session, other, name="Phone In B")
    at = review_as("ops@vendly.test", "ops-pass-123")
    _pick_store(at, seller_shop.id)
    at.checkbox(key=f"select_{in_a.id}").check().run()
    _pick_store(at, other.id)
    assert _selected_label(at) == "**0 selected**" and at.button(key="approve_selected").disabled
    at.checkbox(key=f"select_{in_b.id}").check().run()
    at.button(key="approve_selected").click().run()
    session.expire_all()
    assert [session.get(ProductDraft, d.id).status for d in (in_a, in_b)] == ["pending", "approved"]
    _pick_store(at, seller_shop.id)
    assert _selected_label(at) == "**1 selected**"  # store A's own selection is still there


def test_a_new_filter_drops_selected_drafts_it_hides(seller_shop, session):
    dress, shirt = (make_draft(session, seller_shop, name=name) for name in ("Red Dress", "Blue Shirt"))
    at = review_as("a@shop.test", "seller-pass-1")
    at.button(key="select_page").click().run()
    assert _selected_label(at) == "**2 selected**"
    at.text_input(key="review_search").input("dress").run()
    assert _selected_label(at) == "**1 selected**"
    at.text_input(key="review_search").input("").run()
    assert _selected_label(at) == "**1 selected**"  # dropped, not hidden: nothing comes back unasked
    at.button(key="approve_selected").click().run()
    session.expire_all()
    assert [session.get(ProductDraft, d.id).status for d in (dress, shirt)] == ["approved", "pending"]


def test_undo_auto_approve_from_the_grid(seller_shop, session):
    draft, product = auto_approved_draft(session, seller_shop, "Sure Thing")
    at = review_as("a@shop.test", "seller-pass-1")
    at.segmented_control(key="review_status").set_value("approved").run()
    at.button(key=f"undo_{draft.id}").click().run()
    session.expire_all()
    assert session.get(Product, product.id).status == "draft"
    assert session.get(ProductDraft, draft.id).status == "pending"


def test_edit_dialog_shows_inline_errors_then_saves_and_approves(seller_shop, session):
    draft = make_draft(session, seller_shop, name="Blue Denim Jacket", price=2500)
    at = review_as("a@shop.test", "seller-pass-1")
    at.button(key=f"edit_{draft.id}").click().run()
    at.text_input(key=f"edit_name_{draft.id}").input("")
    at.text_input(key=f"edit_price_{draft.id}").input("-3")
    at.button(key="edit_save").click().run()
    assert {e.value for e in at.error} == {"A name is required.", "The price must be more than 0."}
    assert session.get(ProductDraft, draft.id).seller_edits == {}
    at.text_input(key=f"edit_name_{draft.id}").input("Unisex Denim Jacket")
    at.text_input(key=f"edit_price_{draft.id}").input("2,400")
    at.button(key="edit_approve").click().run()
    assert not at.exception
    session.expire_all()
    product = session.scalar(select(Product))
    assert (product.name, str(product.price)) == ("Unisex Denim Jacket", "2400.00")
    assert session.get(ProductDraft, draft.id).extracted_data["name"] == "Blue Denim Jacket"
