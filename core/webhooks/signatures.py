"""`X-Hub-Signature-256` checks over the raw body, in constant time, before any parsing.

Meta signs each delivery with the app secret of the app the subscription belongs to:
the Facebook Login app (`meta_app_secret`) or the Instagram Login app
(`instagram_app_secret`). We accept either and record which one matched.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

HEADER = "X-Hub-Signature-256"
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class SignatureCheck:
    """`signed_with` names the secret that matched; `reason` says why none did."""

    signed_with: str | None
    reason: str | None  # "signature_missing" | "signature_malformed" | "signature_mismatch"

    @property
    def ok(self) -> bool:
        return self.signed_with is not None


def sign(body: bytes, secret: str) -> str:
    """The header value Meta would send for `body` (tests, the sandbox and the benchmark use it)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(body: bytes, header: str | None, secrets: dict[str, str]) -> SignatureCheck:
    """Match the header against every configured secret; every comparison is constant-time
    and all of them always run, so timing tells nothing about which secret nearly matched."""
    if not header:
        return SignatureCheck(None, "signature_missing")
    match = _SIGNATURE.fullmatch(header.strip())
    if not match:
        return SignatureCheck(None, "signature_malformed")
    given = match.group(1).lower().encode()
    matched = None
    for name, secret in secrets.items():
        if not secret:
            continue
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()
        if hmac.compare_digest(expected, given) and matched is None:
            matched = name
    return SignatureCheck(matched, None if matched else "signature_mismatch")


def verify_token_matches(given: str | None, expected: str) -> bool:
    """The GET handshake's `hub.verify_token`, compared in constant time."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
