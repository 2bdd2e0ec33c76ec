"""Edit sync against the sandbox over HTTP, on SQLite and PostgreSQL: each path of issue 9."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.models import InstagramSyncHistory, Notification, ProductChange
from core.services.edit_sync.change_log import list_changes
from core.services.edit_sync.conflicts import get_conflict, list_conflicts, resolve_conflict
from core.services.review.draft_rules import effective_values
from core.services.review.drafts import edit_draft
from core.services.review.products import update_product
from tests.factories import make_seller, make_store

EDITED = "Blue Denim Jacket, soft and warm. Now Ksh 2,000 (was 2,500) #denim #jacket"


def _history(world) -> InstagramSyncHistory:
    run = InstagramSyncHistory(id="sync_test_run", store_id=world.store.id, connection_id=world.connection.id,
                               sync_type="incremental_sync", status="running", errors=[])
    world.session.add(run)
    world.session.commit()
    return run


def test_new_post_is_imported_once_and_an_unchanged_post_costs_nothing(world):
    draft = world.imported()
    assert draft.status == "pending" and draft.source_fingerprint
    assert world.reconcile(draft.ig_media_id).status == "unchanged"


def test_pending_draft_takes_the_edit_and_keeps_the_sellers_edits(world):
    draft = world.imported()
    edit_draft(world.session, world.ops, draft.id, {"name": "Denim Jacket (Unisex)"})
    world.sandbox.edit_caption(draft.ig_media_id, EDITED)
    outcome = world.reconcile(draft.ig_media_id)
    assert outcome.status == "draft_updated"
    assert outcome.changes["price"] == {"from": "2500.00", "to": "2000.00"}
    draft = world.draft(draft.ig_media_id)
    values = effective_values(draft.extracted_data, draft.seller_edits)
    assert values["name"] == "Denim Jacket (Unisex)"  # the seller's edit wins
    assert values["price"] == 2000.0 and values["compare_at_price"] == 2500.0
    assert draft.ig_caption == EDITED
    assert any(note.startswith("Instagram edit") and "KES 2,000" in note for note in draft.extracted_data["notes"])
    log = list_changes(world.session, world.ops, world.store.id, ig_media_id=draft.ig_media_id)
    assert [entry.action for entry in log] == ["draft_updated"] and log[0].side == "instagram"
    assert world.reconcile(draft.ig_media_id).status == "unchanged"


def test_untouched_product_takes_instagrams_values_counted_in_the_run(world):
    draft, product = world.approved()
    world.sandbox.edit_caption(draft.ig_media_id, EDITED)
    run = _history(world)
    outcome = world.reconcile(draft.ig_media_id, history=run)
    assert outcome.status == "product_updated"
    product = world.product(product.id)
    assert product.price == Decimal("2000.00") and product.compare_at_price == Decimal("2500.00")
    assert product.source_caption == EDITED
    assert product.source_snapshot["price"] == "2000.00"  # the new base
    run = world.session.get(InstagramSyncHistory, run.id)
    assert (run.products_updated, run.posts_processed, run.posts_found) == (1, 1, 1)
    entry = world.session.scalar(select(ProductChange).where(ProductChange.action == "product_updated"))
    assert entry.side == "instagram" and entry.sync_history_id == run.id and "price" in entry.changes


def test_product_edited_in_vendly_gets_a_three_way_conflict_and_is_not_overwritten(world):
    draft, product = world.approved()
    update_product(world.session, world.ops, product.id, {"name": "Denim Jacket - Limited"})
    assert world.product(product.id).vendly_edited_at is not None
    world.sandbox.edit_caption(draft.ig_media_id, EDITED)
    outcome = world.reconcile(draft.ig_media_id)
    assert outcome.status == "conflict_opened"
    product = world.product(product.id)
    assert product.price == Decimal("2500.00") and product.name == "Denim Jacket - Limited"
    [conflict] = world.conflicts()
    assert conflict.fields["price"] == {
        "base": "2500.00", "instagram": "2000.00", "vendly": "2500.00", "vendly_changed": False,
        "instagram_invalid": None, "suggested": "instagram"}
    assert "name" not in conflict.fields  # only Vendly changed it: nothing to choose
    # A webhook-era change without a run still shows in the history.
    assert world.session.scalar(select(InstagramSyncHistory).where(InstagramSyncHistory.sync_type == "edit_sync"))
    # ...and the store is told there is something to check.
    notice = world.session.scalar(select(Notification).where(Notification.kind == "sync_conflict"))
    assert notice is not None and notice.store_id == product.store_id


def test_a_repeated_edit_updates_the_open_conflict_and_it_resolves_field_by_field(world):
    draft, product = world.approved()
    update_product(world.session, world.ops, product.id, {"price": "2400", "tags": ["denim", "vintage"]})
    world.sandbox.edit_caption(draft.ig_media_id, EDITED)
    first = world.reconcile(draft.ig_media_id)
    world.sandbox.edit_caption(draft.ig_media_id, "Blue Denim Jacket, soft and warm. Ksh 2,200 #denim #jacket")
    second = world.reconcile(draft.ig_media_id)
    assert second.status == "conflict_updated" and second.conflict_id == first.conflict_id
    [conflict] = world.conflicts()
    assert conflict.detections == 2
    assert conflict.fields["price"]["instagram"] == "2200.00" and conflict.fields["price"]["vendly_changed"]
    assert "compare_at_price" not in conflict.fields  # the second edit dropped the 'was' price again
    view = get_conflict(world.session, world.ops, conflict.id)
    assert view.fields["price"]["vendly"] == "2400.00" and view.fields["price"]["base"] == "2500.00"
    with pytest.raises(ValidationFailed):
        resolve_conflict(world.session, world.ops, conflict.id, {})
    assert set(conflict.fields) == {"price", "description"}  # the AI's description follows the caption
    resolve_conflict(world.session, world.ops, conflict.id, {"price": "instagram", "description": "vendly"})
    product = world.product(product.id)
    assert product.price == Decimal("2200.00") and product.tags == ["denim", "vintage"]
    assert world.conflicts()[0].status == "resolved"
    assert world.conflicts()[0].resolution["price"] == {"choice": "instagram", "value": "2200.00"}
    sides = [entry.side for entry in list_changes(world.session, world.ops, world.store.id, product_id=product.id)]
    assert sides == ["resolution", "instagram", "instagram", "vendly"]
    with pytest.raises(ValidationFailed, match="already resolved"):
        resolve_conflict(world.session, world.ops, conflict.id, {"price": "vendly"})


def test_resolving_with_an_edit_and_keep_vendly(world):
    draft, product = world.approved()
    update_product(world.session, world.ops, product.id, {"price": "2400"})
    world.sandbox.edit_caption(draft.ig_media_id, EDITED)
    conflict_id = world.reconcile(draft.ig_media_id).conflict_id
    fields = world.conflicts()[0].fields
    assert set(fields) == {"price", "compare_at_price", "description"}
    with pytest.raises(ValidationFailed) as bad:
        resolve_conflict(world.session, world.ops, conflict_id,
                         {"price": {"edit": "-5"}, "compare_at_price": "vendly", "description": "vendly"})
    assert "price" in bad.value.errors
    resolve_conflict(world.session, world.ops, conflict_id,
                     {"price": {"edit": "1900"}, "compare_at_price": "instagram", "description": "instagram"})
    product = world.product(product.id)
    assert (product.price, product.compare_at_price) == (Decimal("1900.00"), Decimal("2500.00"))
    # The person's value differs from the post, so a later edit asks again rather than overwrite it.
    world.sandbox.edit_caption(draft.ig_media_id, "Blue Denim Jacket, soft and warm. Ksh 1,800 #denim #jacket")
    assert world.reconcile(draft.ig_media_id).status == "conflict_opened"


def test_auto_apply_off_asks_even_for_an_untouched_product(world):
    world.settings(auto_apply=False)
    draft, product = world.approved()
    world.sandbox.edit_caption(draft.ig_media_id, EDITED)
    assert world.reconcile(draft.ig_media_id).status == "conflict_opened"
    assert world.product(product.id).price == Decimal("2500.00")


def test_a_caption_without_a_price_never_blanks_the_product(world):
    draft, product = world.approved()
    world.sandbox.edit_caption(draft.ig_media_id, "Blue Denim Jacket. SOLD OUT #denim #jacket")
    assert world.reconcile(draft.ig_media_id).status == "conflict_opened"
    [conflict] = world.conflicts()
    assert conflict.fields["price"]["instagram_invalid"] and conflict.fields["price"]["suggested"] == "vendly"
    assert world.product(product.id).price == Decimal("2500.00")


def test_deleted_post_withdraws_a_draft_and_flags_a_product(world):
    draft = world.imported()
    other, product = world.approved("Kitenge Dress, size M. Ksh 3,000 #kitenge")
    world.sandbox.delete_media(draft.ig_media_id)
    world.sandbox.delete_media(other.ig_media_id)
    run = world.poll()
    assert run.status == "success", run.errors
    assert world.draft(draft.ig_media_id).status == "withdrawn"
    product = world.product(product.id)
    assert product.source_deleted_at is not None and product.status == "active"  # flag only (default)
    assert run.products_updated == 1
    assert (run.posts_found, run.posts_processed) == (2, 2)  # both deletions count in the run
    assert world.deleted(other.ig_media_id).status == "skipped"  # idempotent
    assert world.session.scalar(select(Notification).where(Notification.kind == "source_deleted"))


def test_deleted_post_hides_the_product_by_setting_and_a_returning_post_restores_it(world):
    world.settings(on_delete="hide")
    draft, product = world.approved()
    update_product(world.session, world.ops, product.id, {"price": "2400"})
    world.sandbox.edit_caption(draft.ig_media_id, EDITED)
    world.reconcile(draft.ig_media_id)
    outcome = world.deleted(draft.ig_media_id)
    assert outcome.status == "flagged_deleted" and outcome.conflict_id
    product = world.product(product.id)
    assert product.status == "hidden" and product.source_deleted_at is not None
    assert world.conflicts()[0].status == "dismissed"
    assert world.reconcile(draft.ig_media_id).status == "restored"  # it was only archived, say
    product = world.product(product.id)
    assert product.status == "active" and product.source_deleted_at is None


def test_poll_finds_new_posts_and_edits(world):
    draft = world.imported()
    new_id = world.publish("Leather Sandals, all sizes. Ksh 1,200 #sandals")
    world.sandbox.edit_caption(draft.ig_media_id, EDITED)
    run = world.poll()
    assert run.status == "success"
    assert run.drafts_created == 1 and run.posts_processed == 2 and run.api_calls_used >= 1
    assert world.draft(new_id).status == "pending"
    assert world.draft(draft.ig_media_id).ig_caption == EDITED


def test_a_failing_post_is_kept_on_the_run_and_retried(world):
    draft = world.imported()
    world.sandbox.edit_caption(draft.ig_media_id, EDITED)
    run = _history(world)

    class Broken:
        def extract(self, *args, **kwargs):
            raise RuntimeError("AI is down")

    from core.services.edit_sync.reconcile import reconcile_media

    item = world.client.get_media(draft.ig_media_id)
    outcome = reconcile_media(world.session, world.connection, item, Broken(), world.clock, run)
    world.session.commit()
    assert outcome.status == "failed"
    run = world.session.get(InstagramSyncHistory, run.id)
    assert run.posts_failed == 1 and run.errors[0]["message"] == "AI is down"
    assert world.reconcile(draft.ig_media_id).status == "draft_updated"  # fingerprint untouched: retried


def test_a_seller_cannot_see_or_resolve_another_stores_conflicts(world):
    draft, product = world.approved()
    update_product(world.session, world.ops, product.id, {"price": "2400"})
    world.sandbox.edit_caption(draft.ig_media_id, EDITED)
    conflict_id = world.reconcile(draft.ig_media_id).conflict_id
    owner = make_seller(world.session, world.store, "owner@shop.test")
    stranger = make_seller(world.session, make_store(world.session, "Other Shop"), "other@shop.test")
    assert [c.id for c in list_conflicts(world.session, owner, world.store.id)] == [conflict_id]
    with pytest.raises(PermissionDenied):
        list_conflicts(world.session, stranger, world.store.id)
    with pytest.raises(NotFound):
        get_conflict(world.session, stranger, conflict_id)
    with pytest.raises(NotFound):
        resolve_conflict(world.session, stranger, conflict_id, {"price": "vendly", "compare_at_price": "vendly"})
    with pytest.raises(NotFound):
        update_product(world.session, stranger, product.id, {"price": "1"})
    assert world.conflicts()[0].status == "open"
