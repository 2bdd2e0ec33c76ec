"""OAuth helpers for both login flows against the sandbox's dialogs and token endpoints, over HTTP."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from core.instagram import GraphClient, InvalidRequest, TokenInvalid
from core.instagram import oauth

REDIRECT = "http://127.0.0.1:8701/oauth/callback"


def code_from(redirect_url: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(redirect_url).query)
    return query["code"][0], query["state"][0]


def facebook_code(sandbox, state="st-fb", scopes=oauth.FACEBOOK_SCOPES) -> str:
    cfg = sandbox.config
    url = oauth.facebook_login_url(sandbox.url, cfg.api_version, cfg.fb_app_id, REDIRECT, state, scopes)
    code, returned_state = code_from(sandbox.click_dialog(url))
    assert returned_state == state
    return code


def instagram_code(sandbox, state="st-ig", login_as=None) -> str:
    cfg = sandbox.config
    url = oauth.instagram_login_url(sandbox.url, cfg.ig_app_id, REDIRECT, state)
    code, returned_state = code_from(sandbox.click_dialog(url, login_as=login_as))
    assert returned_state == state
    return code


def test_facebook_login_end_to_end(sandbox):
    cfg = sandbox.config
    code = facebook_code(sandbox)
    short = oauth.exchange_facebook_code(sandbox.url, cfg.api_version, cfg.fb_app_id, cfg.fb_app_secret, REDIRECT, code)
    assert short.expires_in and short.expires_in <= 2 * 3600
    long = oauth.exchange_facebook_long_lived(
        sandbox.url, cfg.api_version, cfg.fb_app_id, cfg.fb_app_secret, short.access_token
    )
    assert long.expires_in > 50 * 24 * 3600
    issued = datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert long.expires_at(issued) > issued

    pages = oauth.list_facebook_pages(sandbox.url, cfg.api_version, cfg.fb_app_secret, long.access_token)
    seeded = {a["ig_user_id"] for a in sandbox.accounts() if a["login"] == "facebook"}
    linked = {p.ig_user_id for p in pages if p.ig_user_id}
    assert linked and linked <= seeded
    assert all(p.page_access_token for p in pages)

    ig_id = sorted(linked)[0]
    client = GraphClient(base_url=sandbox.url, api_version=cfg.api_version, access_token=long.access_token,
                         app_secret=cfg.fb_app_secret, account_id=ig_id)
    assert client.get_account(ig_id).id == ig_id


def test_facebook_code_is_single_use(sandbox):
    cfg = sandbox.config
    code = facebook_code(sandbox)
    oauth.exchange_facebook_code(sandbox.url, cfg.api_version, cfg.fb_app_id, cfg.fb_app_secret, REDIRECT, code)
    with pytest.raises(InvalidRequest) as caught:
        oauth.exchange_facebook_code(sandbox.url, cfg.api_version, cfg.fb_app_id, cfg.fb_app_secret, REDIRECT, code)
    assert code not in str(caught.value)


def test_facebook_redirect_uri_must_match(sandbox):
    cfg = sandbox.config
    code = facebook_code(sandbox)
    with pytest.raises(InvalidRequest):
        oauth.exchange_facebook_code(
            sandbox.url, cfg.api_version, cfg.fb_app_id, cfg.fb_app_secret, REDIRECT + "/other", code
        )


def test_instagram_login_end_to_end_with_refresh(sandbox):
    cfg = sandbox.config
    account = next(a for a in sandbox.accounts() if a["login"] == "instagram")
    code = instagram_code(sandbox, login_as=account["ig_user_id"])
    short = oauth.exchange_instagram_code(sandbox.url, cfg.ig_app_id, cfg.ig_app_secret, REDIRECT, code + "#_")
    assert short.user_id == account["ig_user_id"]
    assert "instagram_business_basic" in short.permissions

    long = oauth.exchange_instagram_long_lived(sandbox.url, cfg.ig_app_secret, short.access_token)
    assert long.expires_in > 50 * 24 * 3600
    me = oauth.instagram_me(sandbox.url, cfg.api_version, cfg.ig_app_secret, long.access_token)
    assert str(me.get("user_id") or me.get("id")) == account["ig_user_id"]

    with pytest.raises(InvalidRequest):  # younger than 24 hours: Meta refuses to refresh
        oauth.refresh_instagram_token(sandbox.url, long.access_token)
    sandbox.advance_clock(25 * 3600)
    refreshed = oauth.refresh_instagram_token(sandbox.url, long.access_token)
    assert refreshed.expires_in > 50 * 24 * 3600


def test_instagram_code_expires_after_ten_minutes(sandbox):
    cfg = sandbox.config
    code = instagram_code(sandbox)
    sandbox.advance_clock(11 * 60)
    with pytest.raises(InvalidRequest) as caught:
        oauth.exchange_instagram_code(sandbox.url, cfg.ig_app_id, cfg.ig_app_secret, REDIRECT, code)
    assert "expired" in str(caught.value)


def test_instagram_wrong_client_secret_is_refused(sandbox):
    cfg = sandbox.config
    code = instagram_code(sandbox)
    with pytest.raises(InvalidRequest) as caught:
        oauth.exchange_instagram_code(sandbox.url, cfg.ig_app_id, "not-the-secret", REDIRECT, code)
    assert "not-the-secret" not in str(caught.value)


def test_refreshing_an_expired_token_is_token_invalid(sandbox):
    account = next(a for a in sandbox.accounts() if a["login"] == "instagram")
    sandbox.advance_clock(61 * 24 * 3600)
    with pytest.raises(TokenInvalid):
        oauth.refresh_instagram_token(sandbox.url, account["access_token"])


def test_cancel_returns_access_denied(sandbox):
    cfg = sandbox.config
    url = oauth.instagram_login_url(sandbox.url, cfg.ig_app_id, REDIRECT, "st-x")
    query = parse_qs(urlsplit(sandbox.click_dialog(url, button="Cancel")).query)
    assert query["error"] == ["access_denied"] and "code" not in query


def test_debug_token_and_webhook_subscription(sandbox):
    cfg = sandbox.config
    account = next(a for a in sandbox.accounts() if a["login"] == "instagram")
    client = GraphClient(base_url=sandbox.url, api_version=cfg.api_version, access_token=account["access_token"],
                         app_secret=cfg.ig_app_secret, account_id=account["ig_user_id"])
    info = client.debug_token(app_access_token=f"{cfg.ig_app_id}|{cfg.ig_app_secret}")
    assert info["is_valid"] is True
    assert client.subscribe_app(account["ig_user_id"], ["comments", "mentions"])
    assert client.unsubscribe_app(account["ig_user_id"])
