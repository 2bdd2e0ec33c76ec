"""OAuth for both of Meta's Instagram login flows: dialog URLs and token exchanges.

*Instagram API with Facebook Login* (host graph.facebook.com):
    dialog `{dialog}/{version}/dialog/oauth` → `GET /{version}/oauth/access_token` (code →
    short-lived user token) → `grant_type=fb_exchange_token` (60-day token) →
    `/me/accounts` (Pages) → `/{page-id}?fields=instagram_business_account`.

*Instagram API with Instagram Login* (hosts api.instagram.com and graph.instagram.com):
    dialog `{dialog}/oauth/authorize` → `POST api.instagram.com/oauth/access_token`
    (code → short-lived token + user id + permissions) →
    `graph.instagram.com/access_token?grant_type=ig_exchange_token` (60 days) →
    `refresh_access_token?grant_type=ig_refresh_token` → `/me`.

Functions here are plain: they take URLs and secrets as arguments (from
`core.config.Settings`) and return typed grants whose tokens stay out of reprs.
A code exchange is never retried: codes are single use, so a retry after a
lost answer could only fail.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable
from urllib.parse import urlencode

from core.instagram.errors import PayloadInvalid
from core.instagram.http import DEFAULT_TIMEOUT, GraphTransport, RetryPolicy

FACEBOOK_SCOPES = ("instagram_basic", "pages_show_list", "pages_read_engagement")
INSTAGRAM_SCOPES = ("instagram_business_basic",)
NO_RETRY = RetryPolicy(attempts=1, throttle_retries=0)
Timeout = tuple[float, float]  # (connect, read) seconds, as requests takes them


def new_oauth_state() -> str:
    """An unguessable `state` value; the caller stores it and checks it on the callback."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class TokenGrant:
    """A token Meta handed out. `expires_in` is seconds from when it was issued (None: not said)."""

    access_token: str = field(repr=False)
    token_type: str | None = None
    expires_in: int | None = None
    user_id: str | None = None
    permissions: tuple[str, ...] = ()

    def expires_at(self, issued_at: datetime) -> datetime | None:
        return issued_at + timedelta(seconds=self.expires_in) if self.expires_in else None


@dataclass(frozen=True)
class PageLink:
    """A Facebook Page the person granted, and the Instagram account linked to it (if any)."""

    page_id: str
    name: str
    ig_user_id: str | None
    page_access_token: str | None = field(default=None, repr=False)


# --- dialog URLs ----------------------------------------------------------------


def facebook_login_url(
    dialog_url: str,
    api_version: str,
    app_id: str,
    redirect_uri: str,
    state: str,
    scopes: Iterable[str] = FACEBOOK_SCOPES,
) -> str:
    """The Facebook Login dialog (`www.facebook.com/{version}/dialog/oauth`)."""
    query = {
        "client_id": app_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "response_type": "code",
        "scope": ",".join(scopes),
    }
    return f"{dialog_url.rstrip('/')}/{api_version}/dialog/oauth?{urlencode(query)}"


def instagram_login_url(
    dialog_url: str,
    app_id: str,
    redirect_uri: str,
    state: str,
    scopes: Iterable[str] = INSTAGRAM_SCOPES,
) -> str:
    """The Instagram Login dialog (`www.instagram.com/oauth/authorize`)."""
    query = {
        "client_id": app_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": ",".join(scopes),
        "state": state,
    }
    return f"{dialog_url.rstrip('/')}/oauth/authorize?{urlencode(query)}"


# --- Facebook Login -----------------------------------------------------------------


def exchange_facebook_code(
    graph_url: str, api_version: str, app_id: str, app_secret: str, redirect_uri: str, code: str,
    *, timeout: Timeout = DEFAULT_TIMEOUT,
) -> TokenGrant:
    """Code → short-lived user token (`GET /{version}/oauth/access_token`). Not retried."""
    transport = GraphTransport(graph_url, api_version, app_secret=app_secret, retry=NO_RETRY, timeout=timeout)
    payload = transport.call(
        "GET",
        "oauth/access_token",
        token=None,
        params={"client_id": app_id, "client_secret": app_secret, "redirect_uri": redirect_uri, "code": code},
    )
    return _token_grant(payload)


def exchange_facebook_long_lived(
    graph_url: str, api_version: str, app_id: str, app_secret: str, short_lived_token: str,
    *, timeout: Timeout = DEFAULT_TIMEOUT,
) -> TokenGrant:
    """Short-lived → long-lived (about 60 days) user token, `grant_type=fb_exchange_token`."""
    transport = GraphTransport(graph_url, api_version, app_secret=app_secret, timeout=timeout)
    payload = transport.call(
        "GET",
        "oauth/access_token",
        token=None,
        params={
            "grant_type": "fb_exchange_token",
            "client_id": app_id,
            "client_secret": app_secret,
            "fb_exchange_token": short_lived_token,
        },
    )
    return _token_grant(payload)


def list_facebook_pages(
    graph_url: str, api_version: str, app_secret: str, user_token: str, *, timeout: Timeout = DEFAULT_TIMEOUT
) -> list[PageLink]:
    """The Pages the person granted, each with its linked Instagram professional account.

    `/me/accounts` (following its pages), then `/{page-id}?fields=instagram_business_account`
    per Page. A Page without a linked account comes back with `ig_user_id=None`.
    """
    transport = GraphTransport(graph_url, api_version, app_secret=app_secret, timeout=timeout)
    pages: list[dict[str, Any]] = []
    url = "me/accounts"
    params: dict[str, Any] | None = {"fields": "id,name,access_token", "limit": 100}
    while url:
        payload = transport.call("GET", url, token=user_token, params=params)
        pages.extend(p for p in (payload.get("data") or []) if isinstance(p, dict) and p.get("id"))
        url = ((payload.get("paging") or {}).get("next")) or ""
        params = None
    return [_page_link(transport, user_token, page) for page in pages]


def _page_link(transport: GraphTransport, user_token: str, page: dict[str, Any]) -> PageLink:
    linked = transport.call(
        "GET", str(page["id"]), token=user_token, params={"fields": "instagram_business_account"}
    )
    account = linked.get("instagram_business_account") if isinstance(linked, dict) else None
    return PageLink(
        page_id=str(page["id"]),
        name=str(page.get("name") or ""),
        ig_user_id=str(account["id"]) if isinstance(account, dict) and account.get("id") else None,
        page_access_token=page.get("access_token"),
    )


# --- Instagram Login --------------------------------------------------------------


def exchange_instagram_code(
    api_url: str, app_id: str, app_secret: str, redirect_uri: str, code: str, *, timeout: Timeout = DEFAULT_TIMEOUT
) -> TokenGrant:
    """Code → short-lived token, user id and permissions (`POST api.instagram.com/oauth/access_token`).

    Meta answers either `{"data": [{...}]}` or the flat object; both are read. Not retried.
    """
    transport = GraphTransport(api_url, None, app_secret=app_secret, retry=NO_RETRY, timeout=timeout)
    payload = transport.call(
        "POST",
        "oauth/access_token",
        token=None,
        versioned=False,
        data={
            "client_id": app_id,
            "client_secret": app_secret,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
            "code": code.removesuffix("#_"),  # Instagram appends "#_" to the redirect; not part of the code
        },
    )
    if isinstance(payload, dict) and isinstance(payload.get("data"), list) and payload["data"]:
        payload = payload["data"][0]
    return _token_grant(payload)


def exchange_instagram_long_lived(
    graph_url: str, app_secret: str, short_lived_token: str, *, timeout: Timeout = DEFAULT_TIMEOUT
) -> TokenGrant:
    """Short-lived → 60-day token: `GET graph.instagram.com/access_token?grant_type=ig_exchange_token`."""
    transport = GraphTransport(graph_url, None, app_secret=app_secret, timeout=timeout)
    payload = transport.call(
        "GET",
        "access_token",
        token=short_lived_token,
        versioned=False,
        proof=False,
        token_in_query=True,
        params={"grant_type": "ig_exchange_token", "client_secret": app_secret},
    )
    return _token_grant(payload)


def refresh_instagram_token(graph_url: str, long_lived_token: str, *, timeout: Timeout = DEFAULT_TIMEOUT) -> TokenGrant:
    """A fresh 60-day token for one at least 24 hours old and unexpired (`ig_refresh_token`)."""
    transport = GraphTransport(graph_url, None, timeout=timeout)
    payload = transport.call(
        "GET",
        "refresh_access_token",
        token=long_lived_token,
        versioned=False,
        proof=False,
        token_in_query=True,
        params={"grant_type": "ig_refresh_token"},
    )
    return _token_grant(payload)


def instagram_me(
    graph_url: str,
    api_version: str,
    app_secret: str | None,
    token: str,
    fields: str = "user_id,username,name,profile_picture_url,account_type",
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """`/me` on graph.instagram.com: `user_id` is the professional account id webhooks use."""
    transport = GraphTransport(graph_url, api_version, app_secret=app_secret, timeout=timeout)
    payload = transport.call("GET", "me", token=token, params={"fields": fields})
    if not isinstance(payload, dict) or not (payload.get("user_id") or payload.get("id")):
        raise PayloadInvalid("/me answered without an id")
    return payload


def _token_grant(payload: Any) -> TokenGrant:
    if not isinstance(payload, dict) or not payload.get("access_token"):
        raise PayloadInvalid("token endpoint answered without an access_token")
    permissions = payload.get("permissions") or ()
    if isinstance(permissions, str):
        permissions = tuple(p for p in permissions.split(",") if p)
    expires_in = payload.get("expires_in")
    user_id = payload.get("user_id")
    return TokenGrant(
        access_token=str(payload["access_token"]),
        token_type=payload.get("token_type"),
        expires_in=int(expires_in) if expires_in is not None else None,
        user_id=str(user_id) if user_id is not None else None,
        permissions=tuple(str(p) for p in permissions),
    )
