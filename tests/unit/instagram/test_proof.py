"""appsecret_proof and the reprs that must not leak a token."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

import pytest

from core.instagram import GraphClient, appsecret_proof
from core.instagram.oauth import PageLink, TokenGrant, facebook_login_url, instagram_login_url

CANARY = "IGQcanaryTOKEN0123456789"


def test_appsecret_proof_is_hex_hmac_sha256_of_the_token_keyed_by_the_secret():
    expected = hmac.new(b"app-secret", CANARY.encode(), hashlib.sha256).hexdigest()
    assert appsecret_proof(CANARY, "app-secret") == expected


def test_reprs_never_show_tokens():
    client = GraphClient(base_url="http://127.0.0.1:9", api_version="v25.0", access_token=CANARY, app_secret="s")
    grant = TokenGrant(access_token=CANARY, expires_in=3600, user_id="1")
    page = PageLink(page_id="1", name="Duka", ig_user_id="2", page_access_token=CANARY)
    for obj in (client, client.transport, grant, page):
        assert CANARY not in repr(obj) and CANARY not in str(obj)


def test_dialog_urls_for_both_flows():
    fb = facebook_login_url("https://www.facebook.com", "v25.0", "app1", "https://x/cb", "st8")
    assert fb.startswith("https://www.facebook.com/v25.0/dialog/oauth?")
    assert "scope=instagram_basic%2Cpages_show_list%2Cpages_read_engagement" in fb
    assert "state=st8" in fb and "response_type=code" in fb and "redirect_uri=https%3A%2F%2Fx%2Fcb" in fb
    ig = instagram_login_url("https://www.instagram.com", "app2", "https://x/cb", "st9")
    assert ig.startswith("https://www.instagram.com/oauth/authorize?")
    assert "scope=instagram_business_basic" in ig and "client_id=app2" in ig and "state=st9" in ig


def test_list_media_refuses_a_naive_newer_than_before_calling():
    client = GraphClient(base_url="http://127.0.0.1:9", api_version="v25.0", access_token=CANARY)
    with pytest.raises(ValueError, match="timezone-aware"):
        next(client.list_media("1", newer_than=datetime(2024, 1, 1)))
