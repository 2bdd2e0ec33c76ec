"""Pure connect rules: state hashing, the start link, scope checks, refresh timing, status after Meta's errors."""

from datetime import datetime, timedelta, timezone

from core.instagram import InvalidRequest, PermissionMissing, RateLimited, TokenInvalid, TransientError
from core.services.connecting.connect_rules import (
    FAILURE_MESSAGES,
    UNKNOWN_FAILURE,
    data_access_closing,
    expires_in_words,
    failure_message,
    hash_state,
    missing_scopes,
    refresh_due,
    same_secret,
    start_link,
    status_after_error,
)

NOW = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)


def test_state_hash_is_stable_hex_and_not_the_state():
    digest = hash_state("abc")
    assert digest == hash_state("abc") and digest != hash_state("abd")
    assert len(digest) == 64 and "abc" not in digest


def test_same_secret_matches_only_the_value_behind_the_hash():
    stored = hash_state("browser-key")
    assert same_secret("browser-key", stored)
    assert not same_secret("browser-kez", stored) and not same_secret(stored, stored)
    assert not same_secret(None, stored) and not same_secret("", stored)
    assert not same_secret("browser-key", None)  # a state bound to no browser matches no key


def test_the_start_link_sits_beside_the_callback_and_carries_state_and_key():
    assert start_link("https://hooks.example.com/oauth/callback", "st/ate", "k+y") == \
        "https://hooks.example.com/oauth/start?state=st%2Fate&key=k%2By"
    assert start_link("http://127.0.0.1:8701/oauth/callback", "s", "k") == "http://127.0.0.1:8701/oauth/start?state=s&key=k"


def test_missing_scopes_names_each_missing_one_in_required_order():
    required = ("instagram_basic", "pages_show_list", "pages_read_engagement")
    assert missing_scopes(required, ["pages_show_list"]) == ["instagram_basic", "pages_read_engagement"]
    assert missing_scopes(required, required) == []
    assert missing_scopes(required, None) == list(required)


def test_refresh_is_due_inside_the_margin_only():
    margin = timedelta(days=20)
    assert not refresh_due(NOW + timedelta(days=40), NOW, margin)
    assert refresh_due(NOW + timedelta(days=19), NOW, margin)
    assert refresh_due(NOW - timedelta(days=1), NOW, margin)
    assert not refresh_due(None, NOW, margin)


def test_data_access_window_warning():
    assert data_access_closing(NOW + timedelta(days=3), NOW, timedelta(days=14))
    assert not data_access_closing(NOW + timedelta(days=30), NOW, timedelta(days=14))
    assert not data_access_closing(None, NOW, timedelta(days=14))


def test_status_after_errors():
    assert status_after_error(TokenInvalid("expired", code=190, subcode=463))[0] == "expired"
    assert status_after_error(TokenInvalid("bad", code=190, subcode=460))[0] == "revoked"
    assert status_after_error(PermissionMissing("no", code=10))[0] == "revoked"
    assert status_after_error(TransientError("down", status=503)) is None
    assert status_after_error(RateLimited("slow", retry_after=60, code=4)) is None
    status, reason = status_after_error(InvalidRequest("odd field", code=100))
    assert status == "error" and "odd field" in reason


def test_failure_messages_are_known_or_generic():
    assert failure_message("cancelled") == FAILURE_MESSAGES["cancelled"]
    assert failure_message("<script>") == UNKNOWN_FAILURE
    assert failure_message(None) == UNKNOWN_FAILURE


def test_expires_in_words():
    assert expires_in_words(NOW + timedelta(days=59, hours=3), NOW) == "in 59 days"
    assert expires_in_words(NOW + timedelta(hours=5), NOW) == "in 5 h"
    assert expires_in_words(NOW - timedelta(seconds=1), NOW) == "expired"
    assert expires_in_words(None, NOW) == "unknown"
