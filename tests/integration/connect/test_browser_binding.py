"""A state started for a browser is finished only by that browser: the services' side.

`start_connect` binds the state to a random key (hash stored); `open_dialog` (the sidecar's
/oauth/start) trades the link's key for a fresh cookie key; `finish_connect` refuses a bound
state without the current key, before spending it, and names nobody to log back in.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from core.models import InstagramConnection, InstagramSyncHistory, OAuthState
from core.services.connecting.connect import ConnectFailed, finish_connect, open_dialog, start_connect
from core.services.connecting.connect_rules import hash_state
from tests.integration.connect.conftest import CALLBACK, deps_for


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _refused(call) -> ConnectFailed:
    with pytest.raises(ConnectFailed) as failure:
        call()
    return failure.value


def _row(session) -> OAuthState:
    session.expire_all()
    return session.scalar(select(OAuthState))


def test_start_binds_the_state_to_a_browser_key_stored_hashed(session, shop):
    started = start_connect(session, deps_for(), shop["seller_a"], shop["a"].id, "facebook")
    link = urlsplit(started.start_url)
    assert f"{link.scheme}://{link.netloc}{link.path}" == CALLBACK.replace("/oauth/callback", "/oauth/start")
    assert _query(started.start_url) == {"state": _query(started.dialog_url)["state"], "key": started.browser_key}
    assert len(started.browser_key) >= 43  # token_urlsafe(32): 256 bits
    row = _row(session)
    assert row.browser_key_hash == hash_state(started.browser_key)
    assert started.browser_key not in repr(started)


def test_a_bound_state_is_finished_only_with_its_browser_key(sandbox, session, shop):
    deps = deps_for(sandbox.url)
    account = sandbox.account("instagram")
    started = start_connect(session, deps, shop["seller_a"], shop["a"].id, "instagram")
    back = _query(sandbox.click_dialog(started.dialog_url, login_as=account["ig_user_id"]))  # Meta's real code
    for stranger in (None, "", "another-browsers-key"):
        failure = _refused(lambda: finish_connect(session, deps, back["code"], back["state"], browser_key=stranger))
        assert (failure.code, failure.started_by) == ("state_other_browser", None)  # nobody is logged in
        assert "started in another browser" in str(failure)
    assert session.scalar(select(func.count(InstagramConnection.id))) == 0
    assert _row(session).used_at is None  # a stranger cannot even use the state up
    trail = session.scalars(select(InstagramSyncHistory).where(InstagramSyncHistory.status == "failed")).all()
    assert [row.errors[0]["code"] for row in trail] == ["state_other_browser"] * 3
    assert {row.store_id for row in trail} == {shop["a"].id}  # the store's people can see the attempts

    outcome = finish_connect(session, deps, back["code"], back["state"], browser_key=started.browser_key)
    assert (outcome.kind, outcome.started_by) == ("connected", shop["seller_a"].user_id)
    assert session.scalar(select(InstagramConnection.ig_user_id)) == account["ig_user_id"]


def test_opening_the_dialog_trades_the_links_key_for_a_cookie_key(session, shop):
    deps = deps_for()
    started = start_connect(session, deps, shop["seller_a"], shop["a"].id, "facebook")
    state = _query(started.dialog_url)["state"]
    opening = open_dialog(session, deps, state, started.browser_key)
    assert opening.dialog_url == started.dialog_url
    assert (opening.seconds_left, opening.https) == (600, False)
    assert opening.browser_key != started.browser_key
    assert _row(session).browser_key_hash == hash_state(opening.browser_key)
    # The link has been in a URL (history, access logs): its key opens nothing any more...
    assert _refused(lambda: open_dialog(session, deps, state, started.browser_key)).code == "state_other_browser"
    refused = _refused(lambda: finish_connect(session, deps, "a-code", state, browser_key=started.browser_key))
    assert refused.code == "state_other_browser"
    # ...while the browser holding the cookie may click the same button again.
    deps.clock.advance(minutes=4)
    again = open_dialog(session, deps, state, started.browser_key, cookie_key=opening.browser_key)
    assert (again.browser_key, again.seconds_left) == (opening.browser_key, 360)
    assert _row(session).used_at is None


def test_opening_the_dialog_refuses_what_is_not_a_live_bound_state(session, shop):
    deps = deps_for()  # Meta points nowhere: a spent state's exchange fails after spending it

    def bound():
        started = start_connect(session, deps, shop["seller_a"], shop["a"].id, "facebook")
        return _query(started.dialog_url)["state"], started.browser_key

    unbound = start_connect(session, deps, shop["seller_a"], shop["a"].id, "facebook", bind_browser=False)
    assert (unbound.start_url, unbound.browser_key) == (None, None)
    used, used_key = bound()
    _refused(lambda: finish_connect(session, deps, "a-code", used, browser_key=used_key))
    late, late_key = bound()
    cases = {
        "state_missing": (None, "key"),
        "state_unknown": ("forged", "key"),
        "state_other_browser": (_query(unbound.dialog_url)["state"], "key"),
        "state_used": (used, used_key),
    }
    refused = {code: _refused(lambda: open_dialog(session, deps, *args)) for code, args in cases.items()}
    deps.clock.advance(minutes=10, seconds=1)
    refused["state_expired"] = _refused(lambda: open_dialog(session, deps, late, late_key))
    assert {code: failure.code for code, failure in refused.items()} == {code: code for code in refused}
    assert all(failure.started_by is None for failure in refused.values())


def test_an_https_sidecar_asks_for_a_secure_cookie(session, shop):
    deps = deps_for(meta_redirect_uri="https://hooks.example.test/oauth/callback")
    started = start_connect(session, deps, shop["seller_a"], shop["a"].id, "facebook")
    assert started.start_url.startswith("https://hooks.example.test/oauth/start?")
    assert open_dialog(session, deps, _query(started.dialog_url)["state"], started.browser_key).https
