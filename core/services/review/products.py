"""A person's edits to an approved product in Vendly.

Every edit goes through `update_product`, which stamps `product.vendly_edited_at`:
edit sync reads that stamp to know a person has changed the product since its base,
so a later Instagram edit raises a conflict instead of overwriting their work.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.errors import ValidationFailed
from core.models import Product
from core.security import Actor
from core.services.review.approval import get_product
from core.services.edit_sync.change_log import record_change
from core.services.review.draft_rules import clean_changes
from core.services.edit_sync.sync_rules import describe_changes, field_diff, listing_values

MONEY_FIELDS = ("price", "compare_at_price")


def product_values(product: Product) -> dict[str, Any]:
    """The product's sync fields as listing values (prices as two-decimal text, image keys)."""
    return listing_values({
        "name": product.name, "description": product.description, "price": product.price,
        "compare_at_price": product.compare_at_price, "currency": product.currency,
        "category": product.category, "tags": product.tags, "variants": product.variants,
        "images": product.images,
    })


def update_product(
    session: Session, actor: Actor, product_id: str, changes: dict[str, Any], clock: Clock | None = None,
) -> Product:
    """Validate and apply a person's changes to a product in their store, and commit.

    The change is logged (side "vendly") and the product is marked as edited in Vendly.
    """
    product = get_product(session, actor, product_id)
    cleaned = clean_changes(changes)
    _check_prices(product, cleaned)
    before = product_values(product)
    write_fields(product, cleaned)
    diff = field_diff(before, product_values(product))
    if diff:
        now = (clock or SystemClock()).now()
        product.vendly_edited_at = now
        record_change(
            session, store_id=product.store_id, side="vendly", action="vendly_edit", changes=diff,
            summary=describe_changes(diff, product.currency), product_id=product.id,
            ig_media_id=product.source_external_id, actor=actor.user_id, clock=clock,
        )
    session.commit()
    return product


def _check_prices(product: Product, cleaned: dict[str, Any]) -> None:
    """The 'was' price must stay above the price, counting the value the edit leaves alone."""
    price = cleaned.get("price", product.price)
    compare_at = cleaned.get("compare_at_price", product.compare_at_price)
    if price is None:
        raise ValidationFailed("Some fields need fixing.", {"price": "A product needs a price."})
    if compare_at is not None and Decimal(str(compare_at)) <= Decimal(str(price)):
        raise ValidationFailed("Some fields need fixing.",
                               {"compare_at_price": "The 'was' price must be higher than the price."})


def write_fields(product: Product, values: dict[str, Any]) -> None:
    """Write cleaned sync-field values onto the product (images given as media-store keys)."""
    for name, value in values.items():
        if name in MONEY_FIELDS:
            setattr(product, name, Decimal(str(value)) if value not in (None, "") else None)
        elif name == "images":
            product.images = _images_for_keys(product.images, value)
        else:
            setattr(product, name, value)


def _images_for_keys(current: list[Any] | None, keys: list[Any]) -> list[dict[str, Any]]:
    """Image dicts for these keys, keeping what we know (thumb, size) of images already there."""
    known = {image.get("key"): image for image in current or [] if isinstance(image, dict)}
    result = []
    for key in keys or []:
        if isinstance(key, dict):
            result.append(key)
        else:
            result.append(known.get(key) or {"key": key})
    return result
