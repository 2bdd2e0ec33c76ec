"""Connect test helpers: deps pointed at a sandbox (or nowhere), stores with sellers, a log canary,
and the webhook sidecar's test client for /oauth/start and the OAuth callback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet

from core.clock import FrozenClock
from core.config import Settings
from core.services.connecting.connect import ConnectDeps
from core.services.connecting.meta_login import MetaLogin
from core.token_vault import TokenVault
from tests.factories import make_ops, make_seller, make_store
from webhook_server import create_app

TEST_KEY = Fernet.generate_key().decode()
CALLBACK = "http://127.0.0.1:9/oauth/callback"
APP_URL = "http://app.test"


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


@pytest.fixture
def sidecar_client(database_url, engine):
    """`make(deps)`: a Flask test client of the webhook sidecar whose callback uses `deps`."""
    apps = []

    def make(deps: ConnectDeps):
        apps.append(create_app({"DATABASE_URL": database_url, "CONNECT_DEPS": deps, "APP_BASE_URL": APP_URL}))
        return apps[-1].test_client()

    yield make
    for app in apps:
        app.extensions["catalog_sync"].engine.dispose()


def landing(response) -> dict:
    """The query of the Connect page the callback sent the browser to (a 303, kept out of caches)."""
    assert response.status_code == 303
    assert response.headers["Cache-Control"] == "no-store"
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{APP_URL}/"  # Connect is the default page
    return {key: values[0] for key, values in parse_qs(target.query).items()}


def sidecar_path(url: str) -> str:
    """The path and query of a sidecar URL (the start link, Meta's redirect), as the test client takes it."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def open_start_link(browser, start_url: str) -> str:
    """Open the Connect page's link in `browser` (a sidecar test client, which keeps its cookies)
    as a person's browser does: it keeps the browser-key cookie and is sent on to Meta's dialog."""
    response = browser.get(sidecar_path(start_url))
    assert response.status_code == 303, response.headers.get("Location")
    return response.headers["Location"]
