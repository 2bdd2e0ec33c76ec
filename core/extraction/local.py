"""The offline extractor: deterministic rules, no keys, no network.

It is the embedded default and the fallback for every AI failure, so it must
never raise on a caption and must say (in `notes`) why its confidence is low.
"""

from __future__ import annotations

import re

from core.extraction.categories import categorize
from core.extraction.classify import classify_post
from core.extraction.names import extract_name
from core.extraction.places import currency_from_places
from core.extraction.prices import PriceResult, extract_prices
from core.extraction.schema import REVIEW_THRESHOLD, ExtractedProduct
from core.extraction.tags import tags_for
from core.extraction.variants import extract_variants

EXTRACTOR_VERSION = "local-1"
MAX_CAPTION_CHARS = 5000

_UNIT = r"(\d+(?:\.\d+)?\s?(?:kg|g|ml|l|ltr|litres?|liters?))"
_UNIT_BEFORE_PRICE = re.compile(_UNIT + r"\s*[@:\-=]?\s*$", re.IGNORECASE)
_UNIT_AFTER_PRICE = re.compile(r"^\s*(?:/=|/-)?\s*(?:per|for|a|/)\s*" + _UNIT + r"\b", re.IGNORECASE)  # "8,000 per 500g"
_PRICE_CONFIDENCE = {"money": 0.95, "word": 0.85, "bare": 0.6}
_CURRENCY_CONFIDENCE = {"marker": 0.97, "caption": 0.92, "place": 0.88, "default": 0.75}


def extract_local(caption: str | None, media_type: str = "IMAGE", default_currency: str = "KES") -> ExtractedProduct:
    """Everything the rules can read from one caption."""
    text = (caption or "")[:MAX_CAPTION_CHARS]
    lowered = text.lower()
    prices = extract_prices(text, currency_from_places(lowered), default_currency)
    guess = categorize(text)
    verdict = classify_post(text, prices.price is not None, prices.asks_to_dm, len(guess.matched))
    notes: list[str] = []
    if not verdict.is_product:
        return ExtractedProduct(
            is_product=False, description=_describe(text), confidence=round(verdict.confidence, 3),
            field_confidence={"is_product": verdict.confidence}, extractor="local",
            notes=[f"not a product: {verdict.reason}"], needs_review=verdict.confidence < REVIEW_THRESHOLD,
        )
    name = extract_name(text, _unit_hint(text, prices), is_book=guess.category == "Books & Media")
    fields = {
        "is_product": verdict.confidence,
        "price": _price_confidence(prices, notes),
        "currency": _CURRENCY_CONFIDENCE.get(prices.currency_source or "", 0.9 if prices.price is None else 0.6),
        "category": guess.confidence,
        "name": _name_confidence(name, notes),
    }
    if prices.currency_source == "default":
        notes.append(f"no currency in the caption; used the store default {default_currency}")
    if guess.confidence < 0.6:
        notes.append("category is a guess: few product words")
    confidence = calibrated(fields)
    variants = extract_variants(text)
    materials = [v.value for v in variants if v.option == "material"]
    return ExtractedProduct(
        is_product=True, name=name, description=_describe(text), price=prices.price,
        compare_at_price=prices.compare_at_price, currency=prices.currency if prices.price is not None else None,
        category=guess.category, tags=tags_for(text, guess.spans, materials), variants=variants,
        confidence=confidence, field_confidence={k: round(v, 3) for k, v in fields.items()}, extractor="local",
        notes=notes, needs_review=confidence < REVIEW_THRESHOLD,
    )


def calibrated(fields: dict[str, float]) -> float:
    """Half the weakest field, half the average: one doubtful field keeps a draft out of 'high'."""
    values = list(fields.values())
    return round(0.5 * min(values) + 0.5 * sum(values) / len(values), 3)


def _price_confidence(prices: PriceResult, notes: list[str]) -> float:
    if prices.price is None:
        if prices.asks_to_dm:
            notes.append("the caption asks buyers to DM for the price")
            return 0.9
        notes.append("no price found in the caption")
        return 0.45
    confidence = _PRICE_CONFIDENCE[prices.evidence or "bare"]
    distinct = {c.amount for c in prices.candidates if c.role == "price" and (c.money_marker or c.price_word)}
    if len(distinct) > 1:
        notes.append(f"several prices ({len(distinct)}); took the first")
        confidence = min(confidence, 0.8)
    if prices.evidence == "bare":
        notes.append("price is a bare number without a currency or price word")
    return confidence


def _name_confidence(name: str, notes: list[str]) -> float:
    words = len(name.split())
    if words == 0:
        notes.append("no product name found")
        return 0.3
    if words == 1 or words > 6:
        notes.append("product name may need editing")
        return 0.65
    return 0.88


def _unit_hint(text: str, prices: PriceResult) -> str | None:
    """'1kg @ 2000', '2000 per 1kg': the priced size belongs in the name."""
    chosen = next((c for c in prices.candidates if c.amount == prices.price and c.role == "price"), None)
    if chosen is None:
        return None
    found = _UNIT_BEFORE_PRICE.search(text[max(0, chosen.start - 20):chosen.start])
    found = found or _UNIT_AFTER_PRICE.match(text[chosen.end:chosen.end + 20])
    return found.group(1) if found else None


def _describe(text: str) -> str:
    without_tags = re.sub(r"(?:\s*#\w+)+\s*$", "", text.strip())
    return re.sub(r"[ \t]+", " ", without_tags).strip()[:2000]
