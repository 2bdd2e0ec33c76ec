"""The whole connect flow against the sandbox over HTTP, on SQLite and PostgreSQL: both login flows,
Page choice, each bad input, Meta failing at each step, scoping, disconnect and reconnect."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from core.errors import NotFound, PermissionDenied
from core.models import InstagramConnection, InstagramSyncHistory, OAuthState, SellerProfile, Store
from core.services.connecting.connect import (
    ConnectFailed,
    choose_page,
    connection_status,
    disconnect,
    finish_connect,
    graph_client_for,
    pending_page_choice,
    start_connect,
    validate_connection,
)
from core.services.connecting.meta_login import MetaLogin
from tests.factories import connect_store
from tests.integration.connect.conftest import deps_for


def _login_as(account):
    return account["fb_user_id"] if account["login"] == "facebook" else account["ig_user_id"]


def _through_dialog(sandbox, deps, session, actor, store_id, account, button="Allow", pages="own"):
    dialog = start_connect(session, deps, actor, store_id, account["login"], bind_browser=False).dialog_url
    page_ids = [account["page_id"]] if pages == "own" and account["page_id"] else None
    back = sandbox.click_dialog(dialog, button=button, login_as=_login_as(account), page_ids=page_ids)
    return {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}


def _connections(session) -> int:
    return session.scalar(select(func.count(InstagramConnection.id)))


def _tokens_waiting(session) -> int:
    return session.scalar(select(func.count(OAuthState.id)).where(OAuthState.pending_token_encrypted.is_not(None)))


def _last_failure(session) -> dict:
    row = session.scalar(select(InstagramSyncHistory).where(InstagramSyncHistory.status == "failed")
                         .order_by(InstagramSyncHistory.created_at.desc()))
    return row.errors[0]


@pytest.mark.parametrize("login", ["facebook", "instagram"])
def test_connect_stores_an_encrypted_token_flags_and_subscribes(sandbox, session, shop, login):
    deps = deps_for(sandbox.url)
    account = sandbox.account(login)
    query = _through_dialog(sandbox, deps, session, shop["seller_a"], shop["a"].id, account)
    outcome = finish_connect(session, deps, query["code"], query["state"])
    assert (outcome.kind, outcome.ig_username, outcome.webhook_subscribed) == ("connected", account["username"], True)
    row = session.scalar(select(InstagramConnection))
    assert (row.ig_user_id, row.login_flow, row.status) == (account["ig_user_id"], login, "active")
    assert row.fb_page_id == account["page_id"]
    assert deps.vault.decrypt(row.id, row.access_token_encrypted).reveal().startswith(("EAA", "IG"))
    assert row.token_expires_at is not None and row.scopes
    session.expire_all()
    seller = session.get(SellerProfile, shop["a"].seller_id)
    assert seller.instagram_connected and seller.ig_business_account_id == account["ig_user_id"]
    assert session.get(Store, shop["a"].id).social_source["instagram"]["connection_id"] == row.id
    # The code is single use at Meta too: replaying the callback fails on our state first.
    with pytest.raises(ConnectFailed) as replay:
        finish_connect(session, deps, query["code"], query["state"])
    assert replay.value.code == "state_used"


def test_several_pages_ask_the_person_to_choose(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    owner = next(a for a in sandbox.accounts() if a["login"] == "facebook")
    query = _through_dialog(sandbox, deps, session, shop["seller_a"], shop["a"].id, owner, pages="all")
    outcome = finish_connect(session, deps, query["code"], query["state"])
    assert outcome.kind == "choose_page" and len(outcome.choices) == 2
    assert _connections(session) == 0
    assert pending_page_choice(session, deps, shop["seller_b"], shop["b"].id) == []
    with pytest.raises(PermissionDenied):
        pending_page_choice(session, deps, shop["seller_b"], shop["a"].id)
    with pytest.raises(ConnectFailed) as unknown:
        choose_page(session, deps, shop["seller_a"], shop["a"].id, "1784-not-offered")
    assert unknown.value.code == "choice_unknown"
    second = outcome.choices[1]
    done = choose_page(session, deps, shop["seller_a"], shop["a"].id, second["ig_user_id"])
    assert done.kind == "connected" and done.ig_username == second["username"]
    assert session.scalar(select(InstagramConnection.ig_user_id)) == second["ig_user_id"]
    assert pending_page_choice(session, deps, shop["seller_a"], shop["a"].id) == []


def test_cancel_on_the_dialog_stores_nothing_and_leaves_a_history_row(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    query = _through_dialog(sandbox, deps, session, shop["seller_a"], shop["a"].id, sandbox.account("instagram"),
                            button="Cancel")
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps, query.get("code"), query["state"], error=query["error"],
                       error_reason=query.get("error_reason"))
    assert failure.value.code == "cancelled"
    assert _connections(session) == 0
    assert _last_failure(session)["code"] == "cancelled"


def test_a_bad_code_fails_the_exchange(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    query = _through_dialog(sandbox, deps, session, shop["seller_a"], shop["a"].id, sandbox.account("facebook"))
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps, "not-" + query["code"], query["state"])
    assert failure.value.code == "exchange_failed"
    assert _connections(session) == 0


def test_missing_scopes_are_named(sandbox, session, shop):
    narrow = deps_for(sandbox.url, meta_scopes=["instagram_basic"])  # the person unticked two
    query = _through_dialog(sandbox, narrow, session, shop["seller_a"], shop["a"].id, sandbox.account("facebook"))
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps_for(sandbox.url), query["code"], query["state"])
    assert failure.value.code == "missing_scopes"
    assert "pages_show_list, pages_read_engagement" in str(failure.value)
    assert _connections(session) == 0
    assert "pages_show_list" in _last_failure(session)["detail"]


def test_no_instagram_account_when_no_page_is_granted(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    account = sandbox.account("facebook")
    dialog = start_connect(session, deps, shop["seller_a"], shop["a"].id, "facebook", bind_browser=False).dialog_url
    back = sandbox.click_dialog(dialog, login_as=account["fb_user_id"], page_ids=[])
    query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps, query["code"], query["state"])
    assert failure.value.code == "no_instagram_account"
    assert _connections(session) == 0


def test_an_account_connected_to_another_store_is_refused(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    account = sandbox.account("instagram")
    connect_store(session, shop["a"], sandbox, account, shop["seller_a"], deps)
    query = _through_dialog(sandbox, deps, session, shop["seller_b"], shop["b"].id, account)
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps, query["code"], query["state"])
    assert failure.value.code == "already_connected"
    assert session.scalar(select(func.count(InstagramConnection.id)).where(InstagramConnection.store_id == shop["b"].id)) == 0
    # Once store A disconnects, store B may connect it.
    disconnect(session, deps, shop["seller_a"], shop["a"].id)
    connect_store(session, shop["b"], sandbox, account, shop["seller_b"], deps)
    assert connection_status(session, shop["seller_b"], shop["b"].id).status == "active"


def test_meta_down_during_account_lookup_stores_nothing(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    query = _through_dialog(sandbox, deps, session, shop["seller_a"], shop["a"].id, sandbox.account("instagram"))
    sandbox.inject_fault("unavailable", count=10, path="/me?")
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps, query["code"], query["state"])
    assert failure.value.code == "meta_unavailable"
    assert _connections(session) == 0


@pytest.mark.parametrize("login", ["facebook", "instagram"])
def test_a_failed_webhook_subscription_is_recorded_and_the_connection_still_works(sandbox, session, shop, login):
    deps = deps_for(sandbox.url)
    account = sandbox.account(login)
    query = _through_dialog(sandbox, deps, session, shop["seller_a"], shop["a"].id, account)
    sandbox.inject_fault("server_error", share=1.0, path="/subscribed_apps")  # every retry fails too
    outcome = finish_connect(session, deps, query["code"], query["state"])
    sandbox.clear_faults()
    assert (outcome.kind, outcome.webhook_subscribed) == ("connected", False)
    session.expire_all()
    row = session.scalar(select(InstagramConnection))
    assert (row.status, row.webhook_subscribed, row.webhook_subscribed_at) == ("active", False, None)
    connected = session.scalar(select(InstagramSyncHistory).where(InstagramSyncHistory.status == "success"))
    assert connected.options["webhook_subscribed"] is False
    # Polling does not need webhooks: the token works for validation and for reading posts.
    assert validate_connection(session, deps, shop["seller_a"], shop["a"].id).status == "active"
    assert len(list(graph_client_for(deps, row).list_media(row.ig_user_id, limit=3))) == 3


@pytest.mark.parametrize("login", ["facebook", "instagram"])
def test_a_used_code_replayed_with_a_fresh_state_is_refused_and_stores_no_token(sandbox, session, shop, login):
    deps = deps_for(sandbox.url)
    query = _through_dialog(sandbox, deps, session, shop["seller_a"], shop["a"].id, sandbox.account(login))
    first = session.get(InstagramConnection, finish_connect(session, deps, query["code"], query["state"]).connection_id)
    stored = first.access_token_encrypted
    # Someone who saw the callback URL replays its code behind a state of their own.
    dialog = start_connect(session, deps, shop["seller_b"], shop["b"].id, login, bind_browser=False).dialog_url
    fresh_state = parse_qs(urlsplit(dialog).query)["state"][0]
    with pytest.raises(ConnectFailed) as replay:
        finish_connect(session, deps, query["code"], fresh_state)
    assert replay.value.code == "exchange_failed"
    session.expire_all()
    assert session.scalar(select(InstagramConnection).where(InstagramConnection.store_id == shop["b"].id)) is None
    assert session.get(InstagramConnection, first.id).access_token_encrypted == stored
    assert _tokens_waiting(session) == 0 and _last_failure(session)["code"] == "exchange_failed"


@pytest.mark.parametrize("login", ["facebook", "instagram"])
def test_meta_timing_out_on_the_code_exchange_fails_clearly_and_stores_nothing(sandbox, session, shop, login):
    deps = deps_for(sandbox.url)
    deps.meta = MetaLogin(deps.settings, timeout=(2.0, 0.5))
    query = _through_dialog(sandbox, deps, session, shop["seller_a"], shop["a"].id, sandbox.account(login))
    sandbox.inject_fault("timeout", count=1, path="/oauth/access_token", delay_seconds=3)
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps, query["code"], query["state"])
    assert failure.value.code == "meta_unavailable"
    message = str(failure.value)
    assert "not answering" in message and "try again" in message and "timed out" in message
    assert deps.settings.meta_app_secret not in message and deps.settings.instagram_app_secret not in message
    assert _connections(session) == 0 and _tokens_waiting(session) == 0
    assert _last_failure(session)["code"] == "meta_unavailable"
    assert not session.get(SellerProfile, shop["a"].seller_id).instagram_connected


def test_sellers_cannot_see_validate_or_disconnect_another_store(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    connect_store(session, shop["a"], sandbox, sandbox.account("facebook"), shop["seller_a"], deps)
    for call in (
        lambda: connection_status(session, shop["seller_b"], shop["a"].id),
        lambda: validate_connection(session, deps, shop["seller_b"], shop["a"].id),
        lambda: disconnect(session, deps, shop["seller_b"], shop["a"].id),
        lambda: start_connect(session, deps, shop["seller_b"], shop["a"].id, "facebook"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert connection_status(session, shop["seller_b"], shop["b"].id) is None
    assert connection_status(session, shop["ops"], shop["a"].id).status == "active"
    with pytest.raises(NotFound):
        disconnect(session, deps, shop["seller_b"], shop["b"].id)


def test_disconnect_deletes_the_token_and_reconnect_restores_it(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    account = sandbox.account("facebook")
    first = connect_store(session, shop["a"], sandbox, account, shop["seller_a"], deps)
    view = disconnect(session, deps, shop["seller_a"], shop["a"].id)
    assert (view.status, view.has_token, view.webhook_subscribed) == ("revoked", False, False)
    assert "a@shop.test" in view.status_reason
    session.expire_all()
    assert not session.get(SellerProfile, shop["a"].seller_id).instagram_connected
    again = connect_store(session, shop["a"], sandbox, account, shop["seller_a"], deps)
    assert again.id == first.id and again.status == "active" and again.access_token_encrypted
