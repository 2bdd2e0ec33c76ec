"""The sidecar's GET /oauth/callback when the sign-in works: the browser opens the Connect page's
start link, and Meta's real redirect (from the sandbox's dialog, over HTTP) lands on the Connect
page with ?connected=1, or ?choose_page=1 when the person granted several Pages with an Instagram
account; both log the starter back in and clear the browser-key cookie."""

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from core.models import InstagramConnection
from core.services.connecting.connect import pending_page_choice, start_connect
from core.services.people.users import redeem_login_handoff
from tests.integration.connect.conftest import deps_for, landing, open_start_link, sidecar_path
from webhook_server.oauth import browser_cookie_name


def _callback_path(redirect: str) -> str:
    """The sandbox sends the browser to our registered callback URL; the test client takes its path."""
    assert urlsplit(redirect).path == "/oauth/callback"
    return sidecar_path(redirect)


def _sign_in(sandbox, session, deps, browser, actor, store_id, page_ids=None) -> str:
    """In `browser`, through the Facebook dialog as the seeded user who manages two Pages; the callback path."""
    owner = sandbox.account("facebook")
    dialog = open_start_link(browser, start_connect(session, deps, actor, store_id, "facebook").start_url)
    return _callback_path(sandbox.click_dialog(dialog, login_as=owner["fb_user_id"], page_ids=page_ids))


def _browser_key_cookie(browser, callback_path: str):
    state = parse_qs(urlsplit(callback_path).query)["state"][0]
    return browser.get_cookie(browser_cookie_name(state), path="/oauth")


def _connections(session) -> int:
    return session.scalar(select(func.count(InstagramConnection.id)))


def test_several_pages_land_on_the_page_choice(sandbox, sidecar_client, session, shop):
    deps = deps_for(sandbox.url)
    client = sidecar_client(deps)
    query = landing(client.get(_sign_in(sandbox, session, deps, client, shop["seller_a"], shop["a"].id)))
    assert query.pop("choose_page") == "1"
    assert redeem_login_handoff(session, query.pop("resume")).user_id == shop["seller_a"].user_id
    assert query == {"store": shop["a"].id}
    assert _connections(session) == 0  # nothing is connected until the person picks
    choices = pending_page_choice(session, deps, shop["seller_a"], shop["a"].id)
    owner = sandbox.account("facebook")
    managed = {a["ig_user_id"] for a in sandbox.accounts() if a["fb_user_id"] == owner["fb_user_id"]}
    assert {choice["ig_user_id"] for choice in choices} == managed and len(managed) == 2


def test_one_page_lands_connected(sandbox, sidecar_client, session, shop):
    deps = deps_for(sandbox.url)
    client = sidecar_client(deps)
    account = sandbox.account("facebook")
    path = _sign_in(sandbox, session, deps, client, shop["seller_a"], shop["a"].id, page_ids=[account["page_id"]])
    assert _browser_key_cookie(client, path) is not None  # set by the start link
    query = landing(client.get(path))
    assert _browser_key_cookie(client, path) is None  # spent with the state
    assert query.pop("connected") == "1"
    assert redeem_login_handoff(session, query.pop("resume")).user_id == shop["seller_a"].user_id
    assert query == {"store": shop["a"].id}
    row = session.scalar(select(InstagramConnection))
    assert (row.store_id, row.ig_user_id, row.status) == (shop["a"].id, account["ig_user_id"], "active")
    assert pending_page_choice(session, deps, shop["seller_a"], shop["a"].id) == []
