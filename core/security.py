"""Passwords, and the access-scoping rule every service call goes through.

Tenant scoping lives here and in the services, never in the pages: a seller's
call cannot reach another store's rows, whatever ids it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select
from sqlalchemy.orm import Session

from core.errors import NotFound, PermissionDenied
from core.models import Store

ROLES = ("ops", "seller")

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Actor:
    """Who is acting. Every service call carries one."""

    user_id: str
    email: str
    role: str  # "ops" | "seller"
    store_id: str | None = None  # a seller's own store

    @property
    def is_ops(self) -> bool:
        return self.role == "ops"


# A stand-in actor for the worker and CLI, which act for the system, not for a person.
SYSTEM = Actor(user_id="system", email="system@catalog-sync", role="ops")


def allowed_store_ids(actor: Actor) -> set[str] | None:
    """The stores this actor may touch; None means every store (ops)."""
    if actor.is_ops:
        return None
    return {actor.store_id} if actor.store_id else set()


def can_access_store(actor: Actor, store_id: str | None) -> bool:
    allowed = allowed_store_ids(actor)
    return allowed is None or store_id in allowed


def require_store(session: Session, actor: Actor, store_id: str) -> Store:
    """The store, if this actor may touch it; PermissionDenied otherwise.

    A seller asking for another store gets the same answer whether or not it
    exists, so ids cannot be probed.
    """
    if not can_access_store(actor, store_id):
        raise PermissionDenied("You do not have access to that store.")
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound("That store does not exist.")
    return store


def require_ops(actor: Actor) -> None:
    if not actor.is_ops:
        raise PermissionDenied("Only Vendly operations staff can do that.")


def scope_to_actor(stmt: Select, store_column, actor: Actor) -> Select:
    """Limit a query on any store-owned table to the actor's stores."""
    allowed = allowed_store_ids(actor)
    if allowed is None:
        return stmt
    return stmt.where(store_column.in_(allowed))


# --- Token vault (implemented in core/token_vault.py) -----------------------------------------
# Access tokens are encrypted at rest with MultiFernet, each ciphertext bound to its connection.
from core.token_vault import SecretToken, TokenVault, TokenVaultError, vault_from_settings  # noqa: E402,F401
