"""`GET /oauth/callback`: where Meta's login dialog sends the browser back, for both login flows.

A thin adapter over `core.services.connecting.connect.finish_connect`: the code is exchanged here,
server-side, so the token never passes through the browser. The browser is then sent to
the Streamlit Connect page with `?connected=1`, `?choose_page=1` or `?connect_error=<code>`
(a short code; the page shows the readable message for it and never echoes URL text),
plus a one-time `resume` ticket that logs the person who started the flow back in.

The app's config may carry `CONNECT_DEPS` (a `ConnectDeps`, for tests) and `APP_BASE_URL`;
otherwise both come from settings.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, request
from sqlalchemy.exc import SQLAlchemyError

from core.config import get_settings
from core.services.connecting.connect import ConnectDeps, ConnectFailed, finish_connect
from core.services.people.users import issue_login_handoff
from webhook_server.context import sidecar

log = logging.getLogger("webhook_server.oauth")
bp = Blueprint("oauth", __name__)
# Connect is the first page of every role's navigation, so Streamlit serves it at the root;
# "/connect" would first show a "Page not found" notice (seen in the browser test).
CONNECT_PAGE_PATH = "/"


@bp.get("/oauth/callback")
def oauth_callback():
    args = request.args
    try:
        with sidecar().session() as session:
            outcome = finish_connect(
                session, _deps(), args.get("code"), args.get("state"),
                error=args.get("error"), error_reason=args.get("error_reason"),
            )
    except ConnectFailed as failure:
        return _back_to_connect_page(failure.started_by, failure.store_id, connect_error=failure.code)
    except SQLAlchemyError as error:
        log.error("oauth callback: database unavailable (%s)", type(error).__name__)
        return _back_to_connect_page(None, None, connect_error="unavailable")
    except Exception:  # noqa: BLE001 - the browser must land somewhere readable
        # The message of an unexpected error could quote request data; log the type only.
        log.exception("oauth callback failed unexpectedly")
        return _back_to_connect_page(None, None, connect_error="unexpected")
    if outcome.kind == "choose_page":
        return _back_to_connect_page(outcome.started_by, outcome.store_id, choose_page="1")
    return _back_to_connect_page(outcome.started_by, outcome.store_id, connected="1")


def _deps() -> ConnectDeps:
    deps = current_app.config.get("CONNECT_DEPS")
    if deps is None:
        deps = current_app.extensions.get("connect_deps")
        if deps is None:
            deps = current_app.extensions["connect_deps"] = ConnectDeps.from_settings()
    return deps


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
    response = redirect(f"{base.rstrip('/')}{CONNECT_PAGE_PATH}?{urlencode(query)}", code=303)
    # The callback URL carried a one-time code: keep it out of caches and Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
