"""Small builders for test data, going through the real services."""

from __future__ import annotations

from core.security import SYSTEM, Actor
from core.services.stores import create_seller_store
from core.services.users import actor_for, create_user


def make_store(session, name: str = "Mama Mboga Fashions", currency: str = "KES"):
    store = create_seller_store(session, SYSTEM, name, currency)
    session.commit()
    return store


def make_seller(session, store, email: str | None = None, password: str = "seller-pass-1") -> Actor:
    user = create_user(session, email or f"seller@{store.slug}.test", password, "seller", store.id)
    session.commit()
    return actor_for(user)


def make_ops(session, email: str = "ops@vendly.test", password: str = "ops-pass-123") -> Actor:
    user = create_user(session, email, password, "ops")
    session.commit()
    return actor_for(user)
