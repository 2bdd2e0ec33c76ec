"""Scoping against real rows: a seller reaches only their own store, whatever id they pass."""

import pytest

from core.errors import NotFound, PermissionDenied
from core.services.people.stores import get_store, list_stores, update_store_settings
from tests.factories import make_ops, make_seller, make_store


def test_seller_lists_and_gets_only_their_store(session):
    mine, theirs = make_store(session, "Mine"), make_store(session, "Theirs")
    seller = make_seller(session, mine)
    assert [s.id for s in list_stores(session, seller)] == [mine.id]
    assert get_store(session, seller, mine.id).id == mine.id
    with pytest.raises(PermissionDenied):
        get_store(session, seller, theirs.id)
    with pytest.raises(PermissionDenied):
        update_store_settings(session, seller, theirs.id, {"auto_approve": True})
    # A made-up id gets the same refusal, so ids cannot be probed.
    with pytest.raises(PermissionDenied):
        get_store(session, seller, "str_does_not_exist")


def test_ops_sees_all_stores(session):
    make_store(session, "A"), make_store(session, "B")
    ops = make_ops(session)
    assert len(list_stores(session, ops)) == 2
    with pytest.raises(NotFound):
        get_store(session, ops, "str_does_not_exist")
