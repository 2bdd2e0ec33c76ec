"""Combining the local rules, the LLM's caption reading and the image category into one draft.

Agreement raises confidence, disagreement lowers it with a note that says why,
so the review screen's "high confidence" (>= 0.8) filter holds drafts where
independent readers agreed. The LLM may not invent amounts: a price that does
not appear in the caption is dropped in favour of the rules' reading, and so is
a number the rules refused on purpose (a delivery fee, a phone or till number).
"""

from __future__ import annotations

import re

from core.extraction.local import calibrated
from core.extraction.prices import find_price_candidates, parse_amount, skipped_amounts
from core.extraction.schema import REVIEW_THRESHOLD, ExtractedProduct, ImageCategory, LLMExtraction, Variant
from core.extraction.variants import canonical_color

_ANY_AMOUNT = re.compile(r"(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,3}(?:\.\d{3})+(?!\d)|\d+(?:\.\d+)?)(\s?k\b)?", re.I)
MAX_TAGS = 8


def amounts_in(caption: str) -> set[float]:
    """Every number the caption writes, read as an amount (with `k` = thousands)."""
    found = set()
    for match in _ANY_AMOUNT.finditer(caption):
        amount = parse_amount(match.group(1), match.group(2))
        if amount is not None:
            found.add(round(amount, 2))
    return found


def merge(
    caption: str, local: ExtractedProduct, llm: LLMExtraction | None = None, image: ImageCategory | None = None
) -> ExtractedProduct:
    """One product from up to three readings; `local` is always present and is the fallback."""
    merged = local.model_copy(deep=True)
    fields = dict(local.field_confidence)
    notes = list(local.notes)
    if llm is not None:
        _merge_caption_reading(caption, merged, llm, fields, notes)
    if image is not None and merged.is_product:
        _merge_image(merged, image, fields, notes)
    merged.field_confidence = {k: round(v, 3) for k, v in fields.items()}
    confidence = calibrated(fields) if fields else merged.confidence
    if llm is not None and llm.confidence < 0.5:
        confidence = min(confidence, llm.confidence + 0.2)
        notes.append("the AI model itself was unsure")
    merged.confidence = round(max(0.0, min(1.0, confidence)), 3)
    merged.notes = notes
    merged.needs_review = merged.confidence < REVIEW_THRESHOLD
    return merged


def _merge_caption_reading(
    caption: str, merged: ExtractedProduct, llm: LLMExtraction, fields: dict, notes: list[str]
) -> None:
    if llm.is_product != merged.is_product:
        notes.append(f"rules and AI disagree on whether this is a product; took the AI's ({llm.is_product})")
        fields["is_product"] = 0.55
    else:
        fields["is_product"] = 0.97
    if not llm.is_product:
        merged.is_product = False
        merged.name, merged.price, merged.compare_at_price, merged.currency = "", None, None, None
        merged.category, merged.tags, merged.variants = None, [], []
        for key in ("price", "currency", "category", "name"):
            fields.pop(key, None)
        return
    local_price, local_currency, local_category = merged.price, merged.currency, merged.category
    merged.is_product = True
    _merge_price(caption, merged, llm, fields, notes, local_price)
    _merge_currency(merged, llm, fields, notes, local_currency)
    merged.category = llm.category or local_category or "Other"
    fields["category"] = 0.93 if merged.category == local_category else 0.7
    if llm.name.strip():
        merged.name = llm.name.strip()[:120]
        fields["name"] = 0.9
    merged.description = llm.description.strip() or merged.description
    merged.tags = _union(llm.tags, merged.tags)[:MAX_TAGS]
    if llm.variants:
        merged.variants = llm.variants


def _merge_price(caption, merged, llm, fields, notes, local_price) -> None:
    seen = amounts_in(caption)
    ai_price = llm.price if llm.price is None or round(llm.price, 2) in seen else None
    if llm.price is not None and ai_price is None:
        notes.append(f"AI price {llm.price:g} is not in the caption; kept the rules' price")
        fields["price"] = 0.5
        return
    trap = _deliberately_skipped(caption, ai_price) if ai_price != local_price else None
    if trap is not None:
        kept = f"kept the rules' {local_price:g}" if local_price is not None else "left the price empty"
        notes.append(f"AI price {ai_price:g} is {trap} by the rules' reading; {kept}")
        fields["price"] = 0.45
        return
    if ai_price == local_price:
        fields["price"] = 0.98
    elif local_price is None:
        fields["price"] = 0.75
        notes.append("only the AI found a price")
    elif ai_price is None:
        fields["price"] = 0.5
        notes.append(f"AI found no price; the rules read {local_price:g}")
    else:
        fields["price"] = 0.45
        notes.append(f"price disagreement: rules read {local_price:g}, AI read {ai_price:g}; took the AI's")
    merged.price = ai_price
    compare = llm.compare_at_price
    if compare is not None and (round(compare, 2) not in seen or ai_price is None or compare <= ai_price):
        compare = None
    merged.compare_at_price = compare


def _deliberately_skipped(caption: str, amount: float | None) -> str | None:
    """Why the rules refused `amount` as a price (a delivery fee, a phone number...), if they did."""
    if amount is None or any(c.amount == amount for c in find_price_candidates(caption)):
        return None
    return skipped_amounts(caption).get(amount)


def _merge_currency(merged, llm, fields, notes, local_currency) -> None:
    ai_currency = (llm.currency or "").strip().upper() or None
    if ai_currency is not None and not re.fullmatch(r"[A-Z]{3}", ai_currency):
        notes.append("AI currency is not an ISO code; kept the rules' currency")
        ai_currency = local_currency
    if merged.price is None:
        merged.currency = None
        fields["currency"] = 0.9
        return
    if ai_currency == local_currency or ai_currency is None:
        merged.currency = local_currency or ai_currency
        fields["currency"] = 0.97 if ai_currency == local_currency else 0.7
        return
    if local_currency is None:
        merged.currency = ai_currency
        fields["currency"] = 0.75
        return
    merged.currency = ai_currency
    fields["currency"] = 0.45
    notes.append(f"currency disagreement: rules read {local_currency}, AI read {ai_currency}; took the AI's")


def _merge_image(merged: ExtractedProduct, image: ImageCategory, fields: dict, notes: list[str]) -> None:
    caption_confidence = fields.get("category", 0.5)
    if image.category == merged.category:
        fields["category"] = min(0.99, max(caption_confidence, image.confidence) + 0.05)
    elif image.confidence >= 0.8 and caption_confidence < 0.6:
        notes.append(f"category from the image ({image.category}); the caption said little")
        merged.category = image.category
        fields["category"] = 0.7
    else:
        notes.append(f"the image looks like {image.category}, the caption like {merged.category}")
        fields["category"] = max(0.3, caption_confidence - 0.25)
    if image.product_type.strip():
        merged.tags = _union(merged.tags, [image.product_type.strip().lower()])[:MAX_TAGS]
    _colors_from_image(merged, image, notes)


def _colors_from_image(merged: ExtractedProduct, image: ImageCategory, notes: list[str]) -> None:
    """Colour choices the photo shows (the same item in several colours), when the caption named none.

    One colour is what the item looks like, not a choice, so it is not a variant.
    """
    if any(v.option == "color" for v in merged.variants):
        return
    colors = list(dict.fromkeys(c for c in map(canonical_color, image.colors) if c))
    if len(colors) < 2:
        return
    merged.variants = [*merged.variants, *(Variant(option="color", value=c) for c in colors)]
    notes.append(f"colour choices from the image ({', '.join(colors)}); the caption named none")


def _union(first: list[str], second: list[str]) -> list[str]:
    seen, result = set(), []
    for tag in [*first, *second]:
        key = tag.strip().lower()
        if key and key not in seen:
            seen.add(key)
            result.append(key)
    return result
