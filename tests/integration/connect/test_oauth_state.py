"""The OAuth state: random, hashed at rest, bound to actor and store, single use, 10 minutes.
(Its binding to a browser: test_browser_binding.py.)

These checks fail before any call to Meta, so no sandbox is needed (Meta's hosts point nowhere).
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from core.errors import PermissionDenied, ValidationFailed
from core.models import InstagramConnection, InstagramSyncHistory, OAuthState
from core.services.connecting.connect import ConnectFailed, finish_connect, start_connect
from core.services.connecting.connect_rules import hash_state
from tests.integration.connect.conftest import CALLBACK, deps_for


def _state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def _unbound(session, deps, actor, store_id: str, flow: str) -> str:
    """A state bound to no browser (these tests finish it themselves)."""
    return _state_of(start_connect(session, deps, actor, store_id, flow, bind_browser=False).dialog_url)


def test_start_gives_a_dialog_url_with_a_fresh_random_state_stored_hashed(session, shop):
    deps = deps_for()
    url = start_connect(session, deps, shop["seller_a"], shop["a"].id, "facebook").dialog_url
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == "/v25.0/dialog/oauth"
    assert query["redirect_uri"] == [CALLBACK] and query["client_id"] == ["sandbox-fb-app"]
    state = query["state"][0]
    assert len(state) >= 22  # token_urlsafe(32): 256 bits
    row = session.scalar(select(OAuthState))
    assert row.state_hash == hash_state(state) and state not in (row.state_hash or "")
    assert row.user_id == shop["seller_a"].user_id and row.store_id == shop["a"].id
    assert (row.expires_at - row.created_at).total_seconds() == 600
    other = _unbound(session, deps, shop["seller_a"], shop["a"].id, "instagram")
    assert other != state


def test_instagram_flow_url_and_unknown_flow(session, shop):
    deps = deps_for()
    url = start_connect(session, deps, shop["seller_a"], shop["a"].id, "instagram").dialog_url
    assert urlsplit(url).path == "/oauth/authorize"
    assert parse_qs(urlsplit(url).query)["scope"] == ["instagram_business_basic"]
    with pytest.raises(ValidationFailed):
        start_connect(session, deps, shop["seller_a"], shop["a"].id, "myspace")
    only_ig = deps_for(login_flows=["instagram"])
    with pytest.raises(ValidationFailed):
        start_connect(session, only_ig, shop["seller_a"], shop["a"].id, "facebook")


def test_a_seller_cannot_start_for_another_store(session, shop):
    with pytest.raises(PermissionDenied):
        start_connect(session, deps_for(), shop["seller_a"], shop["b"].id, "facebook")
    assert session.scalar(select(func.count(OAuthState.id))) == 0


@pytest.mark.parametrize("state, code", [(None, "state_missing"), ("", "state_missing"), ("forged-state", "state_unknown")])
def test_missing_or_forged_state_is_refused_with_a_log_line(session, shop, caplog, state, code):
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps_for(), "some-code", state)
    assert failure.value.code == code
    assert code in caplog.text
    assert session.scalar(select(func.count(InstagramConnection.id))) == 0


def test_expired_state_is_refused_and_leaves_a_history_row(session, shop):
    deps = deps_for()
    state = _unbound(session, deps, shop["seller_a"], shop["a"].id, "facebook")
    deps.clock.advance(minutes=10, seconds=1)
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps, "some-code", state)
    assert failure.value.code == "state_expired"
    history = session.scalar(select(InstagramSyncHistory))
    assert (history.store_id, history.sync_type, history.status) == (shop["a"].id, "connect", "failed")
    assert history.errors[0]["code"] == "state_expired"
    assert session.scalar(select(func.count(InstagramConnection.id))) == 0


def test_a_state_is_single_use_even_when_its_first_use_failed(session, shop):
    deps = deps_for()
    state = _unbound(session, deps, shop["seller_a"], shop["a"].id, "facebook")
    with pytest.raises(ConnectFailed) as first:
        finish_connect(session, deps, None, state, error="access_denied", error_reason="user_denied")
    assert first.value.code == "cancelled"
    with pytest.raises(ConnectFailed) as second:
        finish_connect(session, deps, "some-code", state)
    assert second.value.code == "state_used"


def test_another_actor_cannot_finish_a_state(session, shop):
    deps = deps_for()
    state = _unbound(session, deps, shop["seller_a"], shop["a"].id, "facebook")
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps, "some-code", state, actor=shop["seller_b"])
    assert failure.value.code == "state_foreign"


def test_a_deactivated_starter_cannot_finish(session, shop):
    from core.services.people.users import set_active

    deps = deps_for()
    state = _unbound(session, deps, shop["seller_a"], shop["a"].id, "facebook")
    set_active(session, shop["seller_a"].user_id, False)
    session.commit()
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps, "some-code", state)
    assert failure.value.code == "state_foreign"


def test_meta_unreachable_during_exchange_fails_cleanly(session, shop):
    deps = deps_for("http://127.0.0.1:9")  # nothing listens on port 9
    state = _unbound(session, deps, shop["seller_a"], shop["a"].id, "instagram")
    with pytest.raises(ConnectFailed) as failure:
        finish_connect(session, deps, "some-code", state)
    assert failure.value.code == "meta_unavailable"
    assert session.scalar(select(func.count(InstagramConnection.id))) == 0
