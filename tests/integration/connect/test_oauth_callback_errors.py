"""The sidecar's GET /oauth/callback: every failure lands on the Connect page with a short code."""

from urllib.parse import parse_qs, urlsplit

import pytest

from core.errors import AuthenticationFailed
from core.services.connecting.connect import start_connect
from core.services.people.users import issue_login_handoff, redeem_login_handoff
from tests.integration.connect.conftest import deps_for, landing, open_start_link


@pytest.fixture
def callback_client(sidecar_client):
    deps = deps_for()
    return sidecar_client(deps), deps


def test_forged_state_lands_on_connect_page_with_a_code(callback_client):
    client, _ = callback_client
    assert landing(client.get("/oauth/callback?code=abc&state=forged")) == {"connect_error": "state_unknown"}
    assert landing(client.get("/oauth/callback")) == {"connect_error": "state_missing"}


def test_cancel_then_replay(callback_client, session, shop):
    client, deps = callback_client
    url = open_start_link(client, start_connect(session, deps, shop["seller_a"], shop["a"].id, "instagram").start_url)
    state = parse_qs(urlsplit(url).query)["state"][0]
    cancelled = landing(client.get(f"/oauth/callback?error=access_denied&error_reason=user_denied&state={state}"))
    assert cancelled.pop("connect_error") == "cancelled"
    # The person who started the flow is logged back in once by the ticket...
    assert redeem_login_handoff(session, cancelled.pop("resume")).user_id == shop["seller_a"].user_id
    assert cancelled == {"store": shop["a"].id}  # the store the flow was for
    # ...but a replayed callback gets neither a connection nor a ticket.
    assert landing(client.get(f"/oauth/callback?code=abc&state={state}")) == {"connect_error": "state_used"}


def test_login_ticket_is_single_use_and_expires(session, shop):
    ticket = issue_login_handoff(session, shop["seller_a"].user_id)
    redeem_login_handoff(session, ticket)
    with pytest.raises(AuthenticationFailed):
        redeem_login_handoff(session, ticket)
    short = issue_login_handoff(session, shop["seller_a"].user_id, lifetime_seconds=-1)
    with pytest.raises(AuthenticationFailed):
        redeem_login_handoff(session, short)
    with pytest.raises(AuthenticationFailed):
        redeem_login_handoff(session, "made-up-ticket")
