"""Typed Graph API errors, and the rule that maps Meta's error object onto them.

Callers branch on the class, not on numbers: a `TokenInvalid` means "mark the
connection and ask the seller to reconnect", a `RateLimited` means "stop and wait
`retry_after` seconds", a `TransientError` may be retried. Messages are built
from Meta's text passed through `redact`, so they never carry a token.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Query parameters whose values are credentials. Meta itself puts `access_token`
# into `paging.next`, and requests puts the full URL into its exception texts.
_SECRET_PARAMS = ("access_token", "input_token", "fb_exchange_token", "client_secret", "appsecret_proof")
_SECRET_PARAM_RE = re.compile(
    r"(?P<key>(?<![A-Za-z_])(?:%s))(?P<sep>=|%%3D|\"?:\s*\"?)(?P<value>[^&\s\"'<>,}]+)" % "|".join(_SECRET_PARAMS),
    re.IGNORECASE,
)
# An OAuth `code` is only a secret as a URL parameter (`?code=`), not in "error code=190".
_OAUTH_CODE_RE = re.compile(r"(?P<key>(?<=[?&])code)(?P<sep>=|%3D)(?P<value>[^&\s\"'<>]+)")

REDACTED = "***"

# Meta's codes, from the Graph API "Handling Errors" and rate-limiting pages.
TOKEN_CODES = frozenset({102, 190, 463, 467})
PERMISSION_CODES = frozenset({3, 10}) | frozenset(range(200, 300))
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613}) | frozenset(range(80000, 80015))
TRANSIENT_CODES = frozenset({1, 2})
NOT_FOUND_SUBCODES = frozenset({33})
NOT_FOUND_CODES = frozenset({803})
REDUCE_DATA_HINT = "reduce the amount of data"


def redact(text: str, *secrets: str | None) -> str:
    """Remove credentials from text meant for logs, exceptions and reprs.

    Known secret values are replaced wherever they appear; credential-bearing URL
    parameters are blanked even when their value is not known to us.
    """
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)

    def _blank(match: re.Match[str]) -> str:
        return f"{match.group('key')}{match.group('sep')}{REDACTED}"

    text = _SECRET_PARAM_RE.sub(_blank, text)
    return _OAUTH_CODE_RE.sub(_blank, text)


class GraphError(Exception):
    """Any error answered by (or on the way to) the Graph API.

    `code`, `subcode`, `fbtrace_id` and `status` are kept for logs and support
    tickets; none of them is secret.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        status: int | None = None,
        fbtrace_id: str | None = None,
        error_type: str | None = None,
    ):
        self.message = redact(message)
        self.code = code
        self.subcode = subcode
        self.status = status
        self.fbtrace_id = fbtrace_id
        self.error_type = error_type
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [self.message]
        details = [
            f"{name}={value}"
            for name, value in (
                ("code", self.code),
                ("subcode", self.subcode),
                ("http", self.status),
                ("fbtrace_id", self.fbtrace_id),
            )
            if value is not None
        ]
        if details:
            parts.append(f"({', '.join(details)})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class TokenInvalid(GraphError):
    """Code 190 (and 102/463/467): expired, revoked or malformed token. Never retried."""

    @property
    def expired(self) -> bool:
        return self.subcode == 463


class PermissionMissing(GraphError):
    """Codes 3/10/200-299: the token lacks a scope or the app lacks access. Never retried."""


class RateLimited(GraphError):
    """Throttled (4/17/32/613/80002..., or HTTP 429). Wait `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any):
        self.retry_after = max(0.0, float(retry_after))
        super().__init__(message, **kwargs)

    def _describe(self) -> str:
        return f"{super()._describe()} retry after {self.retry_after:.0f}s"


class NotFound(GraphError):
    """The object does not exist, or this token cannot see it (code 100/33, 803, HTTP 404)."""


class InvalidRequest(GraphError):
    """Code 100 and other 4xx: a bad field, parameter or id shape. A bug on our side."""


class TransientError(GraphError):
    """Codes 1/2, `is_transient`, HTTP 5xx, timeouts and dropped connections. Retried."""


class ReduceDataRequested(TransientError):
    """Code 1 "Please reduce the amount of data you're asking for": retry with a smaller page.

    A transient error by Meta's classification, but retrying the same request is
    pointless, so the transport does not retry it; `list_media` shrinks its page.
    """


class PayloadInvalid(GraphError):
    """Meta answered 200 with a body we cannot read (not JSON, or a required field missing)."""


def error_from_response(
    status: int,
    body: Any,
    *,
    retry_after: float | None = None,
    usage_wait: float | None = None,
    default_wait: float = 60.0,
    secrets: tuple[str | None, ...] = (),
) -> GraphError:
    """Build the typed error for a failed response.

    `body` is the decoded JSON (or None). Both Meta shapes are understood: the
    Graph error object `{"error": {...}}` and api.instagram.com's flat
    `{"error_type", "code", "error_message"}`. A throttle's wait comes from, in
    order: the Retry-After header (`retry_after`), the error's own
    `error_data.estimated_time_to_regain_access` (minutes), the usage header's
    estimate (`usage_wait`), else `default_wait`.
    """
    error = _error_object(body)
    message = redact(str(error.get("message") or f"HTTP {status}"), *secrets)
    code = _as_int(error.get("code"))
    subcode = _as_int(error.get("error_subcode"))
    kwargs = dict(
        code=code,
        subcode=subcode,
        status=status,
        fbtrace_id=error.get("fbtrace_id"),
        error_type=error.get("type"),
    )
    cls = _classify(status, code, subcode, message, bool(error.get("is_transient")))
    if cls is RateLimited:
        wait = next(
            (w for w in (retry_after, _error_data_wait(error), usage_wait) if w is not None and w > 0),
            default_wait,
        )
        return RateLimited(message, retry_after=wait, **kwargs)
    return cls(message, **kwargs)


def _classify(status: int, code: int | None, subcode: int | None, message: str, is_transient: bool) -> type[GraphError]:
    if code in TOKEN_CODES:
        return TokenInvalid
    if code in THROTTLE_CODES or status == 429:
        return RateLimited
    if code == 1 and REDUCE_DATA_HINT in message.lower():
        return ReduceDataRequested
    if code in PERMISSION_CODES:
        return PermissionMissing
    if subcode in NOT_FOUND_SUBCODES or code in NOT_FOUND_CODES or (status == 404 and code in (None, 100)):
        return NotFound
    if code in TRANSIENT_CODES or is_transient or status >= 500:
        return TransientError
    return InvalidRequest


def _error_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        return {}
    if isinstance(body.get("error"), dict):
        return body["error"]
    if "error_message" in body or "error_type" in body:
        # api.instagram.com: {"error_type": "OAuthException", "code": 400, "error_message": "..."}
        return {
            "message": body.get("error_message"),
            "type": body.get("error_type"),
            "code": 100 if body.get("code") == 400 else body.get("code"),
        }
    return {}


def _error_data_wait(error: dict[str, Any]) -> float | None:
    data = error.get("error_data")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    if not isinstance(data, dict):
        return None
    minutes = data.get("estimated_time_to_regain_access")
    try:
        return float(minutes) * 60.0 if minutes is not None else None
    except (TypeError, ValueError):
        return None


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
