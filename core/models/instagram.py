"""The Instagram side: connections, OAuth dialogs in flight, syncs and scans, webhook events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.models.base import Base, JSONType, TimestampMixin


class InstagramConnection(TimestampMixin, Base):
    """One store's link to one Instagram professional account, with its encrypted token."""

    __tablename__ = "instagram_connection"
    __table_args__ = (
        UniqueConstraint("store_id"),
        Index("ix_instagram_connection_ig_user_id", "ig_user_id"),
        Index("ix_instagram_connection_status", "status"),
        Index("ix_instagram_connection_status_poll_next_at", "status", "poll_next_at"),  # due polls (0010)
        # One live connection per Instagram account: a second store cannot attach an account
        # another store holds (0004). Disconnected ("revoked") rows do not count.
        Index(
            "uq_instagram_connection_live_ig_user_id",
            "ig_user_id",
            unique=True,
            postgresql_where=text("status <> 'revoked'"),
            sqlite_where=text("status <> 'revoked'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # igc_...
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    seller_id: Mapped[str] = mapped_column(ForeignKey("seller_profile.id"))
    login_flow: Mapped[str] = mapped_column(String(16))  # "facebook" | "instagram"
    ig_user_id: Mapped[str] = mapped_column(String(64))
    ig_username: Mapped[str | None] = mapped_column(String(100))
    ig_profile_picture_url: Mapped[str | None] = mapped_column(Text)
    fb_page_id: Mapped[str | None] = mapped_column(String(64))
    # MultiFernet ciphertext bound to this row's id (core/security.py); never the token in clear.
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None]
    token_refreshed_at: Mapped[datetime | None]
    data_access_expires_at: Mapped[datetime | None]
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|expired|revoked|error
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None]
    webhook_subscribed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    webhook_subscribed_at: Mapped[datetime | None]
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_synced_at: Mapped[datetime | None]
    last_validated_at: Mapped[datetime | None]
    # Set while a worker refreshes or validates this token (0013), so no other worker does it
    # too; a crashed worker's claim simply runs out.
    token_upkeep_claimed_until: Mapped[datetime | None]
    # Polling state (0010): when the worker polls next and last did, the adaptive interval,
    # a claim so one worker polls an account at a time, the last webhook hint, and the Graph
    # calls polling spent in the current hour against its estimated hourly budget.
    poll_next_at: Mapped[datetime | None]
    poll_last_at: Mapped[datetime | None]
    poll_last_status: Mapped[str | None] = mapped_column(String(32))
    poll_interval_seconds: Mapped[int | None] = mapped_column(Integer)
    poll_claimed_until: Mapped[datetime | None]
    poll_hinted_at: Mapped[datetime | None]
    poll_hour_started_at: Mapped[datetime | None]
    poll_calls_this_hour: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    poll_hourly_budget: Mapped[int | None] = mapped_column(Integer)
    reconcile_next_at: Mapped[datetime | None]
    # The last draft the reconcile's sweep of older posts re-read (0012): the next one goes on after it.
    reconcile_cursor: Mapped[str | None] = mapped_column(String(40))


class OAuthState(Base):
    """One OAuth dialog we sent someone to: the `state` we expect back, and who it is for.

    Only the SHA-256 of the state is stored (a database dump cannot be replayed into a
    callback); it is bound to the acting user, the store and the login flow, lives 10
    minutes and is spent once by a conditional UPDATE on `used_at`. A state started for a
    browser also holds the SHA-256 of that browser's key (`browser_key_hash`), which the
    browser carries in a cookie, so a leaked state cannot be finished elsewhere. When Facebook Login
    returns several Pages, the person's token waits here (encrypted, bound to this row's
    id) with the choices until they pick one, and is wiped when they do or it expires.
    """

    __tablename__ = "oauth_state"
    __table_args__ = (
        UniqueConstraint("state_hash"),
        Index("ix_oauth_state_store_id_created_at", "store_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # oas_...
    state_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(40))
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    login_flow: Mapped[str] = mapped_column(String(16))  # "facebook" | "instagram"
    redirect_uri: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # NULL: not bound to a browser (started and finished server-side, e.g. demo-seed).
    browser_key_hash: Mapped[str | None] = mapped_column(String(64))
    # Set while a Page choice is pending: the encrypted user token and what to choose from.
    pending_token_encrypted: Mapped[str | None] = mapped_column(Text)
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    pending_expires_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


class InstagramSyncHistory(Base):
    """One scan, poll or sync run, with its progress figures (the UI polls this row)."""

    __tablename__ = "instagram_sync_history"
    __table_args__ = (
        Index("ix_instagram_sync_history_store_id_started_at", "store_id", "started_at"),
        Index("ix_instagram_sync_history_status", "status"),
        # At most one bulk import queued or running per store, however many requests race.
        Index(
            "uq_instagram_sync_history_active_bulk_import",
            "store_id",
            unique=True,
            sqlite_where=text("sync_type = 'bulk_import' AND status IN ('queued', 'running')"),
            postgresql_where=text("sync_type = 'bulk_import' AND status IN ('queued', 'running')"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # sync_...
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    connection_id: Mapped[str | None] = mapped_column(ForeignKey("instagram_connection.id"))
    sync_type: Mapped[str] = mapped_column(String(32))  # bulk_import|incremental_sync|webhook|...
    status: Mapped[str] = mapped_column(String(16), default="queued")
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    posts_found: Mapped[int] = mapped_column(Integer, default=0)
    posts_processed: Mapped[int] = mapped_column(Integer, default=0)
    drafts_created: Mapped[int] = mapped_column(Integer, default=0)
    products_updated: Mapped[int] = mapped_column(Integer, default=0)
    posts_skipped: Mapped[int] = mapped_column(Integer, default=0)
    posts_failed: Mapped[int] = mapped_column(Integer, default=0)
    api_calls_used: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(default=list)
    requested_by: Mapped[str | None] = mapped_column(String(40))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    # Leases that ran out (a worker died mid-job); counted apart from real failures.
    lease_expiries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Claim/retry bookkeeping shared with the webhook events (core/jobs.py, migration 0005).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None] = mapped_column(Integer)


class InstagramWebhookEvent(Base):
    """One update from one webhook delivery, stored before we answer Meta."""

    __tablename__ = "instagram_webhook_event"
    __table_args__ = (
        UniqueConstraint("dedup_key"),
        Index("ix_instagram_webhook_event_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_instagram_webhook_event_ig_user_id", "ig_user_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # whe_...
    dedup_key: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(64))
    ig_user_id: Mapped[str | None] = mapped_column(String(64))
    media_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Which app secret the delivery's signature matched: "facebook" or "instagram" (0005).
    signed_with: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    # Leases that ran out (a worker died mid-job); counted apart from real failures.
    lease_expiries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    store_id: Mapped[str | None] = mapped_column(ForeignKey("store.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    processed_at: Mapped[datetime | None]
