"""The OAuth state's life: issued (`start_connect`), bound to the browser that opens Meta's dialog
(`open_dialog`, behind the sidecar's GET /oauth/start), spent by the callback (`spend_state`),
and the failure trail every connect step leaves when it fails (`fail`).

A state is random (256 bits), stored only as its hash, bound to the acting user, the store and
the flow, single use, 10 minutes. It travels in the dialog URL to Meta, so it can leak (history,
logs, referrers); whoever held a live one could finish the flow with their own Instagram account
and be logged in as the starter. So a state started for a browser is bound to that browser too:
the Connect page links to /oauth/start with the state and a random key (only its hash stored);
/oauth/start trades that key, which a URL has now carried, for a fresh one that only the
browser's HttpOnly cookie holds; and the callback must present that cookie.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.ids import new_id
from core.instagram.oauth import new_oauth_state
from core.models import AppUser, OAuthState
from core.security import Actor, can_access_store, require_store
from core.services.connecting.connect_rules import hash_state, same_secret, start_link
from core.services.connecting.connect_types import ConnectDeps, ConnectFailed, record_connect_event

# Failures of the state itself: nobody is logged back in after these.
STATE_FAILURES = frozenset(
    {"state_missing", "state_unknown", "state_used", "state_expired", "state_foreign", "state_other_browser"}
)


@dataclass(frozen=True)
class ConnectStart:
    """A started connect. A browser opens `start_url` (None when the state is bound to no
    browser); a service caller that finishes the flow itself walks `dialog_url`, Meta's dialog."""

    dialog_url: str = field(repr=False)
    start_url: str | None = field(repr=False)
    browser_key: str | None = field(repr=False)


@dataclass(frozen=True)
class DialogOpening:
    """Where /oauth/start sends the browser, and the key its cookie keeps until the callback."""

    dialog_url: str = field(repr=False)
    browser_key: str = field(repr=False)
    seconds_left: int
    https: bool  # the sidecar is reached over https, so the cookie is Secure


def start_connect(
    session: Session, deps: ConnectDeps, actor: Actor, store_id: str, login_flow: str | None = None,
    *, bind_browser: bool = True,
) -> ConnectStart:
    """A fresh state for this store, bound to the actor and store, and to a browser unless
    `bind_browser` is False (for callers that finish the flow themselves, as demo-seed does)."""
    require_store(session, actor, store_id)
    flow = _chosen_flow(deps, login_flow)
    state = new_oauth_state()
    browser_key = secrets.token_urlsafe(32) if bind_browser else None
    now = deps.clock.now()
    redirect_uri = deps.meta.redirect_uri(flow)
    session.add(
        OAuthState(
            id=new_id("oas"),
            state_hash=hash_state(state),
            user_id=actor.user_id,
            store_id=store_id,
            login_flow=flow,
            redirect_uri=redirect_uri,
            created_at=now,
            expires_at=now + timedelta(seconds=deps.settings.oauth_state_ttl_seconds),
            browser_key_hash=hash_state(browser_key) if browser_key else None,
        )
    )
    session.commit()
    dialog = deps.meta.dialog_url(flow, state, redirect_uri)
    return ConnectStart(dialog, start_link(redirect_uri, state, browser_key) if browser_key else None, browser_key)


def _chosen_flow(deps: ConnectDeps, login_flow: str | None) -> str:
    offered = deps.meta.offered_flows()
    flow = login_flow or (offered[0] if offered else None)
    if flow not in offered:
        raise ValidationFailed(f"Choose a login flow: {', '.join(offered) or 'none is enabled'}.")
    return flow


def open_dialog(
    session: Session, deps: ConnectDeps, state: str | None, link_key: str | None, cookie_key: str | None = None
) -> DialogOpening:
    """Bind a live, unused state to the browser that opened its start link; Meta's dialog for it.

    The link's key is spent here and the browser gets a fresh one for its cookie. A browser
    that already holds the cookie may open the link again (a second click on the same button).
    """
    row = _state_row(session, deps, state)
    now = deps.clock.now()
    if row.used_at is not None:
        fail(session, deps, row, "state_used")
    if row.expires_at <= now:
        fail(session, deps, row, "state_expired")
    if same_secret(cookie_key, row.browser_key_hash):
        key = cookie_key
    elif same_secret(link_key, row.browser_key_hash):
        key = _swap_browser_key(session, row, link_key)
    else:
        key = None
    if key is None:
        fail(session, deps, row, "state_other_browser")
    return DialogOpening(
        deps.meta.dialog_url(row.login_flow, state, row.redirect_uri), key,
        seconds_left=max(1, int((row.expires_at - now).total_seconds())),
        https=row.redirect_uri.startswith("https:"),
    )


def _swap_browser_key(session: Session, row: OAuthState, link_key: str) -> str | None:
    """The fresh key, or None when the link's key was spent meanwhile (the row is unchanged then)."""
    fresh = secrets.token_urlsafe(32)
    swapped = session.execute(
        update(OAuthState)
        .where(OAuthState.id == row.id, OAuthState.browser_key_hash == hash_state(link_key),
               OAuthState.used_at.is_(None))
        .values(browser_key_hash=hash_state(fresh))
    )
    session.commit()
    return fresh if swapped.rowcount == 1 else None


def spend_state(
    session: Session, deps: ConnectDeps, state: str | None, actor: Actor | None, browser_key: str | None
) -> OAuthState:
    """The state's row, spent: missing, unknown, other-browser, reused, expired or foreign states fail here."""
    row = _state_row(session, deps, state)
    if row.used_at is None and not _from_its_browser(row, browser_key):
        # Checked before spending, so whoever holds a leaked state cannot use it up either.
        fail(session, deps, row, "state_other_browser")
    now = deps.clock.now()
    spent = session.execute(
        update(OAuthState).where(OAuthState.id == row.id, OAuthState.used_at.is_(None)).values(used_at=now)
    )
    session.commit()
    if spent.rowcount != 1:
        fail(session, deps, row, "state_used")
    session.refresh(row)
    if row.expires_at <= now:
        fail(session, deps, row, "state_expired")
    if (actor is not None and actor.user_id != row.user_id) or not _starter_may_still_act(session, row):
        fail(session, deps, row, "state_foreign")
    return row


def _state_row(session: Session, deps: ConnectDeps, state: str | None) -> OAuthState:
    if not state:
        fail(session, deps, None, "state_missing")
    row = session.scalar(select(OAuthState).where(OAuthState.state_hash == hash_state(state)))
    if row is None:
        fail(session, deps, None, "state_unknown")
    return row


def _from_its_browser(row: OAuthState, browser_key: str | None) -> bool:
    """A state bound to a browser is finished only with that browser's key; an unbound one by its caller."""
    return row.browser_key_hash is None or same_secret(browser_key, row.browser_key_hash)


def _starter_may_still_act(session: Session, row: OAuthState) -> bool:
    """The person who started the flow still exists, is active and may still touch the store."""
    user = session.get(AppUser, row.user_id)
    if user is None or not user.is_active:
        return False
    starter = Actor(user_id=user.id, email=user.email, role=user.role, store_id=user.store_id)
    return can_access_store(starter, row.store_id)


def fail(session: Session, deps: ConnectDeps, row: OAuthState | None, code: str, detail: str | None = None):
    """Roll back anything half-done, leave the trail, and raise. Never returns.

    A failure of the state itself comes before this request did anything, so a Page choice
    waiting on the row is an earlier, genuine step's: a stray request must not wipe it."""
    session.rollback()
    genuine = row is not None and code not in STATE_FAILURES
    if genuine:
        _wipe_pending(session, row)
    record_connect_event(
        session,
        deps.clock.now(),
        store_id=row.store_id if row else None,
        status="failed",
        code=code,
        detail=detail,
        user_id=row.user_id if row else None,
        options={"login_flow": row.login_flow, "oauth_state_id": row.id} if row else {},
    )
    raise ConnectFailed(code, detail, row.store_id if row else None, row.user_id if genuine else None)


def _wipe_pending(session: Session, row: OAuthState) -> None:
    session.execute(
        update(OAuthState)
        .where(OAuthState.id == row.id)
        .values(pending_token_encrypted=None, pending=None, pending_expires_at=None)
    )
    session.commit()
