"""`MetaLogin`: the connect service's one collaborator for talking to Meta, for both login flows.

It hides which host, app id, secret and call sequence each flow needs (see
core/instagram/oauth.py and DESIGN.md), so core/services/connecting/connect.py reads as the
use case. Built from settings; tests build it from settings that point at the
local sandbox, so every call is real HTTP. Tokens go in and come out as
`SecretToken`, which never prints itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from core.config import Settings
from core.instagram import GraphClient
from core.instagram import oauth
from core.instagram.http import DEFAULT_TIMEOUT
from core.token_vault import SecretToken

FLOWS = ("facebook", "instagram")
PROFILE_FIELDS = "id,username,profile_picture_url"


@dataclass(frozen=True)
class LoginGrant:
    """A long-lived token and what Meta told us about it."""

    token: SecretToken = field(repr=False)
    expires_in: int | None
    scopes: tuple[str, ...] | None = None  # None: not said by the exchange
    ig_user_id: str | None = None


@dataclass(frozen=True)
class AccountChoice:
    """One Instagram professional account the person can connect (one per Page under Facebook Login)."""

    ig_user_id: str
    username: str | None
    profile_picture_url: str | None = None
    page_id: str | None = None
    page_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ig_user_id": self.ig_user_id,
            "username": self.username,
            "profile_picture_url": self.profile_picture_url,
            "page_id": self.page_id,
            "page_name": self.page_name,
        }


@dataclass(frozen=True)
class TokenInfo:
    """What `debug_token` says about a token (Facebook Login)."""

    is_valid: bool
    scopes: tuple[str, ...]
    expires_at: datetime | None
    data_access_expires_at: datetime | None


class MetaLogin:
    def __init__(self, settings: Settings, *, timeout: oauth.Timeout = DEFAULT_TIMEOUT):
        self.settings = settings
        # (connect, read) seconds for every call to Meta; tests shorten it to see a timeout quickly.
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"MetaLogin(flows={self.offered_flows()})"

    # --- configuration ------------------------------------------------------------

    def offered_flows(self) -> list[str]:
        return [flow for flow in self.settings.login_flows if flow in FLOWS]

    def redirect_uri(self, flow: str) -> str:
        configured = self.settings.meta_redirect_uri if flow == "facebook" else self.settings.instagram_redirect_uri
        return configured or f"{self.settings.webhook_base_url.rstrip('/')}/oauth/callback"

    def required_scopes(self, flow: str) -> tuple[str, ...]:
        return tuple(self.settings.meta_scopes if flow == "facebook" else self.settings.instagram_scopes)

    def dialog_url(self, flow: str, state: str, redirect_uri: str) -> str:
        s = self.settings
        if flow == "facebook":
            return oauth.facebook_login_url(
                s.meta_dialog_url, s.meta_api_version, s.meta_app_id, redirect_uri, state, self.required_scopes(flow)
            )
        return oauth.instagram_login_url(
            s.instagram_dialog_url, s.instagram_app_id, redirect_uri, state, self.required_scopes(flow)
        )

    # --- the code flow ----------------------------------------------------------------

    def exchange_code(self, flow: str, code: str, redirect_uri: str) -> LoginGrant:
        """Code → short-lived → long-lived token. Raises core.instagram errors."""
        s = self.settings
        if flow == "facebook":
            short = oauth.exchange_facebook_code(
                s.meta_graph_url, s.meta_api_version, s.meta_app_id, s.meta_app_secret, redirect_uri, code,
                timeout=self.timeout,
            )
            long = oauth.exchange_facebook_long_lived(
                s.meta_graph_url, s.meta_api_version, s.meta_app_id, s.meta_app_secret, short.access_token,
                timeout=self.timeout,
            )
            return LoginGrant(SecretToken(long.access_token), long.expires_in)
        short = oauth.exchange_instagram_code(
            s.instagram_api_url, s.instagram_app_id, s.instagram_app_secret, redirect_uri, code, timeout=self.timeout
        )
        long = oauth.exchange_instagram_long_lived(
            s.instagram_graph_url, s.instagram_app_secret, short.access_token, timeout=self.timeout
        )
        return LoginGrant(
            SecretToken(long.access_token), long.expires_in, tuple(short.permissions) or None, short.user_id
        )

    def find_accounts(self, flow: str, token: SecretToken) -> list[AccountChoice]:
        """The Instagram professional accounts this token reaches.

        Facebook Login: each granted Page's `instagram_business_account` (Pages without one
        are left out). Instagram Login: the one account behind the token (`/me`).
        """
        s = self.settings
        if flow == "instagram":
            me = oauth.instagram_me(
                s.instagram_graph_url, s.meta_api_version, s.instagram_app_secret, token.reveal(), timeout=self.timeout
            )
            return [
                AccountChoice(
                    ig_user_id=str(me.get("user_id") or me.get("id")),
                    username=me.get("username"),
                    profile_picture_url=me.get("profile_picture_url"),
                )
            ]
        pages = self._pages(token)
        client = self.client(flow, token)
        choices = []
        for page in pages:
            if not page.ig_user_id:
                continue
            profile = client.get_account(page.ig_user_id, fields=PROFILE_FIELDS)
            choices.append(
                AccountChoice(page.ig_user_id, profile.username, profile.profile_picture_url, page.page_id, page.name)
            )
        return choices

    def token_info(self, flow: str, token: SecretToken) -> TokenInfo:
        """Scopes and expiries from `debug_token`, asked with the app token (`app_id|app_secret`)."""
        s = self.settings
        app_id, secret = (s.meta_app_id, s.meta_app_secret) if flow == "facebook" else (s.instagram_app_id, s.instagram_app_secret)
        data = self.client(flow, token).debug_token(app_access_token=f"{app_id}|{secret}")
        return TokenInfo(
            is_valid=bool(data.get("is_valid", True)),
            scopes=tuple(str(scope) for scope in data.get("scopes") or ()),
            expires_at=_from_epoch(data.get("expires_at")),
            data_access_expires_at=_from_epoch(data.get("data_access_expires_at")),
        )

    # --- after connecting -----------------------------------------------------------------

    def client(self, flow: str, token: SecretToken, account_id: str | None = None) -> GraphClient:
        return GraphClient.for_login_flow(self.settings, flow, token.reveal(), account_id=account_id, timeout=self.timeout)

    def profile(self, flow: str, token: SecretToken, ig_user_id: str) -> AccountChoice:
        """One cheap call that proves the token still works, and refreshes username and picture."""
        if flow == "instagram":
            found = self.find_accounts(flow, token)[0]
            return found
        profile = self.client(flow, token, ig_user_id).get_account(ig_user_id, fields=PROFILE_FIELDS)
        return AccountChoice(ig_user_id, profile.username, profile.profile_picture_url)

    def subscribe_webhooks(self, flow: str, token: SecretToken, account: AccountChoice) -> bool:
        """`POST subscribed_apps` on the account (Instagram Login) or its Page, with the Page token."""
        target_token, object_id = self._subscription_target(flow, token, account.ig_user_id, account.page_id)
        return self.client(flow, target_token, account.ig_user_id).subscribe_app(object_id)

    def unsubscribe_webhooks(self, flow: str, token: SecretToken, ig_user_id: str, page_id: str | None) -> bool:
        target_token, object_id = self._subscription_target(flow, token, ig_user_id, page_id)
        return self.client(flow, target_token, ig_user_id).unsubscribe_app(object_id)

    def _subscription_target(
        self, flow: str, token: SecretToken, ig_user_id: str, page_id: str | None
    ) -> tuple[SecretToken, str]:
        if flow == "instagram" or not page_id:
            return token, ig_user_id
        pages = self._pages(token)
        page = next((p for p in pages if p.page_id == page_id), None)
        page_token = page.page_access_token if page and page.page_access_token else None
        return (SecretToken(page_token) if page_token else token), page_id

    def refresh(self, flow: str, token: SecretToken) -> LoginGrant:
        """A new 60-day token: `ig_refresh_token` (Instagram Login) or a new `fb_exchange_token`."""
        s = self.settings
        if flow == "instagram":
            grant = oauth.refresh_instagram_token(s.instagram_graph_url, token.reveal(), timeout=self.timeout)
        else:
            grant = oauth.exchange_facebook_long_lived(
                s.meta_graph_url, s.meta_api_version, s.meta_app_id, s.meta_app_secret, token.reveal(),
                timeout=self.timeout,
            )
        return LoginGrant(SecretToken(grant.access_token), grant.expires_in)

    def _pages(self, token: SecretToken) -> list[oauth.PageLink]:
        s = self.settings
        return oauth.list_facebook_pages(
            s.meta_graph_url, s.meta_api_version, s.meta_app_secret, token.reveal(), timeout=self.timeout
        )


def _from_epoch(value: Any) -> datetime | None:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc) if seconds > 0 else None
