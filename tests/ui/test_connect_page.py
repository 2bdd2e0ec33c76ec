"""The Connect page (AppTest): not connected, a failed callback, and a seller scoped to their store."""


from streamlit.testing.v1 import AppTest

from tests.factories import make_seller, make_store
from tests.fixtures.app_test import logged_in_app





def _link_labels(at: AppTest) -> list[str]:
    return [element.proto.label for element in at.get("link_button")]


def test_not_connected_shows_benefits_and_a_link_to_the_dialog(app_db, session):
    store = make_store(session, "Seller A")
    make_seller(session, store, "a@shop.test", "seller-pass-1")
    at = logged_in_app("a@shop.test", "seller-pass-1")
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
    at = logged_in_app("a@shop.test", "seller-pass-1", connect_error="cancelled")
    assert not at.exception
    assert "You cancelled the Instagram dialog" in at.error[0].value
    forged = logged_in_app("a@shop.test", "seller-pass-1", connect_error="**click here** http://evil")
    assert "evil" not in forged.error[0].value
