"""Pure rules of edit sync: a post's fingerprint, the field-level difference of two
extractions, and the three-way comparison base / Instagram / Vendly.

No database here. Values compared are "listing values": the product fields a post
can change (`SYNC_FIELDS`), normalised so that 2500, 2500.0 and "2500.00" are one price,
a missing description equals an empty one, and images compare by their media-store key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import ValidationFailed
from core.services.review.draft_rules import (
    clean_category,
    clean_currency,
    clean_description,
    clean_name,
    clean_optional_price,
    clean_price,
    clean_tags,
    clean_variants,
    format_price,
)

# The product fields an Instagram post drives, in the order the Sync page shows them.
SYNC_FIELDS = (
    "name", "description", "price", "compare_at_price", "currency", "category", "tags", "variants", "images",
)
FIELD_LABELS = {
    "name": "Name", "description": "Description", "price": "Price", "compare_at_price": "Was price",
    "currency": "Currency", "category": "Category", "tags": "Tags", "variants": "Variants", "images": "Images",
    "caption": "Caption",
}
# What a person may pick per conflicting field.
CHOICES = ("vendly", "instagram", "edit")


# --- fingerprint --------------------------------------------------------------------------------


def post_fingerprint(media_type: str, caption: str | None, child_ids: tuple[str, ...] | list[str] = ()) -> str:
    """What a post said when we read it (media type, caption, carousel slide ids), hashed.

    The importer stores the same hash in `product_draft.source_fingerprint`; a post whose
    fingerprint is unchanged is not re-extracted, which keeps polling cheap.
    """
    basis = "\x1f".join([media_type, caption or "", *child_ids])
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def media_changed(known_fingerprint: str | None, old_caption: str | None, media_type: str,
                  child_ids: tuple[str, ...]) -> bool:
    """Did the post's media (type or slides) change, as opposed to only its caption?

    The fingerprint is a hash, so we cannot read the old slide ids back; instead we hash the
    new media with the old caption: equal to the known fingerprint means the media is the same.
    """
    if known_fingerprint is None:
        return False
    return post_fingerprint(media_type, old_caption, child_ids) != known_fingerprint


# --- normalising ----------------------------------------------------------------------------------


def normalise(field_name: str, value: Any) -> Any:
    """One field's value in the form used for comparing and storing (JSON-friendly)."""
    if field_name in ("price", "compare_at_price"):
        return _money(value)
    if field_name == "name":
        return " ".join(str(value or "").split())
    if field_name == "description":
        return str(value or "").strip()
    if field_name == "currency":
        return str(value).strip().upper() if value else None
    if field_name == "category":
        return value or None
    if field_name == "tags":
        return [str(tag).strip().lower() for tag in (value or []) if str(tag).strip()]
    if field_name == "variants":
        return [
            {"option": str(v.get("option", "")).strip().lower(), "value": str(v.get("value", "")).strip()}
            for v in (value or []) if isinstance(v, dict)
        ]
    if field_name == "images":
        return image_keys(value)
    return value


def _money(value: Any) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return str(amount.quantize(Decimal("0.01"))) if amount.is_finite() else None


def image_keys(images: Any) -> list[str]:
    """Media-store keys of a list of image dicts (or keys); images compare by key."""
    keys = []
    for image in images or []:
        key = image.get("key") if isinstance(image, dict) else image
        if key:
            keys.append(str(key))
    return keys


def listing_values(values: dict[str, Any] | None, fields: tuple[str, ...] = SYNC_FIELDS) -> dict[str, Any]:
    """`values` reduced to the sync fields, normalised; absent fields read as empty."""
    values = values or {}
    return {name: normalise(name, values.get(name)) for name in fields}


def same(field_name: str, left: Any, right: Any) -> bool:
    return normalise(field_name, left) == normalise(field_name, right)


# --- differences ----------------------------------------------------------------------------------


def field_diff(before: dict[str, Any] | None, after: dict[str, Any] | None,
               fields: tuple[str, ...] = SYNC_FIELDS) -> dict[str, dict[str, Any]]:
    """`{field: {"from": old, "to": new}}` for each field whose normalised value differs."""
    old, new = listing_values(before, fields), listing_values(after, fields)
    return {name: {"from": old[name], "to": new[name]} for name in fields if old[name] != new[name]}


def instagram_side(base: dict[str, Any], ai_changes: dict[str, dict[str, Any]], default_currency: str,
                   new_images: list[str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """What Instagram says now, as product values: the base with the fields the post changed.

    Only fields the AI read differently from the previous caption count as changed, so an
    edit a person made during review (already in the base) is not mistaken for a change on
    Instagram. A new value a product cannot hold (no price, say) is returned under `invalid`
    with the reason: it must go to a person, never be applied blindly.
    """
    side = dict(base)
    invalid: dict[str, str] = {}
    for name, change in ai_changes.items():
        if name == "images":
            continue
        try:
            side[name] = normalise(name, clean_product_value(name, change["to"], default_currency))
        except ValueError as problem:
            side[name] = change["to"]
            invalid[name] = str(problem)
    if new_images is not None:
        side["images"] = list(new_images)
    return side, invalid


def clean_product_value(name: str, value: Any, default_currency: str) -> Any:
    """A value from the AI checked as approval checks it (ValueError when a product cannot hold it)."""
    if name == "name":
        return clean_name(value)
    if name == "price":
        return clean_price(value)
    if name == "compare_at_price":
        return clean_optional_price(value)
    if name == "currency":
        return clean_currency(value or default_currency)
    if name == "category":
        return None if value in (None, "") else clean_category(value)
    if name == "description":
        return clean_description(value)
    if name == "tags":
        return clean_tags(value)
    if name == "variants":
        return clean_variants(value)
    if name == "images":
        return image_keys(value)
    raise ValueError(f"unknown field {name!r}")


# --- three-way comparison -------------------------------------------------------------------------


@dataclass
class ThreeWay:
    """Per field: what Instagram changed since the base, and whether Vendly changed it too.

    - `take_instagram`: Instagram changed it, Vendly still holds the base: safe to apply.
    - `agreed`: both sides changed it to the same value: nothing to do.
    - `clashes`: both changed it, differently: only a person can choose.
    """

    base: dict[str, Any]
    instagram: dict[str, Any]
    vendly: dict[str, Any]
    take_instagram: list[str] = field(default_factory=list)
    agreed: list[str] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)

    @property
    def instagram_changed(self) -> list[str]:
        return [name for name in SYNC_FIELDS if name in set(self.take_instagram + self.agreed + self.clashes)]

    @property
    def open_fields(self) -> list[str]:
        """Fields that still need applying or choosing (agreed ones need neither)."""
        return [name for name in SYNC_FIELDS if name in set(self.take_instagram + self.clashes)]

    def conflict_fields(self, invalid: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
        """Both sides and their base for every open field, with the choice we suggest."""
        invalid = invalid or {}
        entries = {}
        for name in self.open_fields:
            vendly_changed = name in self.clashes
            entries[name] = {
                "base": self.base.get(name), "instagram": self.instagram.get(name), "vendly": self.vendly.get(name),
                "vendly_changed": vendly_changed, "instagram_invalid": invalid.get(name),
                "suggested": "vendly" if vendly_changed or name in invalid else "instagram",
            }
        return entries


def three_way(base: dict[str, Any], instagram: dict[str, Any], vendly: dict[str, Any],
              fields: tuple[str, ...] = SYNC_FIELDS) -> ThreeWay:
    """Compare both sides to the values they both came from (not to each other)."""
    base_v, ig_v, vendly_v = (listing_values(v, fields) for v in (base, instagram, vendly))
    result = ThreeWay(base_v, ig_v, vendly_v)
    for name in fields:
        if ig_v[name] == base_v[name]:
            continue
        if vendly_v[name] == ig_v[name]:
            result.agreed.append(name)
        elif vendly_v[name] == base_v[name]:
            result.take_instagram.append(name)
        else:
            result.clashes.append(name)
    return result


def vendly_untouched(vendly_edited_at: datetime | None, base_taken_at: datetime | None) -> bool:
    """No person changed the product in Vendly since the base was taken."""
    if vendly_edited_at is None:
        return True
    return base_taken_at is not None and vendly_edited_at <= base_taken_at


# --- resolving --------------------------------------------------------------------------------------


def chosen_values(fields: dict[str, dict[str, Any]], choices: dict[str, Any],
                  current_vendly: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """`{field: (choice, value)}` for a conflict's fields, from a person's choices.

    A choice is "vendly" (keep the product's current value), "instagram" (take the post's)
    or `{"edit": value}` / `("edit", value)` (a value typed by the person). Every field of
    the conflict needs a choice; an unknown field or choice is refused, naming it.
    """
    errors: dict[str, str] = {}
    unknown = sorted(set(choices) - set(fields))
    for name in unknown:
        errors[name] = "This field is not part of the conflict."
    picked: dict[str, tuple[str, Any]] = {}
    for name, entry in fields.items():
        choice = choices.get(name)
        kind, value = _choice_parts(choice)
        if kind is None:
            errors[name] = "Choose Keep Vendly, Take Instagram or Edit."
        elif kind == "vendly":
            picked[name] = ("vendly", current_vendly.get(name))
        elif kind == "instagram":
            if entry.get("instagram_invalid"):
                errors[name] = f"Instagram's value cannot be used: {entry['instagram_invalid']}"
            else:
                picked[name] = ("instagram", entry.get("instagram"))
        else:
            picked[name] = ("edit", value)
    if errors:
        raise ValidationFailed("Some fields need a valid choice: " + "; ".join(f"{k}: {v}" for k, v in errors.items()), errors)
    return picked


def _choice_parts(choice: Any) -> tuple[str | None, Any]:
    if choice in ("vendly", "instagram"):
        return choice, None
    if isinstance(choice, dict) and set(choice) == {"edit"}:
        return "edit", choice["edit"]
    if isinstance(choice, (tuple, list)) and len(choice) == 2 and choice[0] == "edit":
        return "edit", choice[1]
    return None, None


# --- wording ------------------------------------------------------------------------------------------


def describe_value(field_name: str, value: Any, currency: str | None = None) -> str:
    """A short human reading of a value for notes and the Sync page."""
    if field_name in ("price", "compare_at_price"):
        return format_price(value, currency) if value not in (None, "") else "none"
    if field_name in ("tags",):
        return ", ".join(value or []) or "none"
    if field_name == "variants":
        return ", ".join(f"{v.get('option')}={v.get('value')}" for v in value or []) or "none"
    if field_name == "images":
        return f"{len(value or [])} image(s)"
    if value in (None, ""):
        return "none"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_changes(changes: dict[str, dict[str, Any]], currency: str | None = None) -> str:
    """"price: KES 2,500 → KES 2,000; name: ..." (the caption itself is left out: too long)."""
    parts = [
        f"{FIELD_LABELS.get(name, name).lower()}: {describe_value(name, change.get('from'), currency)}"
        f" → {describe_value(name, change.get('to'), currency)}"
        for name, change in changes.items() if name != "caption"
    ]
    return "; ".join(parts) or "caption edited, no product field changed"


def parse_edit_text(field_name: str, text: str) -> Any:
    """A value typed on the Sync page, in the shape the product's cleaners accept.

    Tags are comma-separated ("denim, jacket"); variants are "option=value" pairs
    ("size=M, color=red"); everything else is passed through as typed.
    """
    if field_name == "variants":
        pairs = [part.strip() for part in str(text or "").split(",") if part.strip()]
        variants = []
        for pair in pairs:
            option, _, value = pair.partition("=")
            variants.append({"option": option.strip(), "value": value.strip()})
        return variants
    if field_name == "tags":
        return [part.strip() for part in str(text or "").split(",") if part.strip()]
    return text


def edit_text(field_name: str, value: Any) -> str:
    """The opposite of `parse_edit_text`: a value shown in the Edit box."""
    if field_name == "variants":
        return ", ".join(f"{v.get('option')}={v.get('value')}" for v in value or [])
    if field_name == "tags":
        return ", ".join(value or [])
    return "" if value is None else str(value)
