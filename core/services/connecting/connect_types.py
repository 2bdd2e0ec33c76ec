"""What the connect services share: their collaborators, their error, what they return, and the
failure trail (an `instagram_sync_history` row or a log line) every failure leaves behind.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.config import Settings, get_settings
from core.errors import CatalogSyncError
from core.ids import new_id
from core.logging import log_finished
from core.models import InstagramConnection, InstagramSyncHistory, Product
from core.services.connecting.connect_rules import STATUS_LABELS, failure_message
from core.services.connecting.meta_login import MetaLogin
from core.token_vault import SecretToken, TokenVault

log = logging.getLogger("catalog_sync.connect")

SYNC_TYPE_CONNECT = "connect"


@dataclass
class ConnectDeps:
    """The connect services' collaborators: Meta, the token vault and the clock."""

    meta: MetaLogin
    vault: TokenVault
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, clock: Clock | None = None) -> ConnectDeps:
        settings = settings or get_settings()
        return cls(MetaLogin(settings), TokenVault(settings.token_encryption_keys), clock or SystemClock())

    @property
    def settings(self) -> Settings:
        return self.meta.settings


class ConnectFailed(CatalogSyncError):
    """Connecting (or keeping a connection) failed for a reason a person can act on.

    `code` is short and safe for a redirect URL (`?connect_error=<code>`); the message is
    the readable text for that code, plus `detail` (never a token) when there is one.
    """

    def __init__(
        self, code: str, detail: str | None = None, store_id: str | None = None, started_by: str | None = None
    ):
        self.code = code
        self.detail = detail
        self.store_id = store_id
        # Set only when the state was genuine and fresh: who may be logged back in.
        self.started_by = started_by
        message = failure_message(code)
        super().__init__(f"{message} ({detail})" if detail else message)


@dataclass(frozen=True)
class ConnectOutcome:
    """How a finished callback ended: connected, or waiting for the person to pick a Page's account."""

    kind: str  # "connected" | "choose_page"
    store_id: str
    connection_id: str | None = None
    ig_username: str | None = None
    webhook_subscribed: bool = False
    choices: list[dict[str, Any]] = field(default_factory=list)
    # Who started the flow, so the callback can log them back into the app (LoginHandoff).
    started_by: str | None = None


@dataclass(frozen=True)
class ConnectionView:
    """A connection as the Connect page and the CLI show it. It holds no token."""

    id: str
    store_id: str
    login_flow: str
    ig_user_id: str
    ig_username: str | None
    profile_picture_url: str | None
    fb_page_id: str | None
    status: str
    status_reason: str | None
    status_changed_at: datetime | None
    token_expires_at: datetime | None
    token_refreshed_at: datetime | None
    data_access_expires_at: datetime | None
    scopes: list[str]
    webhook_subscribed: bool
    webhook_subscribed_at: datetime | None
    connected_at: datetime | None
    last_synced_at: datetime | None
    last_validated_at: datetime | None
    products_imported: int
    has_token: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def needs_reconnect(self) -> bool:
        return self.status != "active"


def view_of(session: Session, connection: InstagramConnection) -> ConnectionView:
    imported = session.scalar(
        select(func.count(Product.id)).where(
            Product.store_id == connection.store_id, Product.source_type == "instagram"
        )
    )
    return ConnectionView(
        id=connection.id,
        store_id=connection.store_id,
        login_flow=connection.login_flow,
        ig_user_id=connection.ig_user_id,
        ig_username=connection.ig_username,
        profile_picture_url=connection.ig_profile_picture_url,
        fb_page_id=connection.fb_page_id,
        status=connection.status,
        status_reason=connection.status_reason,
        status_changed_at=connection.status_changed_at,
        token_expires_at=connection.token_expires_at,
        token_refreshed_at=connection.token_refreshed_at,
        data_access_expires_at=connection.data_access_expires_at,
        scopes=list(connection.scopes or []),
        webhook_subscribed=bool(connection.webhook_subscribed),
        webhook_subscribed_at=connection.webhook_subscribed_at,
        connected_at=connection.connected_at,
        last_synced_at=connection.last_synced_at,
        last_validated_at=connection.last_validated_at,
        products_imported=int(imported or 0),
        has_token=bool(connection.access_token_encrypted),
    )


def decrypt_token(vault: TokenVault, connection: InstagramConnection) -> SecretToken:
    """The connection's token, for the moment of an HTTP call. Raises TokenVaultError."""
    return vault.decrypt(connection.id, connection.access_token_encrypted)


def record_connect_event(
    session: Session,
    now: datetime,
    *,
    store_id: str | None,
    status: str,
    code: str | None = None,
    detail: str | None = None,
    connection_id: str | None = None,
    user_id: str | None = None,
    options: dict[str, Any] | None = None,
) -> None:
    """Leave the trail: a `connect` history row when the store is known, always a log line.

    Commits, so the row survives whatever the caller does next.
    """
    fields = {"status": status, "code": code, "detail": detail, "connection_id": connection_id, **(options or {})}
    log_finished(log, "connect", fields, store_id=store_id, outcome=f"{status} ({code})" if code else status,
                 level=logging.WARNING if status == "failed" else logging.INFO)
    if store_id is None:
        return
    errors = [{"code": code, "message": failure_message(code), "detail": detail}] if status == "failed" else []
    session.add(
        InstagramSyncHistory(
            id=new_id("sync"),
            store_id=store_id,
            connection_id=connection_id,
            sync_type=SYNC_TYPE_CONNECT,
            status=status,
            options=options or {},
            errors=errors,
            requested_by=user_id,
            created_at=now,
            started_at=now,
            completed_at=now,
            duration_ms=0,
        )
    )
    session.commit()
