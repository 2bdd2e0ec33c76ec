"""Both login flows over HTTP: dialog pages, Allow/Cancel, code exchange rules, token lifetimes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.integration.sandbox.helpers import error_of, graph_get

REDIRECT = "https://app.example/oauth/callback"


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _fb_exchange(sandbox, code: str, redirect_uri: str = REDIRECT, secret: str | None = None, timeout=10):
    return requests.get(f"{sandbox.graph_url}/oauth/access_token", timeout=timeout, params={
        "client_id": sandbox.config.fb_app_id, "client_secret": secret or sandbox.config.fb_app_secret,
        "redirect_uri": redirect_uri, "code": code})


def _ig_exchange(sandbox, code: str, redirect_uri: str = REDIRECT):
    return requests.post(f"{sandbox.url}/oauth/access_token", timeout=10, data={
        "client_id": sandbox.config.ig_app_id, "client_secret": sandbox.config.ig_app_secret,
        "grant_type": "authorization_code", "redirect_uri": redirect_uri, "code": code})


def test_dialog_pages_show_scopes_and_allow_cancel_buttons(sandbox):
    page = requests.get(sandbox.dialog_url("facebook", REDIRECT), timeout=10).text
    assert ">Allow</button>" in page and ">Cancel</button>" in page
    assert "instagram_basic" in page and page.count('name="page_id"') == 2  # the first user has two Pages
    ig_page = requests.get(sandbox.dialog_url("instagram", REDIRECT), timeout=10).text
    assert ">Allow</button>" in ig_page and "instagram_business_basic" in ig_page


def test_facebook_login_full_flow_with_page_choice(sandbox):
    first_user_pages = [a["page_id"] for a in sandbox.accounts() if a["login"] == "facebook"][:2]
    location = sandbox.authorize("facebook", REDIRECT, state="abc", page_ids=first_user_pages[1:])
    assert location.startswith(REDIRECT + "?")
    query = _query(location)
    assert query["state"] == "abc" and query["code"]
    short = _fb_exchange(sandbox, query["code"])
    assert short.status_code == 200, short.text
    assert short.json()["token_type"] == "bearer" and short.json()["expires_in"] <= 7200
    long = requests.get(f"{sandbox.graph_url}/oauth/access_token", timeout=10, params={
        "grant_type": "fb_exchange_token", "client_id": sandbox.config.fb_app_id,
        "client_secret": sandbox.config.fb_app_secret, "fb_exchange_token": short.json()["access_token"]}).json()
    assert long["expires_in"] >= 59 * 86400
    pages = graph_get(sandbox, "me/accounts", long["access_token"]).json()["data"]
    assert [p["id"] for p in pages] == first_user_pages[1:]


def test_instagram_login_full_flow_exchange_and_refresh(sandbox):
    ig = sandbox.account("instagram")
    location = sandbox.authorize("instagram", REDIRECT, state="xyz", login_as=ig["ig_user_id"])
    assert location.endswith("#_")
    query = _query(location.removesuffix("#_"))
    assert query["state"] == "xyz"
    answer = _ig_exchange(sandbox, query["code"])
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"][0]
    assert data["user_id"] == ig["ig_user_id"] and "instagram_business_basic" in data["permissions"]
    long = requests.get(f"{sandbox.url}/access_token", timeout=10, params={
        "grant_type": "ig_exchange_token", "client_secret": sandbox.config.ig_app_secret,
        "access_token": data["access_token"]}).json()
    assert long["expires_in"] >= 59 * 86400
    refresh = lambda: requests.get(f"{sandbox.url}/refresh_access_token", timeout=10, params={  # noqa: E731
        "grant_type": "ig_refresh_token", "access_token": long["access_token"]})
    assert refresh().status_code == 400  # younger than 24 hours
    sandbox.advance_clock(25 * 3600)
    refreshed = refresh()
    assert refreshed.status_code == 200 and refreshed.json()["expires_in"] >= 59 * 86400
    me = graph_get(sandbox, "me", refreshed.json()["access_token"], fields="user_id").json()
    assert me["user_id"] == ig["ig_user_id"]


def test_code_and_token_exchanges_are_counted_under_oauth_not_as_graph_calls(sandbox):
    ig = sandbox.account("instagram")
    sandbox.reset_stats()
    code = _query(sandbox.authorize("instagram", REDIRECT, login_as=ig["ig_user_id"]).removesuffix("#_"))["code"]
    short = _ig_exchange(sandbox, code).json()["data"][0]["access_token"]
    long = requests.get(f"{sandbox.url}/access_token", timeout=10, params={
        "grant_type": "ig_exchange_token", "client_secret": sandbox.config.ig_app_secret,
        "access_token": short}).json()["access_token"]
    sandbox.advance_clock(25 * 3600)
    refreshed = requests.get(f"{sandbox.url}/refresh_access_token", timeout=10, params={
        "grant_type": "ig_refresh_token", "access_token": long}).json()["access_token"]
    assert _fb_exchange(sandbox, _query(sandbox.authorize("facebook", REDIRECT))["code"]).status_code == 200
    assert graph_get(sandbox, "me", refreshed, fields="user_id").status_code == 200
    stats = sandbox.stats()
    assert (stats["total"], stats["requests"], stats["by_endpoint"]) == (1, 1, {"GET /me": 1})
    assert stats["by_account"] == {ig["ig_user_id"]: 1}
    assert stats["oauth"] == {"POST /oauth/access_token": 1, "GET /access_token": 1,
                              "GET /refresh_access_token": 1, "GET /oauth/access_token": 1}
    sandbox.reset_stats()
    assert sandbox.stats()["oauth"] == {}


def test_code_is_single_use(sandbox):
    code = _query(sandbox.authorize("facebook", REDIRECT))["code"]
    assert _fb_exchange(sandbox, code).status_code == 200
    again = _fb_exchange(sandbox, code)
    assert again.status_code == 400 and error_of(again)["error_subcode"] == 36009
    ig_code = _query(sandbox.authorize("instagram", REDIRECT).removesuffix("#_"))["code"]
    assert _ig_exchange(sandbox, ig_code).status_code == 200
    ig_again = _ig_exchange(sandbox, ig_code)
    assert ig_again.status_code == 400 and "already used" in ig_again.json()["error_message"]


def test_token_endpoints_take_only_faults_that_name_them(sandbox):
    sandbox.inject_fault("server_error", count=1)  # meant for Graph reads: the exchange is not hit
    code = _query(sandbox.authorize("facebook", REDIRECT))["code"]
    assert _fb_exchange(sandbox, code).status_code == 200
    sandbox.clear_faults()
    sandbox.inject_fault("unavailable", count=1, path="/oauth/access_token")
    ig_code = _query(sandbox.authorize("instagram", REDIRECT).removesuffix("#_"))["code"]
    assert _ig_exchange(sandbox, ig_code).status_code == 503
    sandbox.inject_fault("timeout", count=1, path="/oauth/access_token", delay_seconds=5)
    fresh = _query(sandbox.authorize("facebook", REDIRECT))["code"]
    with pytest.raises(requests.Timeout):
        _fb_exchange(sandbox, fresh, timeout=(2, 0.3))


def test_code_expires_after_ten_minutes(sandbox):
    code = _query(sandbox.authorize("facebook", REDIRECT))["code"]
    sandbox.advance_clock(601)
    late = _fb_exchange(sandbox, code)
    assert late.status_code == 400 and error_of(late)["error_subcode"] == 36007


def test_instagram_login_code_expires_after_ten_minutes(sandbox):
    on_time, late = (_query(sandbox.authorize("instagram", REDIRECT).removesuffix("#_"))["code"] for _ in range(2))
    sandbox.advance_clock(599)
    assert _ig_exchange(sandbox, on_time).status_code == 200
    sandbox.advance_clock(2)
    expired = _ig_exchange(sandbox, late)
    assert expired.status_code == 400 and expired.json()["error_message"] == "This authorization code has expired"


def test_redirect_uri_must_match_exactly(sandbox):
    code = _query(sandbox.authorize("facebook", REDIRECT))["code"]
    wrong = _fb_exchange(sandbox, code, redirect_uri=REDIRECT + "/")
    assert wrong.status_code == 400 and error_of(wrong)["error_subcode"] == 36008
    ig_code = _query(sandbox.authorize("instagram", REDIRECT).removesuffix("#_"))["code"]
    assert _ig_exchange(sandbox, ig_code, redirect_uri="https://evil.example/cb").status_code == 400


def test_client_secret_is_checked(sandbox):
    code = _query(sandbox.authorize("facebook", REDIRECT))["code"]
    bad = _fb_exchange(sandbox, code, secret="not-the-secret")
    assert bad.status_code == 400 and error_of(bad)["message"] == "Error validating client secret."


def test_cancel_redirects_with_access_denied(sandbox):
    for flow in ("facebook", "instagram"):
        location = sandbox.authorize(flow, REDIRECT, state="s1", button="Cancel")
        query = _query(location.split("#")[0])
        assert query["error"] == "access_denied" and query["error_reason"] == "user_denied"
        assert query["state"] == "s1" and "code" not in query


def test_tokens_expire_on_the_sandbox_clock(sandbox):
    code = _query(sandbox.authorize("facebook", REDIRECT))["code"]
    token = _fb_exchange(sandbox, code).json()["access_token"]
    assert graph_get(sandbox, "me", token).status_code == 200
    sandbox.advance_clock(2 * 3600)
    expired = graph_get(sandbox, "me", token)
    assert expired.status_code == 400
    assert error_of(expired)["code"] == 190 and error_of(expired)["error_subcode"] == 463
    seeded = sandbox.accounts()[0]["access_token"]
    sandbox.advance_clock(60 * 86400)
    assert error_of(graph_get(sandbox, "me", seeded))["code"] == 190


def test_debug_token_reports_validity_and_scopes(sandbox):
    account = sandbox.account("facebook")
    app_token = f"{sandbox.config.fb_app_id}|{sandbox.config.fb_app_secret}"
    data = graph_get(sandbox, "debug_token", app_token, input_token=account["access_token"]).json()["data"]
    assert data["is_valid"] and "instagram_basic" in data["scopes"] and data["user_id"] == account["fb_user_id"]
    sandbox.advance_clock(61 * 86400)
    data = graph_get(sandbox, "debug_token", app_token, input_token=account["access_token"]).json()["data"]
    assert data["is_valid"] is False and data["error"]["code"] == 190
