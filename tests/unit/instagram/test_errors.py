"""Error mapping and redaction: pure, no HTTP."""

from __future__ import annotations

import pytest

from core.instagram.errors import (
    InvalidRequest,
    NotFound,
    PermissionMissing,
    RateLimited,
    ReduceDataRequested,
    TokenInvalid,
    TransientError,
    error_from_response,
    redact,
)

CANARY = "EAAcanaryTOKEN0123456789"


def meta_error(code, subcode=None, message="boom", is_transient=False):
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbC"}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["is_transient"] = is_transient
    return {"error": error}


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, meta_error(190, 463), TokenInvalid),
        (400, meta_error(190, 460), TokenInvalid),
        (400, meta_error(102), TokenInvalid),
        (403, meta_error(10), PermissionMissing),
        (403, meta_error(200), PermissionMissing),
        (400, meta_error(4), RateLimited),
        (400, meta_error(17), RateLimited),
        (400, meta_error(32), RateLimited),
        (400, meta_error(613), RateLimited),
        (400, meta_error(80002), RateLimited),
        (429, None, RateLimited),
        (400, meta_error(100, 33), NotFound),
        (404, meta_error(100), NotFound),
        (400, meta_error(803), NotFound),
        (400, meta_error(100), InvalidRequest),
        (500, meta_error(1), TransientError),
        (500, meta_error(2), TransientError),
        (400, meta_error(9999, is_transient=True), TransientError),
        (502, None, TransientError),
        (503, "<html>bad gateway</html>", TransientError),
        (500, meta_error(1, message="Please reduce the amount of data you're asking for, then retry"), ReduceDataRequested),
    ],
)
def test_meta_error_objects_map_to_typed_errors(status, body, expected):
    error = error_from_response(status, body)
    assert type(error) is expected


def test_error_keeps_meta_details_for_support():
    error = error_from_response(400, meta_error(190, 463, "Session has expired"))
    assert (error.code, error.subcode, error.status, error.fbtrace_id) == (190, 463, 400, "AbC")
    assert error.expired
    assert "Session has expired" in str(error) and "code=190" in str(error)


def test_rate_limited_carries_the_wait():
    error = error_from_response(400, meta_error(80002), retry_after=1800)
    assert isinstance(error, RateLimited) and error.retry_after == 1800
    assert error_from_response(400, meta_error(4)).retry_after == 60.0


def test_instagram_api_host_flat_error_shape():
    body = {"error_type": "OAuthException", "code": 400, "error_message": "Invalid redirect_uri"}
    error = error_from_response(400, body)
    assert isinstance(error, InvalidRequest)
    assert "Invalid redirect_uri" in str(error)


def test_token_in_meta_message_is_redacted():
    body = meta_error(190, message=f"Malformed access token {CANARY}")
    error = error_from_response(400, body, secrets=(CANARY,))
    assert CANARY not in str(error) and CANARY not in repr(error)


@pytest.mark.parametrize(
    "text",
    [
        f"https://graph.facebook.com/v25.0/1/media?access_token={CANARY}&after=x",
        f"GET /v25.0/me?fields=id&access_token={CANARY} HTTP/1.1",
        f"access_token%3D{CANARY}",
        f'{{"access_token": "{CANARY}", "token_type": "bearer"}}',
        f"?fb_exchange_token={CANARY}&client_secret={CANARY}",
        f"/debug_token?input_token={CANARY}",
        f"/oauth/access_token?client_id=1&code={CANARY}",
    ],
)
def test_redact_blanks_credentials_in_urls_and_json(text):
    assert CANARY not in redact(text)


def test_redact_blanks_known_secret_anywhere_but_keeps_error_codes():
    assert redact(f"token {CANARY} failed, error code=190", CANARY) == "token *** failed, error code=190"
    assert "after=cursor1" in redact(f"/media?access_token={CANARY}&after=cursor1")


def test_throttle_wait_order_header_then_error_data_then_usage():
    body = meta_error(80002)
    body["error"]["error_data"] = {"estimated_time_to_regain_access": 7}
    assert error_from_response(400, body, retry_after=5, usage_wait=900).retry_after == 5
    assert error_from_response(400, body, usage_wait=900).retry_after == 420
    assert error_from_response(400, meta_error(80002), usage_wait=900).retry_after == 900
    assert error_from_response(400, meta_error(80002), default_wait=30).retry_after == 30
