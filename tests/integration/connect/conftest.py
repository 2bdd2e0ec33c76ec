"""Connect test helpers: deps pointed at a sandbox (or nowhere), stores with sellers, a log canary."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from core.clock import FrozenClock
from core.config import Settings
from core.services.connecting.connect import ConnectDeps
from core.services.connecting.meta_login import MetaLogin
from core.token_vault import TokenVault
from tests.factories import make_ops, make_seller, make_store

TEST_KEY = Fernet.generate_key().decode()
CALLBACK = "http://127.0.0.1:9/oauth/callback"


def deps_for(sandbox_url: str = "http://127.0.0.1:9", clock: FrozenClock | None = None, **overrides) -> ConnectDeps:
    """Settings pointing every Meta host at `sandbox_url`; the callback is never followed."""
    values = dict(
        meta_graph_url=sandbox_url, meta_dialog_url=sandbox_url, instagram_graph_url=sandbox_url,
        instagram_api_url=sandbox_url, instagram_dialog_url=sandbox_url,
        meta_redirect_uri=CALLBACK, instagram_redirect_uri=CALLBACK, token_encryption_keys=TEST_KEY,
    )
    settings = Settings(**{**values, **overrides})
    return ConnectDeps(MetaLogin(settings), TokenVault(settings.token_encryption_keys), clock or FrozenClock())


@pytest.fixture
def shop(session):
    """Two stores, a seller for each, and an ops user."""
    store_a, store_b = make_store(session, "Shop A"), make_store(session, "Shop B")
    return {
        "a": store_a, "b": store_b,
        "seller_a": make_seller(session, store_a, "a@shop.test"),
        "seller_b": make_seller(session, store_b, "b@shop.test"),
        "ops": make_ops(session),
    }
