"""Access tokens and authorization codes, with Meta's lifetimes.

- Facebook Login: code -> short-lived user token (about 1 h), `fb_exchange_token`
  -> long-lived user token (60 days); page tokens from a long-lived user token do
  not expire on their own.
- Instagram Login: code -> short-lived Instagram user token (1 h), `ig_exchange_token`
  -> long-lived (60 days), `ig_refresh_token` -> another 60 days, allowed only when the
  token is at least 24 h old and unexpired.
- Codes are single use and live 10 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field

SHORT_LIVED = 3600
LONG_LIVED = 60 * 24 * 3600
CODE_LIFETIME = 600
REFRESH_MIN_AGE = 24 * 3600


@dataclass
class Token:
    value: str
    kind: str  # "user" (Facebook user), "page", "ig_user" (Instagram Login)
    app_id: str
    subject: str  # Facebook user id, Page id or Instagram user id
    scopes: list[str]
    issued_at: float
    expires_at: float | None  # None: does not expire
    long_lived: bool = False
    page_ids: list[str] = field(default_factory=list)  # Pages a user token was granted
    invalidated: bool = False

    @property
    def login(self) -> str:
        return "instagram" if self.kind == "ig_user" else "facebook"


@dataclass
class AuthCode:
    value: str
    flow: str  # "facebook" or "instagram"
    app_id: str
    redirect_uri: str
    subject: str  # Facebook user id or Instagram user id
    scopes: list[str]
    page_ids: list[str]
    issued_at: float
    used: bool = False


class TokenStore:
    def __init__(self, secret: str):
        self._secret = secret.encode()
        self._tokens: dict[str, Token] = {}
        self._codes: dict[str, AuthCode] = {}
        self._lock = threading.Lock()

    def issue(self, kind: str, app_id: str, subject: str, scopes: list[str], now: float,
              lifetime: float | None, long_lived: bool = False, page_ids: list[str] | None = None,
              value: str | None = None) -> Token:
        prefix = "IGAA" if kind == "ig_user" else "EAA"
        token = Token(value=value or prefix + secrets.token_urlsafe(48).replace("-", "x").replace("_", "Z"),
                      kind=kind, app_id=app_id, subject=subject, scopes=list(scopes), issued_at=now,
                      expires_at=None if lifetime is None else now + lifetime, long_lived=long_lived,
                      page_ids=list(page_ids or []))
        with self._lock:
            self._tokens[token.value] = token
        return token

    def seeded_value(self, kind: str, subject: str) -> str:
        """A stable token for a seeded account, so a restarted sandbox still honours it."""
        digest = hmac.new(self._secret, f"{kind}:{subject}".encode(), hashlib.sha256).hexdigest()
        return ("IGAA" if kind == "ig_user" else "EAA") + "Sbx" + digest

    def get(self, value: str) -> Token | None:
        return self._tokens.get(value)

    def invalidate(self, value: str) -> bool:
        token = self._tokens.get(value)
        if token:
            token.invalidated = True
        return token is not None

    def new_code(self, flow: str, app_id: str, redirect_uri: str, subject: str, scopes: list[str],
                 page_ids: list[str], now: float) -> AuthCode:
        code = AuthCode(value=("AQ" if flow == "facebook" else "AQB") + secrets.token_urlsafe(40),
                        flow=flow, app_id=app_id, redirect_uri=redirect_uri, subject=subject,
                        scopes=scopes, page_ids=page_ids, issued_at=now)
        with self._lock:
            self._codes[code.value] = code
        return code

    def take_code(self, value: str) -> AuthCode | None:
        """Look a code up and mark it used in one step, so two exchanges cannot both win."""
        with self._lock:
            code = self._codes.get(value)
            if code is None:
                return None
            was_used = code.used
            code.used = True
        return AuthCode(**{**code.__dict__, "used": was_used})
