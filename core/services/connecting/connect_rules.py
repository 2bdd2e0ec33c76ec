"""Pure rules for connecting an account: state hashing, scope checks, refresh timing, and the
messages a person sees when something goes wrong. No database, no HTTP; tested on their own.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Iterable
from urllib.parse import urlencode, urlsplit, urlunsplit

from core.instagram import GraphError, PermissionMissing, RateLimited, TokenInvalid, TransientError

# Why a connect failed, as a short code (safe to put in a redirect URL) and a readable message.
# The Connect page shows the message for the code it is given; it never echoes text from the URL.
FAILURE_MESSAGES = {
    "cancelled": "You cancelled the Instagram dialog, so nothing was connected. Try again when you are ready.",
    "denied": "Instagram did not grant access, so nothing was connected. Please try again.",
    "state_missing": "The sign-in answer was incomplete. Please start again with \"Connect Instagram account\".",
    "state_unknown": "This sign-in link is not one we issued. Please start again from the Connect page.",
    "state_expired": "The sign-in took longer than 10 minutes and expired. Please start again.",
    "state_used": "This sign-in link was already used. Please start again from the Connect page.",
    "state_foreign": "This sign-in was started by someone else or for another store. Please start again.",
    "state_other_browser": "This sign-in was started in another browser. Start it again from the Connect page.",
    "code_missing": "Instagram sent no sign-in code. Please try again.",
    "exchange_failed": "Instagram did not accept the sign-in (the code may have expired or been used). Please try again.",
    "no_instagram_account": (
        "No Instagram professional account was found. Under Facebook Login the account must be a "
        "Business or Creator account linked to a Facebook Page you granted; otherwise use Instagram Login."
    ),
    "missing_scopes": "Some permissions were not granted, so the app could not read your posts. Please allow all of them.",
    "already_connected": "This Instagram account is already connected to another store. Disconnect it there first.",
    "meta_unavailable": "Instagram is not answering right now. Nothing was changed; please try again in a few minutes.",
    "choice_expired": "The choice of account expired. Please start again.",
    "choice_unknown": "That account was not one of the choices. Please pick one from the list.",
    "store_unavailable": "That store cannot be connected by you.",
}
UNKNOWN_FAILURE = "Connecting failed. Please try again; if it keeps failing, contact Vendly support."

STATUS_LABELS = {
    "active": "Connected",
    "expired": "Expired",
    "revoked": "Disconnected",
    "error": "Needs attention",
}


def failure_message(code: str | None) -> str:
    return FAILURE_MESSAGES.get(code or "", UNKNOWN_FAILURE)


def hash_state(state: str) -> str:
    """Only the state's hash is stored, so a database dump cannot be replayed into a callback.
    The same goes for the browser key a state is bound to."""
    return hashlib.sha256(state.encode()).hexdigest()


def same_secret(value: str | None, stored_hash: str | None) -> bool:
    """Does `value` hash to `stored_hash`? Compared in constant time; nothing matches a missing side."""
    if not value or not stored_hash:
        return False
    return hmac.compare_digest(hash_state(value), stored_hash)


def start_link(redirect_uri: str, state: str, browser_key: str) -> str:
    """The sidecar's /oauth/start beside its /oauth/callback (the flow's redirect URI): the cookie
    that start sets is then the callback's host's own, and reaches the callback."""
    parts = urlsplit(redirect_uri)
    folder = parts.path.rsplit("/", 1)[0]
    query = urlencode({"state": state, "key": browser_key})
    return urlunsplit((parts.scheme, parts.netloc, f"{folder}/start", query, ""))


def missing_scopes(required: Iterable[str], granted: Iterable[str] | None) -> list[str]:
    """Required scopes the person did not grant, in the required order."""
    have = {scope.strip() for scope in (granted or ()) if scope}
    return [scope for scope in required if scope not in have]


def refresh_due(expires_at: datetime | None, now: datetime, margin: timedelta) -> bool:
    """Refresh once fewer than `margin` is left; a token without a known expiry never is."""
    return expires_at is not None and expires_at - now <= margin


def data_access_closing(closes_at: datetime | None, now: datetime, warning: timedelta) -> bool:
    """Facebook Login stops data access about 90 days after the last login; only a new login reopens it."""
    return closes_at is not None and closes_at - now <= warning


def status_after_error(error: GraphError) -> tuple[str, str] | None:
    """The connection's new (status, reason) after a failed check, or None to leave it alone.

    Meta being down or throttling says nothing about the token, so those change nothing.
    """
    if isinstance(error, TokenInvalid):
        if error.expired:
            return "expired", "The Instagram token expired. Reconnect the account."
        return "revoked", "Instagram no longer accepts the token (access removed or password changed). Reconnect."
    if isinstance(error, PermissionMissing):
        return "revoked", "A permission the app needs was removed on Instagram. Reconnect and allow all permissions."
    if isinstance(error, (TransientError, RateLimited)):
        return None
    return "error", f"Instagram answered an error while checking the account: {error.message}"


def expires_in_words(expires_at: datetime | None, now: datetime) -> str:
    if expires_at is None:
        return "unknown"
    left = expires_at - now
    if left <= timedelta(0):
        return "expired"
    if left < timedelta(days=1):
        return f"in {max(1, int(left.total_seconds() // 3600))} h"
    return f"in {left.days} days"
