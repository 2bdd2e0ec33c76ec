"""Pure rules for reviewing drafts: validating a person's edits, merging them over the AI's
values, and the little judgements the review grid shows (confidence band, expiry).

No database and no Streamlit here, so every rule is tested on its own.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry
from price_parser import Price
from slugify import slugify

from core.errors import ValidationFailed
from core.extraction.schema import CATEGORIES, HIGH_CONFIDENCE, REVIEW_THRESHOLD

# The fields a person may change; everything else on a draft is Instagram's or the AI's.
EDITABLE_FIELDS = (
    "name", "description", "price", "compare_at_price", "currency", "category", "tags", "variants",
)
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 5000
# Above this a price is almost surely a typo (an extra zero or a phone number).
MAX_PRICE = Decimal("100000000")
MAX_TAGS = 20
MAX_TAG_LENGTH = 40

EXPIRING_WINDOW = timedelta(hours=48)

# Edit sync leaves one such note on a pending draft whose post changed on Instagram.
SYNC_NOTE_PREFIX = "Instagram edit"

REJECTION_REASONS = {
    "not_a_product": "Not a product",
    "duplicate": "Duplicate",
    "other": "Other",
}


# --- merging ---------------------------------------------------------------------------------


def effective_values(extracted: dict[str, Any] | None, edits: dict[str, Any] | None) -> dict[str, Any]:
    """What the draft says now: a person's edit where there is one, else the AI's value.

    The AI's own `extracted_data` is never overwritten, so it stays available for
    accuracy figures and as the base of later comparisons.
    """
    extracted, edits = extracted or {}, edits or {}
    values = {field: extracted.get(field) for field in EDITABLE_FIELDS}
    values.update({field: edits[field] for field in EDITABLE_FIELDS if field in edits})
    values["tags"] = list(values.get("tags") or [])
    values["variants"] = list(values.get("variants") or [])
    return values


def edits_after_change(
    extracted: dict[str, Any] | None, edits: dict[str, Any] | None, cleaned: dict[str, Any]
) -> dict[str, Any]:
    """The new `seller_edits`: earlier edits plus these, minus any that equal the AI's value.

    Keeping only real differences lets analytics count "approved without edits" honestly.
    """
    extracted = extracted or {}
    merged = {**(edits or {}), **cleaned}
    return {
        field: value
        for field, value in merged.items()
        if field in EDITABLE_FIELDS and not _same_value(field, value, extracted.get(field))
    }


def _same_value(field: str, edited: Any, original: Any) -> bool:
    if field in ("price", "compare_at_price"):
        return _as_decimal(edited) == _as_decimal(original)
    if field in ("description",):
        return (edited or "") == (original or "")
    if field in ("tags", "variants"):
        return list(edited or []) == list(original or [])
    return edited == original


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


# --- the note edit sync leaves ------------------------------------------------------------------


def sync_note(when: datetime, summary: str) -> str:
    """"Instagram edit 2025-05-01 09:30 UTC: price: KES 2,500 → KES 2,000"."""
    return f"{SYNC_NOTE_PREFIX} {when:%Y-%m-%d %H:%M} UTC: {summary}"


def is_sync_note(note: Any) -> bool:
    return str(note).startswith(SYNC_NOTE_PREFIX)


def sync_note_summary(note: str) -> str:
    """What changed, without the prefix and the time (for a card's one line)."""
    return note.partition(" UTC: ")[2] or note


# --- validating a person's changes --------------------------------------------------------------


def clean_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Validated, normalised changes, or ValidationFailed naming every bad field.

    Prices come back as strings with two decimals (JSON keeps them exact); currency upper-case.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(f"These fields cannot be edited: {', '.join(unknown)}.")
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, value in changes.items():
        try:
            cleaned[field] = _CLEANERS[field](value)
        except ValueError as problem:
            errors[field] = str(problem)
    if not errors and "price" in cleaned and "compare_at_price" in cleaned:
        _check_compare_at(cleaned, errors)
    if errors:
        raise ValidationFailed("Some fields need fixing.", errors)
    return cleaned


def _check_compare_at(values: dict[str, Any], errors: dict[str, str], field: str = "compare_at_price") -> None:
    price, compare_at = _as_decimal(values.get("price")), _as_decimal(values.get("compare_at_price"))
    if price is not None and compare_at is not None and compare_at <= price:
        errors[field] = ("The 'was' price must be higher than the price." if field == "compare_at_price"
                         else f"The price must be lower than the 'was' price ({compare_at:,}).")


def clean_draft_changes(
    extracted: dict[str, Any] | None, edits: dict[str, Any] | None, changes: dict[str, Any]
) -> dict[str, Any]:
    """`clean_changes`, plus the price pair checked as the draft will read after the change.

    A person often changes only one of the two prices; checked alone it would pass and the
    draft would fail later, at approval. So the other comes from the draft's effective values
    (the AI's, overlaid with earlier edits). The error goes on the field being changed.
    """
    cleaned = clean_changes(changes)
    if "price" in cleaned or "compare_at_price" in cleaned:
        errors: dict[str, str] = {}
        after = effective_values(extracted, {**(edits or {}), **cleaned})
        _check_compare_at(after, errors, "compare_at_price" if "compare_at_price" in cleaned else "price")
        if errors:
            raise ValidationFailed("Some fields need fixing.", errors)
    return cleaned


def clean_name(value: Any) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise ValueError("A name is required.")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"Keep the name to {MAX_NAME_LENGTH} characters (it has {len(name)}).")
    return name


def clean_description(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > MAX_DESCRIPTION_LENGTH:
        raise ValueError(f"Keep the description to {MAX_DESCRIPTION_LENGTH} characters.")
    return text


def clean_price(value: Any) -> str:
    """A positive, sane amount as a two-decimal string; accepts 2500, "2,500" or "Ksh 2,500"."""
    amount = parse_amount(value)
    if amount is None:
        raise ValueError("Enter a price, e.g. 2500.")
    if amount <= 0:
        raise ValueError("The price must be more than 0.")
    if amount > MAX_PRICE:
        raise ValueError(f"The price looks too high (over {MAX_PRICE:,}); check for extra digits.")
    return str(amount)


def clean_optional_price(value: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    return clean_price(value)


def parse_amount(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        amount = Decimal(str(value))
    else:
        parsed = Price.fromstring(str(value)).amount
        if parsed is None:
            return None
        # price-parser drops a leading minus; keep it so "-3" is refused, not read as 3.
        amount = -Decimal(parsed) if str(value).strip().startswith("-") else Decimal(parsed)
    if not amount.is_finite():
        return None
    return amount.quantize(Decimal("0.01"))


def clean_currency(value: Any) -> str:
    code = str(value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError("Use a 3-letter ISO currency code, e.g. KES or USD.")
    return code


def clean_category(value: Any) -> str:
    if value not in CATEGORIES:
        raise ValueError(f"Choose one of: {', '.join(CATEGORIES)}.")
    return value


def clean_tags(value: Any) -> list[str]:
    """Lower-case, no '#', single spaces, no duplicates, at most MAX_TAGS.

    Accepts a list or a comma/space-separated string ("#denim, jacket").
    """
    raw = value.replace("#", ",#").split(",") if isinstance(value, str) else list(value or [])
    tags: list[str] = []
    for item in raw:
        tag = " ".join(str(item).replace("#", " ").split()).lower()
        if tag and tag not in tags:
            if len(tag) > MAX_TAG_LENGTH:
                raise ValueError(f"Keep each tag to {MAX_TAG_LENGTH} characters.")
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValueError(f"Use at most {MAX_TAGS} tags.")
    return tags


def clean_variants(value: Any) -> list[dict[str, str]]:
    variants: list[dict[str, str]] = []
    for item in value or []:
        if not isinstance(item, dict):
            raise ValueError("Each variant needs an option and a value, e.g. size = M.")
        option = " ".join(str(item.get("option", "")).split()).lower()
        choice = " ".join(str(item.get("value", "")).split())
        if not option or not choice:
            raise ValueError("Each variant needs an option and a value, e.g. size = M.")
        if {"option": option, "value": choice} not in variants:
            variants.append({"option": option, "value": choice})
    return variants


_CLEANERS = {
    "name": clean_name,
    "description": clean_description,
    "price": clean_price,
    "compare_at_price": clean_optional_price,
    "currency": clean_currency,
    "category": clean_category,
    "tags": clean_tags,
    "variants": clean_variants,
}


# --- approving -----------------------------------------------------------------------------------


def approvable_values(values: dict[str, Any], default_currency: str) -> dict[str, Any]:
    """The product's fields from a draft's effective values, or ValidationFailed.

    The AI may have left the price or name empty, or written something odd; approval
    runs the same checks as an edit so nothing invalid reaches the catalog.
    """
    errors: dict[str, str] = {}
    product: dict[str, Any] = {}
    for field, cleaner, fallback in (
        ("name", clean_name, None),
        ("price", clean_price, None),
        ("compare_at_price", clean_optional_price, None),
        ("currency", clean_currency, default_currency),
        ("category", _clean_optional_category, None),
        ("description", clean_description, ""),
        ("tags", clean_tags, []),
        ("variants", clean_variants, []),
    ):
        value = values.get(field)
        try:
            product[field] = cleaner(fallback if value in (None, "") else value)
        except ValueError as problem:
            errors[field] = str(problem)
    if not errors:
        _check_compare_at(product, errors)
    if errors:
        raise ValidationFailed("Edit the draft before approving: " + _summary(errors), errors)
    return product


def _clean_optional_category(value: Any) -> str | None:
    return None if value in (None, "") else clean_category(value)


def _summary(errors: dict[str, str]) -> str:
    return "; ".join(f"{field.replace('_', ' ')}: {problem}" for field, problem in errors.items())


def product_slug_base(name: str) -> str:
    return slugify(name, max_length=200, word_boundary=True) or "product"


def next_free_slug(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever the store does not use yet."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def clean_rejection(reason: str, note: str | None) -> tuple[str, str | None]:
    if reason not in REJECTION_REASONS:
        raise ValidationFailed(
            f"Choose a reason: {', '.join(REJECTION_REASONS.values())}.", {"reason": "unknown reason"}
        )
    note = (note or "").strip() or None
    if reason == "other" and not note:
        raise ValidationFailed("Say why you are rejecting it.", {"note": "required for 'Other'"})
    if note and len(note) > 1000:
        raise ValidationFailed("Keep the note to 1000 characters.", {"note": "too long"})
    return reason, note


# --- what the grid shows --------------------------------------------------------------------------


def confidence_band(confidence: float | None) -> str:
    """high (≥ 0.8), medium, low (< 0.5), or unknown; the grid colours the badge by band."""
    if confidence is None:
        return "unknown"
    if confidence >= HIGH_CONFIDENCE:
        return "high"
    if confidence < REVIEW_THRESHOLD:
        return "low"
    return "medium"


def expires_in_text(expires_at: datetime | None, now: datetime) -> str:
    if expires_at is None:
        return ""
    left = expires_at - now
    if left <= timedelta(0):
        return "expired"
    if left < timedelta(hours=1):
        return f"expires in {max(1, int(left.total_seconds() // 60))} min"
    if left < timedelta(hours=48):
        return f"expires in {int(left.total_seconds() // 3600)} h"
    days = -(-left // timedelta(days=1))  # 6 days 23 h reads as "7 days"
    return f"expires in {days} days"


def format_price(price: Any, currency: str | None) -> str:
    amount = _as_decimal(price)
    if amount is None:
        return "no price"
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{currency or ''} {text}".strip()
