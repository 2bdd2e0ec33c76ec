"""The access-scoping primitive: which stores an actor may touch."""

import pytest

from core.errors import PermissionDenied
from core.security import Actor, allowed_store_ids, can_access_store, require_ops

OPS = Actor(user_id="usr_ops", email="ops@x", role="ops")
SELLER_A = Actor(user_id="usr_a", email="a@x", role="seller", store_id="str_a")
SELLER_NO_STORE = Actor(user_id="usr_n", email="n@x", role="seller", store_id=None)


def test_ops_may_touch_every_store():
    assert allowed_store_ids(OPS) is None
    assert can_access_store(OPS, "str_anything")


def test_seller_may_touch_only_their_store():
    assert allowed_store_ids(SELLER_A) == {"str_a"}
    assert can_access_store(SELLER_A, "str_a")
    assert not can_access_store(SELLER_A, "str_b")


def test_seller_without_store_touches_nothing():
    assert allowed_store_ids(SELLER_NO_STORE) == set()
    assert not can_access_store(SELLER_NO_STORE, None)


def test_require_ops_refuses_sellers():
    require_ops(OPS)
    with pytest.raises(PermissionDenied):
        require_ops(SELLER_A)
