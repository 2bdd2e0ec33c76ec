"""A connection's life after connecting: status, validation, token refresh, disconnect, key rotation.

The worker runs `validate_connection` and `refresh_token` as jobs (see
`connections_due_for_refresh`); the Connect page and `catalog-sync connections` call them
directly. Every call carries the acting user and goes through `require_store`, so a seller
never reaches another store's connection. Marking a connection expired/revoked/error keeps
the reason and the time on the row, where the Connect page shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.instagram import GraphClient, GraphError, RateLimited, TransientError
from core.models import InstagramConnection, InstagramSyncHistory, OAuthState, SellerProfile, Store
from core.security import Actor, require_ops, require_store, scope_to_actor
from core.services.connecting.connect_rules import data_access_closing, refresh_due, status_after_error
from core.services.connecting.connect_types import (
    SYNC_TYPE_CONNECT,
    ConnectDeps,
    ConnectFailed,
    ConnectionView,
    decrypt_token,
    log,
    view_of,
)
from core.token_vault import TokenVault, TokenVaultError

RECONNECT = "reconnect_needed"
DATA_ACCESS_CLOSED = "Facebook's 90-day data-access window has closed. Reconnect (log in again) to keep syncing."


@dataclass(frozen=True)
class RefreshResult:
    refreshed: bool
    reason: str
    view: ConnectionView


def connection_for_store(session: Session, actor: Actor, store_id: str) -> InstagramConnection | None:
    """The store's connection row (or None), if the actor may touch the store."""
    require_store(session, actor, store_id)
    return session.scalar(select(InstagramConnection).where(InstagramConnection.store_id == store_id))


def _require_connection(session: Session, actor: Actor, store_id: str) -> InstagramConnection:
    connection = connection_for_store(session, actor, store_id)
    if connection is None:
        raise NotFound("This store has no Instagram connection yet.")
    return connection


def connection_status(session: Session, actor: Actor, store_id: str) -> ConnectionView | None:
    connection = connection_for_store(session, actor, store_id)
    return view_of(session, connection) if connection else None


def recent_connect_failure(session: Session, actor: Actor, store_id: str) -> dict | None:
    """The store's latest connect attempt, if it failed: what the Connect page explains after a redirect."""
    require_store(session, actor, store_id)
    latest = session.scalar(
        select(InstagramSyncHistory)
        .where(InstagramSyncHistory.store_id == store_id, InstagramSyncHistory.sync_type == SYNC_TYPE_CONNECT)
        .order_by(InstagramSyncHistory.created_at.desc(), InstagramSyncHistory.id.desc())
        .limit(1)
    )
    if latest is None or latest.status != "failed" or not latest.errors:
        return None
    return {**latest.errors[0], "at": latest.created_at}


def list_connections(session: Session, actor: Actor) -> list[ConnectionView]:
    stmt = scope_to_actor(
        select(InstagramConnection).order_by(InstagramConnection.store_id), InstagramConnection.store_id, actor
    )
    return [view_of(session, connection) for connection in session.scalars(stmt)]


def graph_client_for(deps: ConnectDeps, connection: InstagramConnection, **kwargs) -> GraphClient:
    """A Graph client for this connection's host and token (for scans and polling).

    Raises ConnectFailed("reconnect_needed") when the connection is not active or its token
    cannot be decrypted, so callers never send a dead token to Meta.
    """
    if connection.status != "active":
        raise ConnectFailed(RECONNECT, connection.status_reason, connection.store_id)
    try:
        token = decrypt_token(deps.vault, connection)
    except TokenVaultError as problem:
        raise ConnectFailed(RECONNECT, str(problem), connection.store_id) from None
    return deps.meta.client(connection.login_flow, token, connection.ig_user_id)


def mark(connection: InstagramConnection, status: str, reason: str | None, deps: ConnectDeps) -> None:
    if connection.status != status or connection.status_reason != reason:
        connection.status_changed_at = deps.clock.now()
    connection.status, connection.status_reason = status, reason
    if status != "active":
        log.warning("connection %s marked %s: %s", connection.id, status, reason)


# --- validate --------------------------------------------------------------------------------------------


def validate_connection(session: Session, deps: ConnectDeps, actor: Actor, store_id: str) -> ConnectionView:
    """One cheap call that proves the token still works; marks expired/revoked/error with the reason.

    Meta being down changes nothing on the row and raises ConnectFailed("meta_unavailable").
    """
    connection = _require_connection(session, actor, store_id)
    if not connection.access_token_encrypted:
        return view_of(session, connection)  # disconnected: nothing to check
    if _data_access_closed(connection, deps.clock.now()):
        # The token may still pass a profile call, but Meta no longer serves the account's
        # data to it; only a new login reopens the window, so do not ask Meta at all.
        mark(connection, "expired", DATA_ACCESS_CLOSED, deps)
        connection.last_validated_at = deps.clock.now()
        session.commit()
        return view_of(session, connection)
    try:
        token = decrypt_token(deps.vault, connection)
        profile = deps.meta.profile(connection.login_flow, token, connection.ig_user_id)
    except TokenVaultError as problem:
        mark(connection, "error", f"The stored token cannot be read ({problem}). Reconnect the account.", deps)
    except (TransientError, RateLimited) as problem:
        session.rollback()
        log.warning("could not validate %s, Meta unavailable: %s", connection.id, problem)
        raise ConnectFailed("meta_unavailable", problem.message, store_id) from None
    except GraphError as problem:
        status, reason = status_after_error(problem) or (connection.status, connection.status_reason)
        mark(connection, status, reason, deps)
    else:
        connection.ig_username = profile.username or connection.ig_username
        connection.ig_profile_picture_url = profile.profile_picture_url or connection.ig_profile_picture_url
        mark(connection, "active", None, deps)
    connection.last_validated_at = deps.clock.now()
    session.commit()
    return view_of(session, connection)


def _data_access_closed(connection: InstagramConnection, now: datetime) -> bool:
    """Facebook Login stops serving data about 90 days after the person last logged in."""
    closes = connection.data_access_expires_at
    return connection.login_flow == "facebook" and closes is not None and closes <= now


# --- refresh ---------------------------------------------------------------------------------------------


def refresh_due_in_sql(deps: ConnectDeps, now: datetime) -> ColumnElement[bool]:
    """`connect_rules.refresh_due` as a WHERE clause: a known expiry inside the refresh margin."""
    expires = InstagramConnection.token_expires_at
    return and_(expires.is_not(None), expires <= now + timedelta(days=deps.settings.token_refresh_margin_days))


def connections_due_for_refresh(session: Session, deps: ConnectDeps) -> list[tuple[str, str]]:
    """(connection id, store id) of active connections whose token expires within the margin."""
    rows = session.execute(
        select(InstagramConnection.id, InstagramConnection.store_id)
        .where(InstagramConnection.status == "active", refresh_due_in_sql(deps, deps.clock.now()))
        .order_by(InstagramConnection.id)
    )
    return [(cid, sid) for cid, sid in rows]


INSTAGRAM_MIN_TOKEN_AGE = timedelta(hours=24)


def refresh_token(
    session: Session, deps: ConnectDeps, actor: Actor, store_id: str, *, force: bool = False
) -> RefreshResult:
    """Extend a long-lived token well before it expires.

    Instagram Login: `ig_refresh_token`. Facebook Login: a new `fb_exchange_token`; once
    Facebook's data-access window has closed only a new login helps, so the connection is
    marked expired and ConnectFailed("reconnect_needed") names that.
    """
    connection = _require_connection(session, actor, store_id)
    now = deps.clock.now()
    if connection.status != "active" or not connection.access_token_encrypted:
        return RefreshResult(False, f"connection is {connection.status}; reconnect needed", view_of(session, connection))
    if _data_access_closed(connection, now):
        mark(connection, "expired", DATA_ACCESS_CLOSED, deps)
        session.commit()
        raise ConnectFailed(RECONNECT, DATA_ACCESS_CLOSED, store_id)
    margin = timedelta(days=deps.settings.token_refresh_margin_days)
    if not force and not refresh_due(connection.token_expires_at, now, margin):
        return RefreshResult(False, "not due yet", view_of(session, connection))
    issued = connection.token_refreshed_at or connection.connected_at
    if connection.login_flow == "instagram" and issued and now - issued < INSTAGRAM_MIN_TOKEN_AGE:
        # Meta refuses ig_refresh_token for tokens under 24 hours old; asking would only
        # earn an error that looks like a dead token.
        return RefreshResult(False, "too new to refresh (Instagram allows it 24 hours after issue)",
                             view_of(session, connection))
    try:
        grant = deps.meta.refresh(connection.login_flow, decrypt_token(deps.vault, connection))
    except TokenVaultError as problem:
        mark(connection, "error", f"The stored token cannot be read ({problem}). Reconnect the account.", deps)
        session.commit()
        raise ConnectFailed(RECONNECT, str(problem), store_id) from None
    except (TransientError, RateLimited) as problem:
        session.rollback()
        raise ConnectFailed("meta_unavailable", problem.message, store_id) from None
    except GraphError as problem:
        status, reason = status_after_error(problem) or ("error", problem.message)
        mark(connection, status, reason, deps)
        session.commit()
        raise ConnectFailed(RECONNECT, reason, store_id) from None
    connection.access_token_encrypted = deps.vault.encrypt(connection.id, grant.token)
    connection.token_expires_at = now + timedelta(seconds=grant.expires_in) if grant.expires_in else None
    connection.token_refreshed_at = now
    session.commit()
    reason = "refreshed"
    warning = timedelta(days=deps.settings.data_access_warning_days)
    if connection.login_flow == "facebook" and data_access_closing(connection.data_access_expires_at, now, warning):
        reason = "refreshed; Facebook's data-access window closes soon, so the seller should reconnect"
    return RefreshResult(True, reason, view_of(session, connection))


# --- disconnect ------------------------------------------------------------------------------------------


def disconnect(session: Session, deps: ConnectDeps, actor: Actor, store_id: str) -> ConnectionView:
    """Unsubscribe webhooks, delete the token, mark the connection revoked. Drafts, products and history stay."""
    connection = _require_connection(session, actor, store_id)
    if connection.access_token_encrypted:
        _unsubscribe_quietly(deps, connection)
    connection.access_token_encrypted = None
    connection.webhook_subscribed, connection.webhook_subscribed_at = False, None
    mark(connection, "revoked", f"Disconnected by {actor.email}.", deps)
    store = session.get(Store, store_id)
    seller = session.get(SellerProfile, store.seller_id)
    if seller is not None:
        seller.instagram_connected = False
    instagram = dict((store.social_source or {}).get("instagram") or {})
    store.social_source = {**(store.social_source or {}), "instagram": {**instagram, "connected": False}}
    for pending in session.scalars(select(OAuthState).where(OAuthState.store_id == store_id, OAuthState.pending_token_encrypted.is_not(None))):
        pending.pending_token_encrypted, pending.pending = None, None
    session.commit()
    log.info("connection %s of store %s disconnected by %s", connection.id, store_id, actor.user_id)
    return view_of(session, connection)


def _unsubscribe_quietly(deps: ConnectDeps, connection: InstagramConnection) -> None:
    """Best effort: a dead token or Meta being down must not stop a seller from disconnecting."""
    try:
        token = decrypt_token(deps.vault, connection)
        deps.meta.unsubscribe_webhooks(connection.login_flow, token, connection.ig_user_id, connection.fb_page_id)
    except (GraphError, TokenVaultError) as problem:
        log.warning("could not unsubscribe webhooks of %s while disconnecting: %s", connection.id, problem)


# --- key rotation ----------------------------------------------------------------------------------------


def rotate_token_keys(session: Session, vault: TokenVault, actor: Actor) -> dict[str, int]:
    """Re-encrypt every stored token under the newest key; counts of rotated, current and unreadable."""
    require_ops(actor)
    counts = {"rotated": 0, "already_current": 0, "unreadable": 0}
    rows = list(session.scalars(select(InstagramConnection).where(InstagramConnection.access_token_encrypted.is_not(None))))
    for connection in rows:
        connection.access_token_encrypted = _rotated(vault, connection.access_token_encrypted, connection.id, counts)
    states = list(session.scalars(select(OAuthState).where(OAuthState.pending_token_encrypted.is_not(None))))
    for state in states:
        state.pending_token_encrypted = _rotated(vault, state.pending_token_encrypted, state.id, counts)
    session.commit()
    return counts


def _rotated(vault: TokenVault, ciphertext: str, owner: str, counts: dict[str, int]) -> str:
    if vault.is_current(ciphertext):
        counts["already_current"] += 1
        return ciphertext
    try:
        rotated = vault.rotate_ciphertext(ciphertext)
    except TokenVaultError:
        log.error("token of %s cannot be decrypted with any configured key; left as it is", owner)
        counts["unreadable"] += 1
        return ciphertext
    counts["rotated"] += 1
    return rotated
