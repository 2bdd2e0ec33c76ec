"""The `fields=` parser is a pure function: nested expansion, modifiers, syntax errors."""

from __future__ import annotations

import pytest

from sandbox.fields import FieldSpec, FieldSyntaxError, parse_fields


def test_flat_and_nested_fields():
    specs = parse_fields("id,caption,children{id,media_url},owner{id}")
    assert [s.name for s in specs] == ["id", "caption", "children", "owner"]
    assert specs[2].sub == (FieldSpec("id"), FieldSpec("media_url"))


def test_modifiers_are_kept():
    spec = parse_fields("media.limit(5){id,children{id}}")[0]
    assert spec.params == {"limit": "5"} and spec.sub[1].sub == (FieldSpec("id"),)


@pytest.mark.parametrize("text", ["children{id", "id}", "{id}", "media.limit(5", "id,,caption"])
def test_syntax_errors(text):
    with pytest.raises(FieldSyntaxError):
        parse_fields(text)


def test_subscribed_apps_on_a_page_needs_a_page_token(sandbox):
    account = sandbox.account("facebook")
    url = f"{sandbox.graph_url}/{account['page_id']}/subscribed_apps"
    with_user_token = sandbox.http.post(url, params={"access_token": account["access_token"],
                                                     "subscribed_fields": "feed"}, timeout=5)
    assert with_user_token.json()["error"]["code"] == 210
    ok = sandbox.http.post(url, params={"access_token": account["page_access_token"], "subscribed_fields": "feed"},
                           timeout=5)
    assert ok.json() == {"success": True}
    listed = sandbox.http.get(url, params={"access_token": account["page_access_token"]}, timeout=5).json()
    assert listed["data"][0]["subscribed_fields"] == ["feed"]
    gone = sandbox.http.delete(url, params={"access_token": account["page_access_token"]}, timeout=5)
    assert gone.json() == {"success": True}


def test_access_log_never_shows_tokens(sandbox, caplog):
    account = sandbox.accounts()[0]
    with caplog.at_level("INFO", logger="werkzeug"):
        sandbox.http.get(f"{sandbox.graph_url}/me", params={"access_token": account["access_token"]}, timeout=5)
    assert "/v25.0/me" in caplog.text
    assert account["access_token"] not in caplog.text
