"""The sidecar's GET /oauth/start, and the callback's check of its cookie: the Connect page's link
binds the state to this browser and sends it on to Meta's dialog; the callback finishes only for
the browser holding the cookie, and logs nobody in for any other."""

from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from core.models import InstagramConnection, OAuthState
from core.services.connecting.connect import start_connect
from core.services.connecting.connect_rules import hash_state
from tests.integration.connect.conftest import deps_for, landing, open_start_link, sidecar_path
from webhook_server.oauth import browser_cookie_name


def _state(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def _set_cookie(response) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        jar.load(header)
    return jar


def _connections(session) -> int:
    return session.scalar(select(func.count(InstagramConnection.id)))


def test_start_sets_an_http_only_cookie_and_sends_the_browser_to_the_dialog(sidecar_client, session, shop):
    deps = deps_for()
    client = sidecar_client(deps)
    started = start_connect(session, deps, shop["seller_a"], shop["a"].id, "facebook")
    response = client.get(sidecar_path(started.start_url))
    assert (response.status_code, response.headers["Location"]) == (303, started.dialog_url)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = _set_cookie(response)[browser_cookie_name(_state(started.dialog_url))]
    assert (cookie["path"], cookie["max-age"], cookie["samesite"]) == ("/oauth", "600", "Lax")
    assert cookie["httponly"] and not cookie["secure"]  # the test sidecar is plain http
    session.expire_all()
    assert cookie.value != started.browser_key  # a fresh key, never seen in a URL
    assert session.scalar(select(OAuthState.browser_key_hash)) == hash_state(cookie.value)


def test_a_bad_start_link_lands_on_connect_with_a_code_and_no_cookie(sidecar_client, session, shop):
    deps = deps_for()
    client = sidecar_client(deps)
    started = start_connect(session, deps, shop["seller_a"], shop["a"].id, "facebook")
    forged_key = sidecar_path(started.start_url).replace(started.browser_key, "guessed")
    for path, code in ((forged_key, "state_other_browser"), ("/oauth/start?state=forged&key=x", "state_unknown"),
                       ("/oauth/start", "state_missing")):
        response = client.get(path)
        assert landing(response) == {"connect_error": code}  # no `resume`: nobody is logged in
        assert not response.headers.getlist("Set-Cookie")


def test_the_callback_without_the_browsers_cookie_is_refused_and_logs_nobody_in(sandbox, sidecar_client, session, shop):
    deps = deps_for(sandbox.url)
    victim, stranger = sidecar_client(deps), sidecar_client(deps)
    account = sandbox.account("instagram")
    started = start_connect(session, deps, shop["seller_a"], shop["a"].id, "instagram")
    dialog = open_start_link(victim, started.start_url)
    callback = sidecar_path(sandbox.click_dialog(dialog, login_as=account["ig_user_id"]))
    assert landing(stranger.get(callback)) == {"connect_error": "state_other_browser"}
    assert _connections(session) == 0
    # The state was not used up: the browser that started the flow still finishes it.
    landed = landing(victim.get(callback))
    assert landed["connected"] == "1" and "resume" in landed
    assert _connections(session) == 1
