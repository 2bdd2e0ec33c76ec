"""The token vault: access tokens encrypted at rest, each ciphertext bound to its connection.

This is the "token encryption" part of core/security.py's job, kept in its own module
(core/security.py re-exports it) so password and scoping code stay short.

Why each piece:
- MultiFernet over a key list from settings (`token_encryption_keys`, comma-separated):
  the first key encrypts, every key decrypts, so keys can be rotated without downtime
  (`rotate_ciphertext`, and `catalog-sync rotate-keys` for every row).
- The plaintext is JSON `{"c": connection_id, "t": token}` and `c` is checked on
  decrypt, so copying one row's ciphertext into another row yields an error rather than
  letting store B use store A's token.
- `SecretToken` wraps a token in memory so a stray `repr`, log line or f-string shows
  `SecretToken('****')`, never the token; callers reach the value with `.reveal()` only at
  the point of the HTTP call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.errors import CatalogSyncError


class TokenVaultError(CatalogSyncError):
    """The stored token cannot be used (wrong key, tampered, or bound to another connection)."""


@dataclass(frozen=True)
class SecretToken:
    """An access token that never prints itself."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretToken('****')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def parse_keys(keys: str | list[str]) -> list[bytes]:
    """The key list from settings; raises a readable error for an empty or malformed list."""
    items = keys.split(",") if isinstance(keys, str) else list(keys)
    cleaned = [item.strip() for item in items if item and item.strip()]
    if not cleaned:
        raise TokenVaultError("No token encryption key is configured (TOKEN_ENCRYPTION_KEYS).")
    for position, key in enumerate(cleaned, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            # Never echo the key itself.
            raise TokenVaultError(
                f"Token encryption key #{position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes; make one with Fernet.generate_key())."
            ) from None
    return [key.encode() for key in cleaned]


class TokenVault:
    """Encrypts and decrypts connection tokens with a MultiFernet key list."""

    def __init__(self, keys: str | list[str]):
        self._keys = parse_keys(keys)
        self._fernet = MultiFernet([Fernet(key) for key in self._keys])

    def __repr__(self) -> str:
        return f"TokenVault(keys={len(self._keys)})"

    def encrypt(self, connection_id: str, token: str | SecretToken) -> str:
        value = token.reveal() if isinstance(token, SecretToken) else token
        if not value:
            raise TokenVaultError("Refusing to store an empty access token.")
        payload = json.dumps({"c": connection_id, "t": value}, separators=(",", ":"))
        return self._fernet.encrypt(payload.encode()).decode()

    def decrypt(self, connection_id: str, ciphertext: str | None) -> SecretToken:
        if not ciphertext:
            raise TokenVaultError("This connection has no stored token; reconnect the account.")
        try:
            payload = json.loads(self._fernet.decrypt(ciphertext.encode()))
        except InvalidToken:
            raise TokenVaultError(
                "The stored token cannot be decrypted with the configured keys."
            ) from None
        if not isinstance(payload, dict) or payload.get("c") != connection_id:
            raise TokenVaultError("The stored token belongs to a different connection.")
        return SecretToken(payload["t"])

    def rotate_ciphertext(self, ciphertext: str) -> str:
        """The same plaintext re-encrypted under the first (newest) key."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise TokenVaultError(
                "A stored token cannot be decrypted with the configured keys."
            ) from None

    def is_current(self, ciphertext: str) -> bool:
        """True when the newest key already decrypts this ciphertext."""
        try:
            Fernet(self._keys[0]).decrypt(ciphertext.encode())
            return True
        except InvalidToken:
            return False


def vault_from_settings(settings=None) -> TokenVault:
    from core.config import get_settings

    return TokenVault((settings or get_settings()).token_encryption_keys)
