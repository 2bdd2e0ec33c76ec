"""Sellers and their stores (minimal stand-ins for Vendly's own)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from slugify import slugify

from core.errors import ValidationFailed
from core.ids import new_id
from core.models import SellerProfile, Store
from core.security import Actor, require_ops, require_store, scope_to_actor

CURRENCIES = ("KES", "UGX", "TZS", "RWF", "USD")


def create_seller_store(
    session: Session, actor: Actor, business_name: str, default_currency: str = "KES"
) -> Store:
    """A seller profile and its store. Ops only."""
    require_ops(actor)
    business_name = business_name.strip()
    if not business_name or len(business_name) > 200:
        raise ValidationFailed("Enter a business name of 1 to 200 characters.", {"name": "required"})
    if default_currency not in CURRENCIES:
        raise ValidationFailed(f"Currency must be one of {', '.join(CURRENCIES)}.")
    seller = SellerProfile(id=new_id("sel"), business_name=business_name)
    store = Store(
        id=new_id("str"),
        seller_id=seller.id,
        name=business_name,
        slug=_unique_store_slug(session, business_name),
        default_currency=default_currency,
        social_source={},
        settings={},
    )
    session.add_all([seller, store])
    session.flush()
    return store


def _unique_store_slug(session: Session, name: str) -> str:
    base = slugify(name, max_length=180) or "store"
    slug, n = base, 1
    while session.scalar(select(Store.id).where(Store.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def list_stores(session: Session, actor: Actor) -> list[Store]:
    """Every store for ops; a seller's own store for a seller."""
    stmt = scope_to_actor(select(Store).order_by(Store.name), Store.id, actor)
    return list(session.scalars(stmt))


def get_store(session: Session, actor: Actor, store_id: str) -> Store:
    return require_store(session, actor, store_id)


def update_store_settings(session: Session, actor: Actor, store_id: str, changes: dict) -> Store:
    store = require_store(session, actor, store_id)
    store.settings = {**(store.settings or {}), **changes}
    session.flush()
    return store
