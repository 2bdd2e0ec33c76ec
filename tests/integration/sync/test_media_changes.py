"""Edit sync when a seller swaps a post's photos, against the sandbox on both databases: the new
slides are copied into our media store, and reach a pending draft, an untouched product, or the
conflict of a product edited in Vendly, as their caption edits do."""

from __future__ import annotations

from core.services.edit_sync.sync_rules import image_keys
from core.services.review.approval import approve_draft
from core.services.review.products import update_product

CAPTION = "Leather Handbag, three colours. Ksh 4,500 #bags"


def _carousel(world, slides: int = 3):
    """A carousel post imported as a pending draft."""
    media_id = world.sandbox.publish(world.connection.ig_user_id, caption=CAPTION, media_type="CAROUSEL_ALBUM",
                                     children=slides)["id"]
    assert world.reconcile(media_id).status == "created"
    return world.draft(media_id)


def _approved_carousel(world):
    draft = _carousel(world)
    product = approve_draft(world.session, world.ops, draft.id, world.clock)
    return world.draft(draft.ig_media_id), product


def _swap(world, media_id: str, slides: int) -> list[str]:
    """Swap the post's photos on Instagram; returns the new slides' media ids."""
    return world.sandbox.swap_images(media_id, slides)["children"]


def _stored(world, keys: list[str]) -> list[bytes]:
    return [world.scan.deps.media_store.read(key) for key in keys]


def test_a_pending_draft_gets_the_new_photos_copied_into_the_media_store(world):
    draft = _carousel(world)
    old_keys = image_keys(draft.images)
    old_slides = world.client.get_media(draft.ig_media_id).children_ids
    new_slides = _swap(world, draft.ig_media_id, 4)
    assert not set(new_slides) & set(old_slides)  # Instagram gives swapped slides new ids

    outcome = world.reconcile(draft.ig_media_id)
    assert outcome.status == "draft_updated"
    assert outcome.changes["images"]["from"] == old_keys
    draft = world.draft(draft.ig_media_id)
    new_keys = image_keys(draft.images)
    assert len(new_keys) == 4 and not set(new_keys) & set(old_keys)
    assert outcome.changes["images"]["to"] == new_keys
    assert all(_stored(world, new_keys)) and all(_stored(world, [i["thumb"] for i in draft.images]))
    assert draft.ig_caption == CAPTION and draft.status == "pending"
    assert world.reconcile(draft.ig_media_id).status == "unchanged"  # copied once


def test_an_untouched_product_takes_the_new_photos(world):
    draft, product = _approved_carousel(world)
    old_keys = image_keys(world.product(product.id).images)
    _swap(world, draft.ig_media_id, 2)

    outcome = world.reconcile(draft.ig_media_id)
    assert outcome.status == "product_updated"
    product = world.product(product.id)
    new_keys = image_keys(product.images)
    assert len(new_keys) == 2 and not set(new_keys) & set(old_keys)
    assert all(_stored(world, new_keys))
    assert product.source_snapshot["images"] == new_keys  # the new base
    assert outcome.changes["images"] == {"from": old_keys, "to": new_keys}


def test_a_product_edited_in_vendly_gets_the_new_photos_as_a_conflict_field(world):
    draft, product = _approved_carousel(world)
    update_product(world.session, world.ops, product.id, {"name": "Leather Handbag - Tan"})
    old_keys = image_keys(world.product(product.id).images)
    _swap(world, draft.ig_media_id, 3)

    outcome = world.reconcile(draft.ig_media_id)
    assert outcome.status == "conflict_opened"
    product = world.product(product.id)
    assert image_keys(product.images) == old_keys  # nothing written before a person chooses
    [conflict] = world.conflicts()
    images = conflict.fields["images"]
    assert images["base"] == images["vendly"] == old_keys and not images["vendly_changed"]
    assert len(images["instagram"]) == 3 and not set(images["instagram"]) & set(old_keys)
    assert image_keys(conflict.instagram_values["image_records"]) == images["instagram"]
    assert all(_stored(world, images["instagram"]))
