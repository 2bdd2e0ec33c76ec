"""The Connect page (AppTest): not connected, a failed callback, and a seller scoped to their store."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import get_engine
from tests.factories import make_seller, make_store

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app_db(database_url, engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    from core.config import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    get_settings.cache_clear()
    get_engine.cache_clear()


def _login(email: str, password: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    at.run()
    return at


def _link_labels(at: AppTest) -> list[str]:
    return [element.proto.label for element in at.get("link_button")]


def test_not_connected_shows_benefits_and_a_link_to_the_dialog(app_db, session):
    store = make_store(session, "Seller A")
    make_seller(session, store, "a@shop.test", "seller-pass-1")
    at = _login("a@shop.test", "seller-pass-1")
    assert not at.exception
    assert at.title[0].value == "Connect Instagram"
    labels = _link_labels(at)
    assert labels[0] == "Connect Instagram account"
    urls = [element.proto.url for element in at.get("link_button")]
    assert "/dialog/oauth?" in urls[0] and "state=" in urls[0]
    assert any("/oauth/authorize?" in url for url in urls)
    at.run()  # a rerun reuses the link instead of issuing a new state
    assert [element.proto.url for element in at.get("link_button")] == urls


def test_a_failed_callback_shows_the_readable_message_not_url_text(app_db, session):
    store = make_store(session, "Seller A")
    make_seller(session, store, "a@shop.test", "seller-pass-1")
    at = _login("a@shop.test", "seller-pass-1", connect_error="cancelled")
    assert not at.exception
    assert "You cancelled the Instagram dialog" in at.error[0].value
    forged = _login("a@shop.test", "seller-pass-1", connect_error="**click here** http://evil")
    assert "evil" not in forged.error[0].value
