"""Connecting a store's Instagram professional account (US-1): the OAuth code flow, both login flows.

`start_connect` issues a random state, bound to the acting user, the store, the flow and
the browser that opens the dialog (core/services/connecting/connect_state.py, which also
holds `open_dialog`, behind the sidecar's /oauth/start). `finish_connect` is what the OAuth
callback (webhook_server/oauth.py) calls: it checks the browser and spends the state with a
conditional UPDATE before anything else, so a replay or a concurrent second callback fails; then it exchanges
the code, checks scopes, finds the account, refuses one held by another store, stores the
token encrypted (core/token_vault.py) and subscribes webhooks. When Facebook Login returns
several Pages with an Instagram account, it stops at "choose_page" and `choose_page` finishes.

Every failure raises `ConnectFailed` (a code safe for a redirect URL, a readable message),
stores no partial connection, and leaves an `instagram_sync_history` row (sync_type
`connect`) or, when the store is unknown, a log line. These functions commit: they talk to
Meta between steps, and their outcome (or failure trail) must survive.

The connection's later life (status, validate, refresh, disconnect, key rotation) is in
core/services/connecting/connection_lifecycle.py and re-exported here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.ids import new_id
from core.instagram import GraphError, RateLimited, TransientError
from core.models import InstagramConnection, OAuthState, SellerProfile, Store
from core.security import Actor, require_store
from core.services.connecting.connect_rules import missing_scopes
from core.services.connecting.connect_state import (  # noqa: F401  (start_connect, open_dialog: public surface)
    ConnectStart,
    DialogOpening,
    fail,
    open_dialog,
    spend_state,
    start_connect,
)
from core.services.connecting.connect_types import (
    ConnectDeps,
    ConnectFailed,
    ConnectionView,
    ConnectOutcome,
    log,
    record_connect_event,
)
from core.services.connecting.connection_lifecycle import (  # noqa: F401  (the module's public surface)
    RefreshResult,
    connection_for_store,
    connection_status,
    connections_due_for_refresh,
    disconnect,
    graph_client_for,
    list_connections,
    recent_connect_failure,
    refresh_token,
    rotate_token_keys,
    validate_connection,
)
from core.services.connecting.meta_login import AccountChoice, LoginGrant
from core.token_vault import SecretToken

__all__ = [
    "ConnectDeps", "ConnectFailed", "ConnectOutcome", "ConnectionView", "ConnectStart", "DialogOpening",
    "RefreshResult", "start_connect", "open_dialog", "finish_connect", "pending_page_choice", "choose_page",
    "connection_status", "validate_connection", "refresh_token", "disconnect", "list_connections",
    "connections_due_for_refresh", "rotate_token_keys", "graph_client_for", "connection_for_store",
    "recent_connect_failure",
]


# --- finish (the callback) ---------------------------------------------------------------------


def finish_connect(
    session: Session,
    deps: ConnectDeps,
    code: str | None,
    state: str | None,
    *,
    error: str | None = None,
    error_reason: str | None = None,
    actor: Actor | None = None,
    browser_key: str | None = None,
) -> ConnectOutcome:
    """Finish the flow from the callback's query (`code`, `state`, or `error`).

    `actor`, when the caller knows who is finishing, must be the one who started it.
    `browser_key` is what the callback read from the browser's cookie: a state bound to a
    browser is finished only with that browser's key (see connect_state.py).
    """
    row = spend_state(session, deps, state, actor, browser_key)
    if error:
        code_name = "cancelled" if error == "access_denied" or error_reason == "user_denied" else "denied"
        fail(session, deps, row, code_name, detail=None if code_name == "cancelled" else error[:80])
    if not code:
        fail(session, deps, row, "code_missing")
    grant = _call_meta(session, deps, row, "exchange_failed", deps.meta.exchange_code, row.login_flow, code, row.redirect_uri)
    scopes, data_access = _granted_scopes(session, deps, row, grant)
    missing = missing_scopes(deps.meta.required_scopes(row.login_flow), scopes)
    if missing:
        fail(session, deps, row, "missing_scopes", detail="not granted: " + ", ".join(missing))
    accounts = _call_meta(session, deps, row, "no_instagram_account", deps.meta.find_accounts, row.login_flow, grant.token)
    if not accounts:
        fail(session, deps, row, "no_instagram_account")
    extra = {"scopes": list(scopes), "expires_in": grant.expires_in, "data_access_expires_at": data_access}
    if len(accounts) > 1:
        outcome = _await_page_choice(session, deps, row, grant.token, accounts, extra)
    else:
        outcome = _attach(session, deps, row, accounts[0], grant.token, extra)
    return replace(outcome, started_by=row.user_id)


def _granted_scopes(
    session: Session, deps: ConnectDeps, row: OAuthState, grant: LoginGrant
) -> tuple[tuple[str, ...], str | None]:
    """Scopes the person granted (Instagram Login says so in the exchange; Facebook via debug_token)."""
    if grant.scopes is not None:
        return grant.scopes, None
    info = _call_meta(session, deps, row, "exchange_failed", deps.meta.token_info, row.login_flow, grant.token)
    closes = info.data_access_expires_at.isoformat() if info.data_access_expires_at else None
    return info.scopes, closes


def _call_meta(session: Session, deps: ConnectDeps, row: OAuthState, failure_code: str, call, *args: Any):
    """One step against Meta; Meta down → `meta_unavailable`, any other refusal → `failure_code`."""
    try:
        return call(*args)
    except (TransientError, RateLimited) as problem:
        fail(session, deps, row, "meta_unavailable", detail=problem.message)
    except GraphError as problem:
        fail(session, deps, row, failure_code, detail=problem.message)


# --- several Pages: the person picks one ----------------------------------------------------------


def _pending_key(row: OAuthState) -> str:
    # The waiting token is bound to its state row, as a connection's token is bound to the connection.
    return f"oauth_state:{row.id}"


def _await_page_choice(
    session: Session, deps: ConnectDeps, row: OAuthState, token: SecretToken,
    accounts: list[AccountChoice], extra: dict[str, Any],
) -> ConnectOutcome:
    row.pending_token_encrypted = deps.vault.encrypt(_pending_key(row), token)
    row.pending = {**extra, "choices": [account.as_dict() for account in accounts]}
    row.pending_expires_at = deps.clock.now() + timedelta(seconds=deps.settings.oauth_state_ttl_seconds)
    session.commit()
    return ConnectOutcome("choose_page", row.store_id, choices=row.pending["choices"])


def _pending_row(session: Session, actor: Actor, store_id: str) -> OAuthState | None:
    return session.scalar(
        select(OAuthState)
        .where(
            OAuthState.store_id == store_id,
            OAuthState.user_id == actor.user_id,
            OAuthState.pending_token_encrypted.is_not(None),
            OAuthState.completed_at.is_(None),
        )
        .order_by(OAuthState.created_at.desc())
        .limit(1)
    )


def pending_page_choice(session: Session, deps: ConnectDeps, actor: Actor, store_id: str) -> list[dict[str, Any]]:
    """The accounts this actor may choose between for this store, or [] when no choice waits."""
    require_store(session, actor, store_id)
    row = _pending_row(session, actor, store_id)
    if row is None or row.pending_expires_at is None or row.pending_expires_at <= deps.clock.now():
        return []
    return list((row.pending or {}).get("choices") or [])


def choose_page(session: Session, deps: ConnectDeps, actor: Actor, store_id: str, ig_user_id: str) -> ConnectOutcome:
    """Finish a Facebook Login connect with the account the person picked."""
    require_store(session, actor, store_id)
    row = _pending_row(session, actor, store_id)
    if row is None:
        raise ConnectFailed("choice_expired", store_id=store_id)
    if row.pending_expires_at is None or row.pending_expires_at <= deps.clock.now():
        fail(session, deps, row, "choice_expired")
    pending = dict(row.pending or {})
    chosen = next((c for c in pending.get("choices") or [] if c.get("ig_user_id") == ig_user_id), None)
    if chosen is None:
        raise ConnectFailed("choice_unknown", store_id=store_id)
    token = deps.vault.decrypt(_pending_key(row), row.pending_token_encrypted)
    account = AccountChoice(**chosen)
    return _attach(session, deps, row, account, token, pending)


# --- storing the connection ------------------------------------------------------------------------


def _attach(
    session: Session, deps: ConnectDeps, row: OAuthState, account: AccountChoice,
    token: SecretToken, extra: dict[str, Any],
) -> ConnectOutcome:
    """Store (or renew) the store's connection to `account`, then subscribe its webhooks."""
    if _held_by_another_store(session, account.ig_user_id, row.store_id):
        fail(session, deps, row, "already_connected", detail=f"@{account.username}" if account.username else None)
    try:
        connection = _save_connection(session, deps, row, account, token, extra)
    except IntegrityError:
        # Another store attached the same account at the same moment (partial unique index).
        fail(session, deps, row, "already_connected")
    subscribed = _subscribe(session, deps, connection, token, account)
    record_connect_event(
        session, deps.clock.now(), store_id=row.store_id, status="success", connection_id=connection.id,
        user_id=row.user_id,
        options={"login_flow": row.login_flow, "ig_username": account.username, "webhook_subscribed": subscribed},
    )
    return ConnectOutcome("connected", row.store_id, connection.id, account.username, subscribed)


def _held_by_another_store(session: Session, ig_user_id: str, store_id: str) -> bool:
    return session.scalar(
        select(InstagramConnection.id).where(
            InstagramConnection.ig_user_id == ig_user_id,
            InstagramConnection.store_id != store_id,
            InstagramConnection.status != "revoked",
        )
    ) is not None


def _save_connection(
    session: Session, deps: ConnectDeps, row: OAuthState, account: AccountChoice,
    token: SecretToken, extra: dict[str, Any],
) -> InstagramConnection:
    now = deps.clock.now()
    store = session.get(Store, row.store_id)
    connection = session.scalar(select(InstagramConnection).where(InstagramConnection.store_id == store.id))
    if connection is None:
        connection = InstagramConnection(id=new_id("igc"), store_id=store.id, seller_id=store.seller_id)
        session.add(connection)
    expires_in = extra.get("expires_in")
    data_access = extra.get("data_access_expires_at")
    connection.login_flow = row.login_flow
    connection.ig_user_id = account.ig_user_id
    connection.ig_username = account.username
    connection.ig_profile_picture_url = account.profile_picture_url
    connection.fb_page_id = account.page_id
    connection.access_token_encrypted = deps.vault.encrypt(connection.id, token)
    connection.token_expires_at = now + timedelta(seconds=int(expires_in)) if expires_in else None
    connection.token_refreshed_at = now
    connection.data_access_expires_at = _parse_time(data_access)
    connection.scopes = list(extra.get("scopes") or [])
    connection.status, connection.status_reason, connection.status_changed_at = "active", None, now
    connection.webhook_subscribed, connection.webhook_subscribed_at = False, None
    connection.connected_at = now
    connection.last_validated_at = now
    _mark_store_connected(session, store, connection)
    row.completed_at = now
    row.pending_token_encrypted, row.pending, row.pending_expires_at = None, None, None
    session.commit()
    return connection


def _mark_store_connected(session: Session, store: Store, connection: InstagramConnection) -> None:
    seller = session.get(SellerProfile, store.seller_id)
    if seller is not None:
        seller.instagram_connected = True
        seller.ig_business_account_id = connection.ig_user_id
        seller.fb_page_id = connection.fb_page_id
    store.social_source = {
        **(store.social_source or {}),
        "instagram": {
            "connected": True,
            "username": connection.ig_username,
            "ig_user_id": connection.ig_user_id,
            "connection_id": connection.id,
            "login_flow": connection.login_flow,
        },
    }


def _subscribe(
    session: Session, deps: ConnectDeps, connection: InstagramConnection, token: SecretToken, account: AccountChoice
) -> bool:
    """Subscribe webhooks; a failure is recorded on the row and logged, not fatal (polling still works)."""
    try:
        subscribed = deps.meta.subscribe_webhooks(connection.login_flow, token, account)
    except GraphError as problem:
        log.warning("webhook subscription failed for %s: %s", connection.id, problem)
        subscribed = False
    connection.webhook_subscribed = subscribed
    connection.webhook_subscribed_at = deps.clock.now() if subscribed else None
    session.commit()
    return subscribed


def _parse_time(value: Any):
    from datetime import datetime

    if not value:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))

