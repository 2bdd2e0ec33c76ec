"""`GET /oauth/start` and `GET /oauth/callback`: the browser's way to Meta's login dialog and back.

Thin adapters over core.services.connecting. The Connect page links to /oauth/start, which binds
the OAuth state to this browser with an HttpOnly cookie (`open_dialog`) and sends it on to Meta's
dialog; Meta sends it back to /oauth/callback, which hands the cookie's key to `finish_connect`,
so a leaked state cannot be finished in another browser. The code is exchanged here, server-side,
so the token never passes through the browser. The browser is then sent to the Streamlit Connect
page with `?connected=1`, `?choose_page=1` or `?connect_error=<code>` (a short code; the page
shows the readable message for it and never echoes URL text), plus a one-time `resume` ticket
that logs the person who started the flow back in.

The app's config may carry `CONNECT_DEPS` (a `ConnectDeps`, for tests) and `APP_BASE_URL`;
otherwise both come from settings.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, request
from sqlalchemy.exc import SQLAlchemyError

from core.config import get_settings
from core.services.connecting.connect import ConnectDeps, ConnectFailed, finish_connect, open_dialog
from core.services.connecting.connect_rules import hash_state
from core.services.people.users import issue_login_handoff
from webhook_server.context import sidecar

log = logging.getLogger("webhook_server.oauth")
bp = Blueprint("oauth", __name__)
# Connect is the first page of every role's navigation, so Streamlit serves it at the root;
# "/connect" would first show a "Page not found" notice (seen in the browser test).
CONNECT_PAGE_PATH = "/"
# The browser-key cookie goes only to /oauth/start and /oauth/callback.
BROWSER_COOKIE_PATH = "/oauth"


@bp.get("/oauth/start")
def oauth_start():
    state = request.args.get("state")
    try:
        with sidecar().session() as session:
            opening = open_dialog(session, _deps(), state, request.args.get("key"), _browser_key(state))
    except Exception as error:  # noqa: BLE001 - the browser must land somewhere readable
        return _landing_after(error)
    response = _kept_private(redirect(opening.dialog_url, code=303))
    response.set_cookie(
        browser_cookie_name(state), opening.browser_key, max_age=opening.seconds_left, path=BROWSER_COOKIE_PATH,
        secure=opening.https, httponly=True, samesite="Lax",
    )
    return response


@bp.get("/oauth/callback")
def oauth_callback():
    args = request.args
    state = args.get("state")
    try:
        with sidecar().session() as session:
            outcome = finish_connect(
                session, _deps(), args.get("code"), state,
                error=args.get("error"), error_reason=args.get("error_reason"), browser_key=_browser_key(state),
            )
    except Exception as error:  # noqa: BLE001 - the browser must land somewhere readable
        response = _landing_after(error)
    else:
        landed = {"choose_page": "1"} if outcome.kind == "choose_page" else {"connected": "1"}
        response = _back_to_connect_page(outcome.started_by, outcome.store_id, **landed)
    if state:  # the state is spent (or was never this browser's): its cookie has done its work
        response.delete_cookie(browser_cookie_name(state), path=BROWSER_COOKIE_PATH, httponly=True, samesite="Lax")
    return response


def browser_cookie_name(state: str) -> str:
    # One cookie per state, so two flows started in one browser (both Connect buttons) both finish.
    return f"oauth_browser_{hash_state(state)[:16]}"


def _browser_key(state: str | None) -> str | None:
    return request.cookies.get(browser_cookie_name(state)) if state else None


def _deps() -> ConnectDeps:
    deps = current_app.config.get("CONNECT_DEPS")
    if deps is None:
        deps = current_app.extensions.get("connect_deps")
        if deps is None:
            deps = current_app.extensions["connect_deps"] = ConnectDeps.from_settings()
    return deps


def _landing_after(error: Exception):
    """Where a failed step sends the browser: the Connect page, with a short code. Call it
    from the `except` block, so an unexpected error's traceback is logged."""
    if isinstance(error, ConnectFailed):
        return _back_to_connect_page(error.started_by, error.store_id, connect_error=error.code)
    if isinstance(error, SQLAlchemyError):
        log.error("oauth: database unavailable (%s)", type(error).__name__)
        return _back_to_connect_page(None, None, connect_error="unavailable")
    # The message of an unexpected error could quote request data; log the type only.
    log.exception("oauth %s failed unexpectedly", request.path)
    return _back_to_connect_page(None, None, connect_error="unexpected")


def _back_to_connect_page(started_by: str | None, store_id: str | None, **query: str):
    """Send the browser to the Connect page; `resume` logs the person who started the flow
    back in, since the round trip through Meta opens a new Streamlit session, and `store`
    reopens the store they were connecting (ops have many; the app checks their access)."""
    if started_by:
        with sidecar().session() as session:
            query["resume"] = issue_login_handoff(session, started_by)
        if store_id:
            query["store"] = store_id
    base = current_app.config.get("APP_BASE_URL") or get_settings().app_base_url
    return _kept_private(redirect(f"{base.rstrip('/')}{CONNECT_PAGE_PATH}?{urlencode(query)}", code=303))


def _kept_private(response):
    """These URLs carry a state, a key or a one-time code: keep them out of caches and Referer headers."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
