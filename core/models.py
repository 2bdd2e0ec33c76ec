"""The data model: SQLAlchemy 2.0 typed ORM.

The seed plan's five tables (`instagram_connection`, `product`, `product_draft`,
`instagram_sync_history`, `instagram_webhook_event`) are the contract; `seller_profile`
and `store` are minimal versions of Vendly's own; `app_user` adds login and roles.
JSON columns are JSONB on PostgreSQL, timestamps are timezone-aware UTC, ids are
prefixed text. Every schema change here needs a migration in `migrations/versions`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.clock import utcnow

# Alembic's recommended naming convention, so constraints have stable names on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSONB on PostgreSQL, JSON elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend.

    SQLite stores no offset, so values read back are naive; this re-attaches UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            from datetime import timezone

            return value.replace(tzinfo=timezone.utc)
        return value


Money = Numeric(14, 2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType, list[Any]: JSONType}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )


# --- Vendly's own tables, minimal versions -------------------------------------------------


class AppUser(TimestampMixin, Base):
    """A person who logs in: Vendly ops staff, or a pilot seller bound to one store."""

    __tablename__ = "app_user"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # "ops" | "seller"
    store_id: Mapped[str | None] = mapped_column(ForeignKey("store.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    last_login_at: Mapped[datetime | None]


class SellerProfile(Base):
    __tablename__ = "seller_profile"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # Vendly's own user id (not our app_user, which only holds logins for this app).
    user_id: Mapped[str | None] = mapped_column(String(40), index=True)
    business_name: Mapped[str] = mapped_column(String(200))
    instagram_connected: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    ig_business_account_id: Mapped[str | None] = mapped_column(String(64))
    fb_page_id: Mapped[str | None] = mapped_column(String(64))


class Store(Base):
    __tablename__ = "store"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("seller_profile.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    default_currency: Mapped[str] = mapped_column(String(3), default="KES", server_default="KES")
    # e.g. {"instagram": {"connected": true, "username": "...", "connection_id": "igc_..."}}
    social_source: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Per-store behaviour switches (auto-approve threshold, product status on approval, ...).
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


# --- The seed plan's five tables --------------------------------------------------------------


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


class Product(TimestampMixin, Base):
    __tablename__ = "product"
    __table_args__ = (
        UniqueConstraint("store_id", "slug"),
        Index("ix_product_store_id_status", "store_id", "status"),
        Index("ix_product_source_external_id", "source_type", "source_external_id"),
        # Analytics: products imported over time, per store and across stores.
        Index("ix_product_store_id_source_imported_at", "store_id", "source_imported_at"),
        Index("ix_product_source_imported_at", "source_imported_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # prd_...
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220))
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal | None] = mapped_column(Money)
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    category: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    variants: Mapped[list[Any]] = mapped_column(default=list)
    images: Mapped[list[Any]] = mapped_column(default=list)  # media-store keys
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|draft|hidden
    source_type: Mapped[str] = mapped_column(String(16), default="manual")  # manual|instagram
    source_external_id: Mapped[str | None] = mapped_column(String(64))
    source_permalink: Mapped[str | None] = mapped_column(Text)
    source_caption: Mapped[str | None] = mapped_column(Text)
    source_imported_at: Mapped[datetime | None]
    source_deleted_at: Mapped[datetime | None]
    # Set when a person changes the product in Vendly after import (edit sync uses it).
    vendly_edited_at: Mapped[datetime | None]
    # The values the product was created from at approval: the base of edit sync's
    # three-way comparison (Instagram now vs Vendly now vs this).
    source_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class ProductDraft(TimestampMixin, Base):
    """One Instagram post read by the extractor, waiting for a person's decision."""

    __tablename__ = "product_draft"
    __table_args__ = (
        UniqueConstraint("ig_media_id"),
        Index("ix_product_draft_store_id_status", "store_id", "status"),
        Index("ix_product_draft_store_id_confidence", "store_id", "confidence"),
        Index("ix_product_draft_status_expires_at", "status", "expires_at"),
        # Analytics cohorts drafts by creation day, per store and across stores.
        Index("ix_product_draft_store_id_created_at", "store_id", "created_at"),
        Index("ix_product_draft_created_at", "created_at"),
        # The review grid pages a store's drafts of one status, newest first.
        Index("ix_product_draft_store_id_status_created_at", "store_id", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # draft_...
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    connection_id: Mapped[str | None] = mapped_column(ForeignKey("instagram_connection.id"))
    ig_media_id: Mapped[str] = mapped_column(String(64))
    ig_media_type: Mapped[str] = mapped_column(String(32))
    ig_permalink: Mapped[str | None] = mapped_column(Text)
    ig_caption: Mapped[str | None] = mapped_column(Text)
    ig_timestamp: Mapped[datetime | None]
    ig_media_urls: Mapped[list[Any]] = mapped_column(default=list)  # Instagram's signed addresses
    images: Mapped[list[Any]] = mapped_column(default=list)  # our own copies (media-store keys)
    extracted_data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the AI's output, kept
    seller_edits: Mapped[dict[str, Any]] = mapped_column(default=dict)  # a person's changes
    confidence: Mapped[float | None] = mapped_column(Float)
    extractor: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    rejection_reason: Mapped[str | None] = mapped_column(String(32))
    rejection_note: Mapped[str | None] = mapped_column(Text)
    product_id: Mapped[str | None] = mapped_column(ForeignKey("product.id"))
    auto_approved: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    expires_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(40))  # app_user id, or "auto"
    source_fingerprint: Mapped[str | None] = mapped_column(String(64))
    sync_history_id: Mapped[str | None] = mapped_column(String(40))
    # Set once the "expires tomorrow" reminder has counted this draft, so it is sent once.
    expiry_reminded_at: Mapped[datetime | None]


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


class Notification(Base):
    """An in-app message to a store's people: a new draft, drafts expiring, a scan finished.

    `dedup_key` (unique) lets a job that may run twice, or on two workers, notify once.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("dedup_key"),
        Index("ix_notification_store_id_created_at", "store_id", "created_at"),
        Index("ix_notification_store_id_read_at", "store_id", "read_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # ntf_...
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    kind: Mapped[str] = mapped_column(String(32))  # new_draft|drafts_expiring|scan_finished|...
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    draft_id: Mapped[str | None] = mapped_column(String(40))
    dedup_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    read_at: Mapped[datetime | None]


class OAuthState(Base):
    """One OAuth dialog we sent someone to: the `state` we expect back, and who it is for.

    Only the SHA-256 of the state is stored (a database dump cannot be replayed into a
    callback); it is bound to the acting user, the store and the login flow, lives 10
    minutes and is spent once by a conditional UPDATE on `used_at`. When Facebook Login
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
    # Set while a Page choice is pending: the encrypted user token and what to choose from.
    pending_token_encrypted: Mapped[str | None] = mapped_column(Text)
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    pending_expires_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


# --- Usage records for analytics ------------------------------------------------------------


class AICall(Base):
    """One call to an AI provider (OpenAI, Gemini), so analytics can sum calls, tokens and cost.

    Written by `core.services.ai_usage.record_ai_call`; cache hits are not calls and are
    not recorded.
    """

    __tablename__ = "ai_call"
    __table_args__ = (
        Index("ix_ai_call_store_id_created_at", "store_id", "created_at"),
        Index("ix_ai_call_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # aic_...
    store_id: Mapped[str | None] = mapped_column(ForeignKey("store.id"))
    draft_id: Mapped[str | None] = mapped_column(String(40))
    provider: Mapped[str] = mapped_column(String(16))  # openai | gemini
    model: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str | None] = mapped_column(String(32))  # caption | image | ...
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(12, 6), default=Decimal("0"))
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    error: Mapped[str | None] = mapped_column(String(200))
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class ApiBudgetSnapshot(Base):
    """What the Graph budget tracker knew about one account at one moment.

    The tracker lives in each worker process; persisting a snapshot after each scan or
    poll lets analytics chart usage against the budget and see when Meta throttled us.
    """

    __tablename__ = "api_budget_snapshot"
    __table_args__ = (
        Index("ix_api_budget_snapshot_store_id_taken_at", "store_id", "taken_at"),
        Index("ix_api_budget_snapshot_taken_at", "taken_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # abs_...
    store_id: Mapped[str | None] = mapped_column(ForeignKey("store.id"))
    connection_id: Mapped[str | None] = mapped_column(ForeignKey("instagram_connection.id"))
    ig_user_id: Mapped[str] = mapped_column(String(64))
    usage_percent: Mapped[float | None] = mapped_column(Float)  # Meta's figure, 0-100+
    calls_in_window: Mapped[int] = mapped_column(Integer, default=0)  # our calls, last 24 h
    remaining_calls: Mapped[int | None] = mapped_column(Integer)  # before the headroom line
    throttled: Mapped[bool] = mapped_column(Boolean, default=False)  # Meta said stop
    blocked_until: Mapped[datetime | None]
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Edit sync ------------------------------------------------------------------------------


class SyncConflict(TimestampMixin, Base):
    """An Instagram edit that met a product a person had changed in Vendly (migration 0008).

    `fields` holds, per field, the base both sides came from, Instagram's value and
    Vendly's, so a person can choose field by field; nothing is written to the product
    until they do. One open conflict per product: a repeated edit updates it.
    """

    __tablename__ = "sync_conflict"
    __table_args__ = (
        Index("ix_sync_conflict_store_id_status_updated_at", "store_id", "status", "updated_at"),
        Index(
            "uq_sync_conflict_open_product_id",
            "product_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # scf_...
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    product_id: Mapped[str] = mapped_column(ForeignKey("product.id"))
    draft_id: Mapped[str | None] = mapped_column(String(40))
    ig_media_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|resolved|dismissed
    # {field: {base, instagram, vendly, vendly_changed, instagram_invalid, suggested}}
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Instagram's side in full (the next base once resolved) and the caption it was read from.
    instagram_values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    instagram_caption: Mapped[str | None] = mapped_column(Text)
    detections: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    resolution: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # {field: {choice, value}}
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(40))
    dismissed_reason: Mapped[str | None] = mapped_column(Text)


class ProductChange(Base):
    """One change to a synced post's draft or product: what, when, and from which side.

    `side` is "instagram" (the post changed), "vendly" (a person edited the product) or
    "resolution" (a person chose between the two); `changes` is {field: {from, to}}.
    """

    __tablename__ = "product_change"
    __table_args__ = (
        Index("ix_product_change_store_id_created_at", "store_id", "created_at"),
        Index("ix_product_change_ig_media_id_created_at", "ig_media_id", "created_at"),
        Index("ix_product_change_product_id_created_at", "product_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # pch_...
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    product_id: Mapped[str | None] = mapped_column(String(40))
    draft_id: Mapped[str | None] = mapped_column(String(40))
    ig_media_id: Mapped[str | None] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(16))  # instagram|vendly|resolution
    action: Mapped[str] = mapped_column(String(32))  # draft_updated|product_updated|conflict_opened|...
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(40))  # app_user id, or "system"
    conflict_id: Mapped[str | None] = mapped_column(String(40))
    sync_history_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class LoginHandoff(Base):
    """A one-time, short-lived ticket that logs a person back in after an OAuth round trip.

    Meta's dialog sends the browser back through the webhook sidecar, which opens a new
    Streamlit session; the ticket (stored only as a hash) restores the person who started
    the connect, once.
    """

    __tablename__ = "login_handoff"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("app_user.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
