"""Pure edit-sync rules: fingerprint, field diff, Instagram side, three-way comparison, choices."""

from datetime import datetime, timedelta, timezone

import pytest

from core.errors import ValidationFailed
from core.instagram.parsing import MediaChild, MediaItem
from core.services.bulk_import.importing import source_fingerprint
from core.services.edit_sync.sync_rules import (
    chosen_values,
    describe_changes,
    field_diff,
    instagram_side,
    listing_values,
    media_changed,
    post_fingerprint,
    three_way,
    vendly_untouched,
)

NOW = datetime(2026, 5, 1, tzinfo=timezone.utc)
BASE = {"name": "Blue Denim Jacket", "description": "", "price": "2500.00", "compare_at_price": None,
        "currency": "KES", "category": "Fashion & Apparel", "tags": ["denim"], "variants": [], "images": ["a.jpg"]}


def _item(caption="Jacket Ksh 2,500", media_type="IMAGE", children=()):
    return MediaItem(id="m1", media_type=media_type, caption=caption, timestamp=NOW, media_urls=(),
                     children=tuple(MediaChild(c, "IMAGE", None) for c in children))


def test_fingerprint_matches_the_importers_and_changes_with_caption_and_slides():
    item = _item(children=("c1", "c2"), media_type="CAROUSEL_ALBUM")
    assert post_fingerprint(item.media_type, item.caption, item.children_ids) == source_fingerprint(item)
    assert post_fingerprint("IMAGE", "a") != post_fingerprint("IMAGE", "b")
    assert post_fingerprint("CAROUSEL_ALBUM", "a", ["c1", "c2"]) != post_fingerprint("CAROUSEL_ALBUM", "a", ["c1"])
    assert post_fingerprint("IMAGE", "a") != post_fingerprint("VIDEO", "a")
    assert post_fingerprint("IMAGE", None) == post_fingerprint("IMAGE", "")


def test_media_changed_tells_a_caption_edit_from_a_slide_change():
    known = post_fingerprint("CAROUSEL_ALBUM", "old", ["c1", "c2"])
    assert not media_changed(known, "old", "CAROUSEL_ALBUM", ("c1", "c2"))  # only the caption moved
    assert media_changed(known, "old", "CAROUSEL_ALBUM", ("c1",))  # a slide was removed
    assert not media_changed(None, "old", "IMAGE", ())


def test_field_diff_normalises_prices_text_and_images():
    before = {"price": 2500, "description": None, "tags": ["Denim"], "images": [{"key": "a.jpg"}], "name": "Jacket"}
    after = {"price": "2500.00", "description": "", "tags": ["denim"], "images": ["a.jpg"], "name": "Jacket "}
    assert field_diff(before, after) == {}
    changed = field_diff({"price": 2500.0, "name": "Jacket"}, {"price": 2000, "name": "Denim Jacket"})
    assert changed == {"name": {"from": "Jacket", "to": "Denim Jacket"},
                       "price": {"from": "2500.00", "to": "2000.00"}}


def test_instagram_side_takes_only_what_the_ai_read_differently():
    ai_changes = field_diff({"price": 2500, "name": "jacket"}, {"price": 2000, "name": "jacket"})
    side, invalid = instagram_side(BASE, ai_changes, "KES")
    assert side["price"] == "2000.00" and side["name"] == "Blue Denim Jacket"  # review edit kept
    assert invalid == {}


def test_instagram_side_flags_values_a_product_cannot_hold():
    side, invalid = instagram_side(BASE, field_diff({"price": 2500}, {"price": None}), "KES")
    assert "price" in invalid and side["price"] is None
    side, _ = instagram_side(BASE, {}, "KES", new_images=["b.jpg"])
    assert side["images"] == ["b.jpg"]


def test_three_way_sorts_fields_into_take_agreed_and_clashes():
    instagram = {**BASE, "price": "2000.00", "name": "Denim Jacket", "tags": ["denim", "sale"]}
    vendly = {**BASE, "name": "Jacket (Denim)", "tags": ["denim", "sale"], "description": "Soft"}
    result = three_way(BASE, instagram, vendly)
    assert result.take_instagram == ["price"]
    assert result.agreed == ["tags"]
    assert result.clashes == ["name"]
    assert result.open_fields == ["name", "price"]
    fields = result.conflict_fields()
    assert fields["name"] == {"base": "Blue Denim Jacket", "instagram": "Denim Jacket", "vendly": "Jacket (Denim)",
                              "vendly_changed": True, "instagram_invalid": None, "suggested": "vendly"}
    assert fields["price"]["suggested"] == "instagram" and "description" not in fields  # Vendly-only change


def test_three_way_with_nothing_changed_on_instagram_is_empty():
    result = three_way(BASE, dict(BASE), {**BASE, "price": "1.00"})
    assert result.open_fields == [] and result.instagram_changed == []


def test_vendly_untouched_compares_the_edit_time_to_the_base():
    assert vendly_untouched(None, None)
    assert not vendly_untouched(NOW, None)
    assert vendly_untouched(NOW, NOW + timedelta(seconds=1))
    assert not vendly_untouched(NOW + timedelta(seconds=1), NOW)


def test_chosen_values_per_field():
    fields = three_way(BASE, {**BASE, "price": "2000.00", "name": "New"}, {**BASE, "name": "Mine"}).conflict_fields()
    picked = chosen_values(fields, {"name": "vendly", "price": {"edit": "1999"}}, {"name": "Mine Now"})
    assert picked == {"name": ("vendly", "Mine Now"), "price": ("edit", "1999")}
    assert chosen_values(fields, {"name": "instagram", "price": "instagram"}, {})["name"] == ("instagram", "New")


def test_chosen_values_refuses_missing_unknown_and_invalid_choices():
    fields = three_way(BASE, {**BASE, "price": None}, dict(BASE)).conflict_fields({"price": "Enter a price"})
    with pytest.raises(ValidationFailed) as missing:
        chosen_values(fields, {"colour": "vendly"}, {})
    assert set(missing.value.errors) == {"price", "colour"}
    with pytest.raises(ValidationFailed) as invalid:
        chosen_values(fields, {"price": "instagram"}, {})
    assert "cannot be used" in invalid.value.errors["price"]
    assert fields["price"]["suggested"] == "vendly"


def test_describe_changes_reads_like_a_sentence():
    text = describe_changes({"price": {"from": "2500.00", "to": "2000.00"}, "caption": {"from": "a", "to": "b"}}, "KES")
    assert text == "price: KES 2,500 → KES 2,000"
    assert describe_changes({"caption": {"from": "a", "to": "b"}}) == "caption edited, no product field changed"


def test_listing_values_fill_missing_fields():
    values = listing_values({"name": "X"})
    assert values["tags"] == [] and values["price"] is None and values["images"] == []


def test_typed_edits_round_trip():
    from core.services.edit_sync.sync_rules import edit_text, parse_edit_text

    assert parse_edit_text("variants", "size=M, color = red") == [
        {"option": "size", "value": "M"}, {"option": "color", "value": "red"}]
    assert parse_edit_text("tags", "denim, , jacket") == ["denim", "jacket"]
    assert parse_edit_text("price", "1,900") == "1,900"
    assert edit_text("variants", [{"option": "size", "value": "M"}]) == "size=M"
    assert edit_text("price", None) == ""
