"""The Connect page (AppTest): not connected, a failed callback, a seller scoped to their store, and,
against a live sandbox, the connected view, "Check connection", "Disconnect" with its confirmation,
a broken connection's "Reconnect", and the Page picker."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.clock import SystemClock, utcnow
from core.models import InstagramConnection, OAuthState, ProductDraft
from core.services.connecting.connect import finish_connect, start_connect, validate_connection
from core.services.connecting.connect_rules import hash_state
from core.services.review.approval import approve_draft
from tests.factories import connect_store, make_draft, make_seller, make_store
from tests.fixtures.app_test import logged_in_app
from tests.integration.connect.conftest import deps_for

SELLER = ("a@shop.test", "seller-pass-1")


def _link_labels(at: AppTest) -> list[str]:
    return [element.proto.label for element in at.get("link_button")]


def _link_urls(at: AppTest) -> list[str]:
    return [element.proto.url for element in at.get("link_button")]


def _flow_of(session, link: str) -> str:
    """The login flow of the state behind a Connect link (the sidecar's /oauth/start)."""
    assert urlsplit(link).path == "/oauth/start"
    state = parse_qs(urlsplit(link).query)["state"][0]
    session.expire_all()
    return session.scalar(select(OAuthState.login_flow).where(OAuthState.state_hash == hash_state(state)))


def _button(at: AppTest, label: str):
    return next(button for button in at.button if button.label == label)


def _button_labels(at: AppTest) -> list[str]:
    return [button.label for button in at.button]


def _badges(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


def _metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def _seller_store(session):
    store = make_store(session, "Seller A")
    return store, make_seller(session, store, *SELLER)


def _connected(session, sandbox, login: str = "facebook"):
    """A seller's store connected to the sandbox's first `login` account over the real OAuth flow."""
    store, seller = _seller_store(session)
    deps = deps_for(sandbox.url, clock=SystemClock())
    account = sandbox.account(login)
    connection = connect_store(session, store, sandbox, account, seller, deps)
    return store, seller, account, connection, deps


def _connection(session, store) -> InstagramConnection:
    session.expire_all()
    return session.scalar(select(InstagramConnection).where(InstagramConnection.store_id == store.id))


def test_not_connected_shows_benefits_and_a_link_to_the_dialog(app_db, session):
    _seller_store(session)
    at = logged_in_app(*SELLER)
    assert not at.exception
    assert at.title[0].value == "Connect Instagram"
    labels = _link_labels(at)
    assert labels[0] == "Connect Instagram account"
    urls = _link_urls(at)
    assert [_flow_of(session, url) for url in urls] == ["facebook", "instagram"]
    assert all("key=" in url for url in urls)  # bound to this browser by the sidecar's /oauth/start
    at.run()  # a rerun reuses the link instead of issuing a new state
    assert _link_urls(at) == urls


def test_a_failed_callback_shows_the_readable_message_not_url_text(app_db, session):
    _seller_store(session)
    at = logged_in_app(*SELLER, connect_error="cancelled")
    assert not at.exception
    assert "You cancelled the Instagram dialog" in at.error[0].value
    forged = logged_in_app(*SELLER, connect_error="**click here** http://evil")
    assert "evil" not in forged.error[0].value


def test_the_connected_view_shows_the_account_its_health_and_the_actions(app_sandbox, session):
    store, seller, account, connection, _ = _connected(session, app_sandbox)
    connection.last_synced_at = utcnow() - timedelta(hours=3)
    session.commit()
    approve_draft(session, seller, make_draft(session, store).id)
    at = logged_in_app(*SELLER)
    assert not at.exception
    assert at.subheader[0].value == f"@{account['username']}"
    assert _badges(at) == [":green-badge[Connected]"]
    assert any(caption.value == "via Facebook Login" for caption in at.caption)
    assert _metrics(at) == {
        "Last synced": "3 h ago", "Products imported": "1", "Token expires": "in 59 days", "Webhooks": "subscribed",
    }
    assert {"Check connection", "Disconnect"} <= set(_button_labels(at))
    assert [link.proto.label for link in at.get("page_link")] == ["Scan for new products"]
    assert not at.warning and not _link_labels(at)  # nothing to explain, nothing to reconnect


def test_check_connection_reads_the_status_from_the_sandbox(app_sandbox, session):
    store, _, _, connection, deps = _connected(session, app_sandbox)
    checked_before = connection.last_validated_at
    at = logged_in_app(*SELLER)
    _button(at, "Check connection").click().run()
    assert not at.exception
    assert _badges(at) == [":green-badge[Connected]"]
    assert _connection(session, store).last_validated_at > checked_before

    token = deps.vault.decrypt(connection.id, connection.access_token_encrypted).reveal()
    app_sandbox.invalidate_token(token)  # the seller removed the app on Instagram
    _button(at, "Check connection").click().run()
    assert not at.exception
    assert _badges(at) == [":gray-badge[Disconnected]"]
    assert "no longer accepts the token" in at.warning[0].value
    assert _link_labels(at)[0] == "Reconnect"
    assert "Check connection" not in _button_labels(at)
    assert _connection(session, store).status == "revoked"


def test_disconnect_asks_first_then_revokes_and_keeps_the_drafts(app_sandbox, session):
    store, _, _, _, _ = _connected(session, app_sandbox)
    draft_id = make_draft(session, store).id
    at = logged_in_app(*SELLER, connected="1")  # just back from the callback
    assert "is connected" in at.success[0].value
    _button(at, "Disconnect").click().run()
    assert not at.success, "the callback's banner is shown once, not above what happens next"
    assert "Disconnect this Instagram account?" in at.warning[0].value
    assert _connection(session, store).status == "active"  # asking changed nothing
    _button(at, "Keep connected").click().run()
    assert not at.warning and "Yes, disconnect" not in _button_labels(at)

    _button(at, "Disconnect").click().run()
    _button(at, "Yes, disconnect").click().run()
    assert not at.exception
    row = _connection(session, store)
    assert (row.status, row.access_token_encrypted, row.webhook_subscribed) == ("revoked", None, False)
    assert session.get(ProductDraft, draft_id).status == "pending"
    assert _badges(at) == [":gray-badge[Disconnected]"]
    assert "Drafts and products are kept" in at.info[0].value
    assert _link_labels(at)[0] == "Reconnect"


def test_an_expired_connection_says_why_and_reconnects_through_its_own_login(app_sandbox, session):
    store, seller, account, _, deps = _connected(session, app_sandbox, login="instagram")
    app_sandbox.inject_fault("expired_token", ig_user_id=account["ig_user_id"])
    validate_connection(session, deps, seller, store.id)
    at = logged_in_app(*SELLER)
    assert not at.exception
    assert at.subheader[0].value == f"@{account['username']}"
    assert _badges(at) == [":orange-badge[Expired]"]
    assert at.warning[0].value == "The Instagram token expired. Reconnect the account."
    assert {"Check connection", "Disconnect"}.isdisjoint(_button_labels(at))
    assert _link_labels(at)[0] == "Reconnect"
    # An Instagram Login seller may have no Facebook Page: "Reconnect" is their own flow's dialog.
    assert _flow_of(session, _link_urls(at)[0]) == "instagram"
    assert _link_labels(at)[1] == "Reconnect with Facebook Login instead"


def test_several_pages_show_the_picker_and_connect_the_chosen_account(app_sandbox, session):
    sandbox = app_sandbox
    store, seller = _seller_store(session)
    deps = deps_for(sandbox.url, clock=SystemClock())
    owner = sandbox.account("facebook")  # the seeded Facebook user who manages two Pages
    dialog = start_connect(session, deps, seller, store.id, "facebook", bind_browser=False).dialog_url
    query = parse_qs(urlsplit(sandbox.click_dialog(dialog, login_as=owner["fb_user_id"])).query)
    outcome = finish_connect(session, deps, query["code"][0], query["state"][0])
    assert outcome.kind == "choose_page"
    pages = [a for a in sandbox.accounts() if a["fb_user_id"] == owner["fb_user_id"]]
    assert len(pages) == 2

    at = logged_in_app(*SELLER, choose_page="1")
    assert not at.exception
    assert at.subheader[0].value == "Which Instagram account?"
    assert sorted(at.radio(key="page_choice").options) == sorted(
        f"@{a['username']} (Page: {a['page_name']})" for a in pages)
    chosen = next(a for a in pages if a["ig_user_id"] != at.radio(key="page_choice").value)  # not the default
    at.radio(key="page_choice").set_value(chosen["ig_user_id"])
    _button(at, "Connect this account").click().run()
    assert not at.exception
    row = _connection(session, store)
    assert (row.ig_user_id, row.status, row.webhook_subscribed) == (chosen["ig_user_id"], "active", True)
    assert at.subheader[0].value == f"@{chosen['username']}"
    assert _badges(at) == [":green-badge[Connected]"]
