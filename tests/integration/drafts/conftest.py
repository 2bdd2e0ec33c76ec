"""Shared builders for the draft tests: two stores, a seller in each, and ops."""

from dataclasses import dataclass

import pytest

from core.security import Actor
from tests.factories import make_ops, make_seller, make_store


@dataclass
class Shop:
    store: object
    seller: Actor


@pytest.fixture
def shop(session) -> Shop:
    store = make_store(session, "Mama Mboga Fashions")
    return Shop(store, make_seller(session, store))


@pytest.fixture
def other_shop(session) -> Shop:
    store = make_store(session, "Kariakoo Gadgets", "TZS")
    return Shop(store, make_seller(session, store))


@pytest.fixture
def ops(session) -> Actor:
    return make_ops(session)
