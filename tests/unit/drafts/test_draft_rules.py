"""The pure review rules: validating edits, merging them over the AI's values, approval checks."""

from datetime import datetime, timedelta, timezone

import pytest

from core.errors import ValidationFailed
from core.services.review.draft_rules import (
    approvable_values,
    clean_changes,
    clean_rejection,
    clean_tags,
    confidence_band,
    edits_after_change,
    effective_values,
    expires_in_text,
    format_price,
    next_free_slug,
    product_slug_base,
)

AI = {"name": "Blue Denim Jacket", "price": 2500.0, "currency": "KES", "category": "Fashion & Apparel",
      "tags": ["denim"], "description": "", "variants": [], "confidence": 0.9}


def test_effective_values_prefer_a_persons_edit_and_keep_the_rest():
    values = effective_values(AI, {"name": "Denim Jacket (unisex)"})
    assert values["name"] == "Denim Jacket (unisex)"
    assert values["price"] == 2500.0
    assert "confidence" not in values


def test_edits_keep_only_real_differences_from_the_ai():
    edits = edits_after_change(AI, {"name": "Old edit"}, {"name": "Blue Denim Jacket", "price": "2500.00"})
    assert edits == {}  # both equal the AI's values again
    edits = edits_after_change(AI, {"tags": ["x"]}, {"price": "2400.00"})
    assert edits == {"tags": ["x"], "price": "2400.00"}


@pytest.mark.parametrize("changes, field", [
    ({"name": "   "}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"price": 0}, "price"),
    ({"price": -5}, "price"),
    ({"price": "-5"}, "price"),
    ({"price": "abc"}, "price"),
    ({"price": 1_000_000_000}, "price"),
    ({"currency": "KSH"}, "currency"),
    ({"currency": "ke"}, "currency"),
    ({"category": "Shoes"}, "category"),
    ({"tags": ["x" * 41]}, "tags"),
    ({"variants": [{"option": "size"}]}, "variants"),
    ({"price": 100, "compare_at_price": 90}, "compare_at_price"),
])
def test_bad_changes_name_the_field(changes, field):
    with pytest.raises(ValidationFailed) as raised:
        clean_changes(changes)
    assert field in raised.value.errors


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationFailed, match="cannot be edited"):
        clean_changes({"status": "approved"})


def test_good_changes_are_normalised():
    cleaned = clean_changes({
        "name": "  Kitenge   Maxi Dress ", "price": "Ksh 3,500", "currency": "kes",
        "category": "Fashion & Apparel", "tags": "#Kitenge, maxi  dress, #kitenge",
        "variants": [{"option": " Size ", "value": "M"}, {"option": "size", "value": "M"}],
    })
    assert cleaned == {
        "name": "Kitenge Maxi Dress", "price": "3500.00", "currency": "KES", "category": "Fashion & Apparel",
        "tags": ["kitenge", "maxi dress"], "variants": [{"option": "size", "value": "M"}],
    }


def test_tags_are_capped():
    with pytest.raises(ValueError):
        clean_tags([f"t{i}" for i in range(21)])


def test_approval_needs_a_name_and_price_and_fills_the_store_currency():
    product = approvable_values({**AI, "currency": None}, "UGX")
    assert product["currency"] == "UGX" and product["price"] == "2500.00"
    with pytest.raises(ValidationFailed) as raised:
        approvable_values({**AI, "price": None, "name": ""}, "KES")
    assert set(raised.value.errors) == {"price", "name"}
    assert "Edit the draft before approving" in str(raised.value)


def test_rejection_reasons():
    assert clean_rejection("duplicate", None) == ("duplicate", None)
    with pytest.raises(ValidationFailed):
        clean_rejection("other", "  ")
    with pytest.raises(ValidationFailed):
        clean_rejection("because", None)


def test_slugs():
    assert product_slug_base("Blue Denim Jacket!") == "blue-denim-jacket"
    assert product_slug_base("🔥🔥") == "product"
    assert next_free_slug("a", {"a", "a-2"}) == "a-3"
    assert next_free_slug("a", set()) == "a"


def test_bands_expiry_and_price_text():
    assert [confidence_band(c) for c in (0.8, 0.79, 0.5, 0.49, None)] == ["high", "medium", "medium", "low", "unknown"]
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert expires_in_text(now + timedelta(hours=30), now) == "expires in 30 h"
    assert expires_in_text(now + timedelta(days=5, hours=1), now) == "expires in 6 days"
    assert expires_in_text(now + timedelta(days=7), now) == "expires in 7 days"
    assert expires_in_text(now - timedelta(seconds=1), now) == "expired"
    assert format_price("2500.00", "KES") == "KES 2,500"
    assert format_price(19.5, "USD") == "USD 19.50"
    assert format_price(None, "KES") == "no price"
