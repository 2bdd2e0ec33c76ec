"""Vendly's own people and stores (minimal versions), the app's logins, and what it tells them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.models.base import Base, TimestampMixin


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
